import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call } from "../support/gateway.ts";

// SPEC §3: failures answer {code, data: null, error} with the HTTP status equal to code.

describe("unknown paths", () => {
  it("answer 404 in the error envelope", async () => {
    for (const [method, path] of [
      ["GET", "/no/such/path"],
      ["POST", "/healthz/extra"],
      ["GET", "/Wechat"],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body, `${method} ${path}`).toEqual({
        code: 404,
        data: null,
        error: expect.stringMatching(/\S/),
      });
    }
  });

  it("under /admin answer 404 once the admin token is given", async () => {
    const answer = await call("GET", "/admin/nothing-here", { token: ADMIN_TOKEN });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, data: null, error: expect.stringMatching(/\S/) });
  });
});

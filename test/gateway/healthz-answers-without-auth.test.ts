import { describe, expect, it } from "vitest";
import { call } from "../support/gateway.ts";

// SPEC §9: GET /healthz answers 200 without auth, in the gateway envelope (§3).

describe("health", () => {
  it("GET /healthz answers ok without credentials", async () => {
    const answer = await call("GET", "/healthz");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: { status: "ok" }, error: "" });
  });
});

import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, registerApp } from "../support/gateway.ts";

// SPEC §4: every /admin/* call needs `Authorization: Bearer <ADMIN_TOKEN>`; §3: 401 for a missing
// or unknown credential, in the error envelope whose `code` equals the HTTP status.
// (The 503 answered while ADMIN_TOKEN is unset cannot be set up in this harness.)

const unauthorized = { code: 401, data: null, error: expect.stringMatching(/\S/) };

describe("admin authentication", () => {
  it("answers 401 in the error envelope when Authorization is missing", async () => {
    for (const [method, path] of [
      ["GET", "/admin/apps"],
      ["GET", "/admin/apps/adm-auth"],
      ["PUT", "/admin/apps/adm-auth"],
      ["POST", "/admin/apps/adm-auth/keys"],
      ["GET", "/admin/apps/adm-auth/status"],
      ["POST", "/admin/apps/adm-auth/token/refresh"],
      ["DELETE", "/admin/apps/adm-auth"],
    ] as const) {
      const answer = await call(method, path);
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body, `${method} ${path}`).toEqual(unauthorized);
    }
  });

  it("answers 401 for a wrong admin token, a non-Bearer scheme or an empty Bearer", async () => {
    const wrong = await call("GET", "/admin/apps", { token: `${ADMIN_TOKEN}x` });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual(unauthorized);

    const basic = await call("GET", "/admin/apps", { headers: { Authorization: `Basic ${ADMIN_TOKEN}` } });
    expect(basic.status).toBe(401);
    expect(basic.body).toEqual(unauthorized);

    const empty = await call("GET", "/admin/apps", { headers: { Authorization: "Bearer " } });
    expect(empty.status).toBe(401);
    expect(empty.body).toEqual(unauthorized);
  });

  it("answers 401 for an app's API key", async () => {
    const app = await registerApp("adm-auth-key", "wxadmauthkey001");
    const answer = await call("GET", "/admin/apps", { token: app.apiKey });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(unauthorized);
  });

  it("does not register anything when the token is wrong", async () => {
    const put = await call("PUT", "/admin/apps/adm-auth", {
      token: "not-the-admin-token",
      body: { appId: "wxadmauth0001", appSecret: "whatever" },
    });
    expect(put.status).toBe(401);
    const one = await call("GET", "/admin/apps/adm-auth", { token: ADMIN_TOKEN });
    expect(one.status).toBe(404);
  });

  it("accepts the admin token", async () => {
    const answer = await call("GET", "/admin/apps/adm-auth/status", { token: ADMIN_TOKEN });
    // Past authentication: the app simply does not exist.
    expect(answer.status).toBe(404);
    const list = await call("GET", "/admin/apps", { token: ADMIN_TOKEN });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ code: 200, error: "" });
  });
});

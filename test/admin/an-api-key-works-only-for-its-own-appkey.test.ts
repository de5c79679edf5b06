import { describe, expect, it } from "vitest";
import { admin, call, getToken, registerApp } from "../support/gateway.ts";

// SPEC §4: POST /admin/apps/{appKey}/keys → {id, key}, shown once; an API key is sent as
// `Authorization: Bearer <key>` and is valid only for its own appKey. §3: 401 for a missing or
// unknown credential, 403 for a credential not allowed for this appKey.

const envelope = (code: number) => ({ code, data: null, error: expect.stringMatching(/\S/) });

describe("API keys", () => {
  it("POST keys answers 201 with a new id and key each time", async () => {
    await registerApp("adm-keys-new", "wxadmkeysnew01");
    const one = await admin<{ id: string; key: string }>("POST", "/apps/adm-keys-new/keys");
    const two = await admin<{ id: string; key: string }>("POST", "/apps/adm-keys-new/keys");
    expect(one.status).toBe(201);
    expect(one.body).toEqual({
      code: 200,
      data: { id: expect.any(String), key: expect.any(String) },
      error: "",
    });
    expect(one.body.data.key).toContain(one.body.data.id);
    expect(two.body.data.id).not.toBe(one.body.data.id);
    expect(two.body.data.key).not.toBe(one.body.data.key);
  });

  it("POST keys for an unknown appKey is a 404", async () => {
    const answer = await admin("POST", "/apps/adm-keys-nobody/keys");
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual(envelope(404));
  });

  it("the key works for its own appKey", async () => {
    const app = await registerApp("adm-keys-own", "wxadmkeysown01");
    const answer = await getToken(app);
    expect(answer.status).toBe(200);
    expect(answer.body.code).toBe(200);
  });

  it("a key of app A used on app B is a 403", async () => {
    const a = await registerApp("adm-keys-a", "wxadmkeysa0001");
    const b = await registerApp("adm-keys-b", "wxadmkeysb0001");
    const answer = await call("GET", `/Wechat/${b.appKey}/AccessToken`, { token: a.apiKey });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(envelope(403));
    const report = await call("POST", `/Wechat/${b.appKey}/AccessToken/Refresh`, {
      token: a.apiKey,
      body: { access_token: "whatever" },
    });
    expect(report.status).toBe(403);
    expect(report.body).toEqual(envelope(403));
  });

  it("an unknown or malformed key is a 401", async () => {
    const app = await registerApp("adm-keys-bad", "wxadmkeysbad01");
    const path = `/Wechat/${app.appKey}/AccessToken`;
    // Well-formed but never issued: same shape as a real key, other id and secret.
    const unknown = `wgk_${"0".repeat(16)}_${"a".repeat(64)}`;
    // The real id with another secret.
    const forged = `wgk_${app.keyId}_${"b".repeat(64)}`;
    for (const token of [unknown, forged, "not-a-key", app.apiKey.slice(0, -1), "test-admin-token"]) {
      const answer = await call("GET", path, { token });
      expect(answer.status, token).toBe(401);
      expect(answer.body, token).toEqual(envelope(401));
    }
  });

  it("a request without Authorization, or with another scheme, is a 401", async () => {
    const app = await registerApp("adm-keys-none", "wxadmkeysnone1");
    const none = await call("GET", `/Wechat/${app.appKey}/AccessToken`);
    expect(none.status).toBe(401);
    expect(none.body).toEqual(envelope(401));
    const basic = await call("GET", `/Wechat/${app.appKey}/AccessToken`, {
      headers: { Authorization: `Basic ${app.apiKey}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.body).toEqual(envelope(401));
  });
});

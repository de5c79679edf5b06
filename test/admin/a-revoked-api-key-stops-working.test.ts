import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";

// SPEC §4: DELETE /admin/apps/{appKey}/keys/{id} revokes a key; keys are shown once and stored
// only as a hash, so GET /admin/apps/{appKey} lists their ids but never their values.

type KeyList = { keys: { id: string; createdAt: string }[] };

describe("revoking API keys", () => {
  it("a revoked key gets 401 while the app's other keys keep working", async () => {
    const app = await registerApp("adm-revoke", "wxadmrevoke001");
    const other = await admin<{ id: string; key: string }>("POST", "/apps/adm-revoke/keys");
    expect((await getToken(app)).status).toBe(200);

    const revoked = await admin("DELETE", `/apps/adm-revoke/keys/${app.keyId}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ code: 200, data: { revoked: true }, error: "" });

    const refused = await getToken(app);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ code: 401, data: null, error: expect.stringMatching(/\S/) });

    const stillWorks = await getToken({ ...app, apiKey: other.body.data.key, keyId: other.body.data.id });
    expect(stillWorks.status).toBe(200);
  });

  it("revoking an unknown key id, twice, or through another appKey is a 404", async () => {
    const app = await registerApp("adm-revoke-404", "wxadmrevoke002");
    const other = await registerApp("adm-revoke-404b", "wxadmrevoke003");

    const unknown = await admin("DELETE", `/apps/${app.appKey}/keys/0123456789abcdef`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 404, data: null, error: expect.stringMatching(/\S/) });

    // Another app's key cannot be revoked through this appKey, and keeps working.
    const foreign = await admin("DELETE", `/apps/${app.appKey}/keys/${other.keyId}`);
    expect(foreign.status).toBe(404);
    expect((await getToken(other)).status).toBe(200);

    expect((await admin("DELETE", `/apps/${app.appKey}/keys/${app.keyId}`)).status).toBe(200);
    const again = await admin("DELETE", `/apps/${app.appKey}/keys/${app.keyId}`);
    expect(again.status).toBe(404);
  });

  it("GET /admin/apps/{appKey} lists key ids but never key values", async () => {
    const app = await registerApp("adm-revoke-list", "wxadmrevoke004");
    const second = await admin<{ id: string; key: string }>("POST", "/apps/adm-revoke-list/keys");

    const detail = await admin<KeyList>("GET", "/apps/adm-revoke-list");
    expect(detail.status).toBe(200);
    expect(detail.body.data.keys.map((k) => k.id).sort()).toEqual([app.keyId, second.body.data.id].sort());
    const text = JSON.stringify(detail.body);
    expect(text).not.toContain(app.apiKey);
    expect(text).not.toContain(second.body.data.key);
    // Nor the secret half of a key on its own.
    expect(text).not.toContain(app.apiKey.slice(-64));

    await admin("DELETE", `/apps/adm-revoke-list/keys/${app.keyId}`);
    const after = await admin<KeyList>("GET", "/apps/adm-revoke-list");
    expect(after.body.data.keys.map((k) => k.id)).toEqual([second.body.data.id]);
  });
});

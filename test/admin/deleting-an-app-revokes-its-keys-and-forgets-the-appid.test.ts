import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";

// SPEC §4: DELETE /admin/apps/{appKey} removes the app and its API keys; when no other appKey
// names the same appId, the appid's keeper forgets its secret and tokens.

const notFound = { code: 404, data: null, error: expect.stringMatching(/\S/) };

describe("deleting an app", () => {
  it("its keys stop working and its admin resources answer 404", async () => {
    const app = await registerApp("adm-delete", "wxadmdelete001");
    expect((await getToken(app)).status).toBe(200);

    const deleted = await admin("DELETE", "/apps/adm-delete");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ code: 200, data: { deleted: true }, error: "" });

    const token = await getToken(app);
    expect(token.status).toBe(401);
    expect(token.body).toEqual({ code: 401, data: null, error: expect.stringMatching(/\S/) });

    for (const path of ["/apps/adm-delete", "/apps/adm-delete/status"]) {
      const answer = await admin("GET", path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).toEqual(notFound);
    }
    const list = await admin<{ apps: { appKey: string }[] }>("GET", "/apps");
    expect(list.body.data.apps.map((a) => a.appKey)).not.toContain("adm-delete");
  });

  it("deleting an unknown appKey is a 404", async () => {
    const answer = await admin("DELETE", "/apps/adm-delete-nobody");
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual(notFound);
  });

  it("deleting the only appKey of an appId makes the keeper forget the appId", async () => {
    const appId = "wxadmdelete002";
    await registerApp("adm-delete-only", appId);
    expect((await admin("DELETE", "/apps/adm-delete-only")).status).toBe(200);

    // The secret is gone with it: registering the appid again needs it.
    const again = await admin("PUT", "/apps/adm-delete-only", { appId });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ code: 400, data: null, error: expect.stringContaining("appSecret") });
  });

  it("deleting one of two appKeys of an appId leaves the other one and the token in place", async () => {
    const appId = "wxadmdelete003";
    const first = await registerApp("adm-delete-one", appId);
    const second = await registerApp("adm-delete-two", appId);
    const before = await getToken(second);
    expect(before.status).toBe(200);

    expect((await admin("DELETE", "/apps/adm-delete-one")).status).toBe(200);
    expect((await getToken(first)).status).toBe(401);

    const after = await getToken(second);
    expect(after.status).toBe(200);
    expect(after.body.data.access_token).toBe(before.body.data.access_token);
    expect(await upstreamTokenCalls(appId)).toBe(1);
    const status = await admin<{ appKeys: string[] }>("GET", "/apps/adm-delete-two/status");
    expect(status.body.data.appKeys).toEqual(["adm-delete-two"]);

    // The keeper still holds the secret: no appSecret needed.
    expect((await admin("PUT", "/apps/adm-delete-one", { appId })).status).toBe(201);
  });
});

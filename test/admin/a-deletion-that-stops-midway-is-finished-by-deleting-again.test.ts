import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { directory } from "../support/registry.ts";
import { SECRET } from "../support/simulator.ts";

// A deletion takes several steps (directory, KV, QR-Auth, keeper). One that stops midway (the
// request died, a step failed) leaves the appKey "being deleted": out of the list, refused to PUT
// and to new keys, and another DELETE finishes it.

type Page = { apps: { appKey: string }[]; total: number };

describe("a deletion that stops midway", () => {
  it("keeps the appKey out of the list and refuses PUT and new keys until DELETE is sent again", async () => {
    const app = await registerApp("adm-del-midway", "wxadmdelmidway01");
    const other = await registerApp("adm-del-midway-other", "wxadmdelmidway02");
    // The first steps of a DELETE: the directory marks the app, KV stops serving it.
    expect(await directory().beginDelete(app.appKey)).toMatchObject({ ok: true, keyIds: [app.keyId] });
    await env.REGISTRY.delete(`app:${app.appKey}`);

    const list = await admin<Page>("GET", "/apps");
    expect(list.body.data).toMatchObject({ apps: [{ appKey: other.appKey }], total: 1 });
    const put = await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId });
    expect(put.status).toBe(409);
    expect(put.body).toEqual({
      code: 409,
      data: null,
      error: `${app.appKey} is being deleted: repeat DELETE /admin/apps/${app.appKey} to finish it first`,
    });
    expect((await admin("POST", `/apps/${app.appKey}/keys`)).status).toBe(404);
    // The refused PUT left the appid's keeper as it was.
    const status = await admin<{ appKeys: string[] }>("GET", `/apps/${other.appKey}/status`);
    expect(status.body.data.appKeys).toEqual([other.appKey]);

    const finished = await admin("DELETE", `/apps/${app.appKey}`);
    expect(finished.status).toBe(200);
    expect(await env.REGISTRY.get(`apikey:${app.keyId}`)).toBeNull();
    expect((await getToken(app)).status).toBe(401);
    expect((await admin("DELETE", `/apps/${app.appKey}`)).status).toBe(404);

    const again = await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, appSecret: SECRET });
    expect(again.status).toBe(201);
    expect((await admin<Page>("GET", "/apps")).body.data.total).toBe(2);
  });
});

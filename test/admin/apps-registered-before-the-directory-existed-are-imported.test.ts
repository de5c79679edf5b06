import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetRememberedRegistry } from "../../src/registry/apps.ts";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { appRecord, directory } from "../support/registry.ts";

// A gateway upgraded from a version before the app directory has its apps in KV only: `app:{appKey}`
// records and `appkeys:{appKey}:{id}` key index entries, with no registration ids. The directory
// copies them in before it answers, so the list, the keys and deletion keep working.

type Page = { apps: { appKey: string }[]; cursor: string | null; total: number };

/** Makes storage look as the version before the directory left it. */
async function forgetTheDirectory(): Promise<void> {
  await runInDurableObject(directory(), (_instance, state) => {
    for (const table of ["apps", "api_keys", "meta"]) state.storage.sql.exec(`DELETE FROM ${table}`);
  });
}

async function asBeforeTheDirectory(appKey: string, keyIds: string[]): Promise<void> {
  const record = (await env.REGISTRY.get<Record<string, unknown>>(`app:${appKey}`, "json"))!;
  delete record.registration;
  await env.REGISTRY.put(`app:${appKey}`, JSON.stringify(record));
  for (const id of keyIds) {
    const key = (await env.REGISTRY.get<Record<string, unknown>>(`apikey:${id}`, "json"))!;
    delete key.registration;
    await env.REGISTRY.put(`apikey:${id}`, JSON.stringify(key));
    await env.REGISTRY.put(`appkeys:${appKey}:${id}`, "", { metadata: { createdAt: key.createdAt } });
  }
  // The new version starts in new isolates, remembering nothing of the old one's records.
  forgetRememberedRegistry();
}

describe("apps registered before the directory existed", () => {
  it("are listed, keep their keys working, and are deleted with their keys", async () => {
    const app = await registerApp("adm-import", "wxadmimport00001");
    const second = await admin<{ id: string; key: string }>("POST", `/apps/${app.appKey}/keys`);
    await forgetTheDirectory();
    await asBeforeTheDirectory(app.appKey, [app.keyId, second.body.data.id]);

    const list = await admin<Page>("GET", "/apps");
    expect(list.status).toBe(200);
    expect(list.body.data).toMatchObject({ apps: [{ appKey: app.appKey }], total: 1 });
    const detail = await admin<{ keys: { id: string }[] }>("GET", `/apps/${app.appKey}`);
    expect(detail.body.data.keys.map((key) => key.id).sort()).toEqual(
      [app.keyId, second.body.data.id].sort(),
    );
    // The old KV index is gone: the directory holds the key ids now.
    expect((await env.REGISTRY.list({ prefix: "appkeys:" })).keys).toEqual([]);
    expect((await getToken(app)).status).toBe(200);
    // An update keeps the app's (absent) registration id, so its old keys keep working.
    expect(
      (await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, profile: { name: "Shop" } })).status,
    ).toBe(200);
    expect((await getToken({ ...app, apiKey: second.body.data.key })).status).toBe(200);

    expect((await admin("DELETE", `/apps/${app.appKey}`)).status).toBe(200);
    expect(await env.REGISTRY.get(`apikey:${app.keyId}`)).toBeNull();
    expect(await env.REGISTRY.get(`apikey:${second.body.data.id}`)).toBeNull();
    expect((await getToken(app)).status).toBe(401);
  });

  it("too many to copy in one request: the admin API answers 503 with Retry-After until the copy is done", async () => {
    await forgetTheDirectory();
    const appKeys = Array.from({ length: 400 }, (_, i) => `adm-import-${String(i).padStart(3, "0")}`);
    for (const appKey of appKeys) {
      await env.REGISTRY.put(`app:${appKey}`, JSON.stringify(appRecord(appKey, "wxadmimport00002")));
      await env.REGISTRY.put(`appkeys:${appKey}:${"0".repeat(13)}${appKey.slice(-3)}`, "");
    }

    const first = await admin("GET", "/apps");
    expect(first.status).toBe(503);
    expect(first.headers.get("Retry-After")).toBe("5");
    let answer = first;
    for (let tries = 0; answer.status === 503 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await admin("GET", "/apps?limit=1000");
    }
    expect(answer.status).toBe(200);
    const page = answer.body.data as Page;
    expect(page.total).toBe((await env.REGISTRY.list({ prefix: "app:" })).keys.length);
    expect(page.apps.map((app) => app.appKey).filter((appKey) => appKeys.includes(appKey))).toEqual(appKeys);
    expect((await env.REGISTRY.list({ prefix: "appkeys:" })).keys).toEqual([]);
  });
});

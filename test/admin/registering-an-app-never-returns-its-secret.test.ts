import { describe, expect, it } from "vitest";
import { admin, getToken } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// SPEC §4: PUT /admin/apps/{appKey} registers (201) or updates (200) an app; the secret is never
// returned. Its own distinctive secret makes any leak easy to spot in the JSON text.
const SECRET = "adm-secret-never-shown-7f3a9c";
const APP_KEY = "adm-secret";
const APP_ID = "wxadmsecret0001";

describe("registering an app", () => {
  it("answers 201 on create, 200 on update, and never shows the secret", async () => {
    await sim.registerApp(APP_ID, { secret: SECRET });

    const created = await admin("PUT", `/apps/${APP_KEY}`, {
      appId: APP_ID,
      appSecret: SECRET,
      type: "officialaccount",
      tokenMode: "classic",
      profile: { name: "Shop" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      code: 200,
      error: "",
      data: {
        appKey: APP_KEY,
        appId: APP_ID,
        type: "officialaccount",
        tokenMode: "classic",
        profile: { name: "Shop" },
      },
    });
    expect(JSON.stringify(created.body)).not.toContain(SECRET);

    const updated = await admin("PUT", `/apps/${APP_KEY}`, {
      appId: APP_ID,
      appSecret: SECRET,
      type: "officialaccount",
      tokenMode: "classic",
      profile: { name: "Shop 2" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      code: 200,
      error: "",
      data: { appKey: APP_KEY, profile: { name: "Shop 2" } },
    });
    expect(JSON.stringify(updated.body)).not.toContain(SECRET);

    const one = await admin("GET", `/apps/${APP_KEY}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ code: 200, error: "", data: { appKey: APP_KEY, appId: APP_ID } });
    expect(JSON.stringify(one.body)).not.toContain(SECRET);

    const all = await admin<{ apps: { appKey: string }[] }>("GET", "/apps");
    expect(all.status).toBe(200);
    expect(all.body.data.apps.map((a) => a.appKey)).toEqual([APP_KEY]);
    expect(JSON.stringify(all.body)).not.toContain(SECRET);
  });

  it("keeps the secret where tokens are fetched, and out of the status too", async () => {
    await sim.registerApp("wxadmsecret0002", { secret: SECRET });
    const put = await admin("PUT", "/apps/adm-secret-2", { appId: "wxadmsecret0002", appSecret: SECRET });
    expect(put.status).toBe(201);
    const key = await admin<{ id: string; key: string }>("POST", "/apps/adm-secret-2/keys");
    const app = {
      appKey: "adm-secret-2",
      appId: "wxadmsecret0002",
      apiKey: key.body.data.key,
      keyId: key.body.data.id,
    };

    const token = await getToken(app);
    expect(token.status).toBe(200);
    expect(token.body.data.access_token).toMatch(/\S/);

    const status = await admin("GET", "/apps/adm-secret-2/status");
    expect(status.status).toBe(200);
    expect(JSON.stringify(status.body)).not.toContain(SECRET);
  });
});

import { describe, expect, it } from "vitest";
import { admin, getToken, upstreamTokenCalls } from "../support/gateway.ts";
import { SECRET, sim, useToken } from "../support/simulator.ts";

// SPEC §4: the secret is required the first time an appId is registered; an update without
// `appSecret` keeps the stored one.

describe("appSecret on registration", () => {
  it("a first registration without appSecret is a 400 naming appSecret, and stores nothing", async () => {
    await sim.registerApp("wxadmnosecret01");
    const answer = await admin("PUT", "/apps/adm-nosecret", { appId: "wxadmnosecret01" });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 400, data: null, error: expect.stringContaining("appSecret") });

    expect((await admin("GET", "/apps/adm-nosecret")).status).toBe(404);
  });

  it("an update without appSecret keeps the stored secret, so tokens still work", async () => {
    const appId = "wxadmkeepsecret";
    await sim.registerApp(appId);
    const created = await admin("PUT", "/apps/adm-keepsecret", { appId, appSecret: SECRET });
    expect(created.status).toBe(201);

    const updated = await admin("PUT", "/apps/adm-keepsecret", { appId, profile: { name: "renamed" } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ code: 200, error: "", data: { profile: { name: "renamed" } } });

    // No token was fetched before the update: the first one needs the stored secret.
    const key = await admin<{ id: string; key: string }>("POST", "/apps/adm-keepsecret/keys");
    const token = await getToken({
      appKey: "adm-keepsecret",
      appId,
      apiKey: key.body.data.key,
      keyId: key.body.data.id,
    });
    expect(token.status).toBe(200);
    expect((await useToken(token.body.data.access_token)).errcode ?? 0).toBe(0);
    expect(await upstreamTokenCalls(appId)).toBe(1);
  });
});

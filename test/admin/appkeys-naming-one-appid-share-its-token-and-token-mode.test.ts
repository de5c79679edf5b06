import { describe, expect, it } from "vitest";
import { admin, getToken, type RegisteredApp, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// SPEC §4: several appKeys may name the same appId; they share that appid's one token, its secret
// and its token mode, which the latest registration sets for all of them.

async function addAppKey(appKey: string, appId: string, extra: object = {}): Promise<RegisteredApp> {
  // No appSecret: the appid's keeper already holds it.
  const put = await admin("PUT", `/apps/${appKey}`, { appId, ...extra });
  expect(put.status).toBe(201);
  const key = await admin<{ id: string; key: string }>("POST", `/apps/${appKey}/keys`);
  return { appKey, appId, apiKey: key.body.data.key, keyId: key.body.data.id };
}

type Status = { tokenMode: string; appKeys: string[] };

describe("appKeys sharing an appId", () => {
  it("get the same access_token with one upstream call", async () => {
    const first = await registerApp("adm-share-a", "wxadmshare0001");
    const second = await addAppKey("adm-share-b", "wxadmshare0001");

    const a = await getToken(first);
    const b = await getToken(second);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.data.access_token).toBe(a.body.data.access_token);
    expect(await upstreamTokenCalls("wxadmshare0001")).toBe(1);

    const status = await admin<Status>("GET", "/apps/adm-share-a/status");
    expect(status.body.data.appKeys.sort()).toEqual(["adm-share-a", "adm-share-b"]);
  });

  it("re-registering one of them with tokenMode classic switches the mode for both", async () => {
    const appId = "wxadmshare0002";
    const first = await registerApp("adm-mode-a", appId, { tokenMode: "stable" });
    await addAppKey("adm-mode-b", appId, { tokenMode: "stable" });
    expect((await getToken(first)).status).toBe(200);
    expect((await sim.state(appId)).calls.stableNormal).toBe(1);

    const switched = await admin("PUT", "/apps/adm-mode-b", { appId, tokenMode: "classic" });
    expect(switched.status).toBe(200);

    for (const appKey of ["adm-mode-a", "adm-mode-b"]) {
      const status = await admin<Status>("GET", `/apps/${appKey}/status`);
      expect(status.status).toBe(200);
      expect(status.body.data.tokenMode, appKey).toBe("classic");
      const record = await admin<{ tokenMode: string }>("GET", `/apps/${appKey}`);
      expect(record.body.data.tokenMode, appKey).toBe("classic");
    }

    const list = await admin<{ apps: { appKey: string; tokenMode: string }[] }>(
      "GET",
      "/apps?prefix=adm-mode-",
    );
    expect(list.body.data.apps.map((a) => a.tokenMode)).toEqual(["classic", "classic"]);

    // The keeper really switched: a refresh asked through the *other* appKey uses /cgi-bin/token.
    const refresh = await admin("POST", "/apps/adm-mode-a/token/refresh");
    expect(refresh.status).toBe(200);
    const calls = (await sim.state(appId)).calls;
    expect(calls.token).toBe(1);
    expect(calls.stableForce).toBe(0);
  });
});

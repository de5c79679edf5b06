import { describe, expect, it } from "vitest";
import { admin, getToken } from "../support/gateway.ts";
import { SECRET, sim } from "../support/simulator.ts";

// SPEC §4: `tokenMode` defaults to `stable` (/cgi-bin/stable_token).

describe("token mode default", () => {
  it("an app registered without tokenMode uses stable_token", async () => {
    const appId = "wxadmdefmode001";
    await sim.registerApp(appId);
    const put = await admin("PUT", "/apps/adm-defmode", { appId, appSecret: SECRET });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ data: { tokenMode: "stable", type: "miniprogram" } });

    const key = await admin<{ id: string; key: string }>("POST", "/apps/adm-defmode/keys");
    const token = await getToken({
      appKey: "adm-defmode",
      appId,
      apiKey: key.body.data.key,
      keyId: key.body.data.id,
    });
    expect(token.status).toBe(200);

    const calls = (await sim.state(appId)).calls;
    expect(calls.stableNormal).toBe(1);
    expect(calls.token).toBe(0);

    const status = await admin("GET", "/apps/adm-defmode/status");
    expect(status.body).toMatchObject({ data: { tokenMode: "stable" } });
  });
});

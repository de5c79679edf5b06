import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { SECRET, sim } from "../support/simulator.ts";

// SPEC §4: PUT /admin/apps/{appKey} also updates which appId an appKey names. Its API keys keep
// working and now get the new appid's token; the old appid's keeper forgets it when no appKey is
// left naming it.

describe("re-registering an appKey with another appId", () => {
  it("serves the new appid's token and releases the old appid", async () => {
    const app = await registerApp("adm-move", "wxadmmovefrom01");
    const before = await getToken(app);
    expect(before.status).toBe(200);

    await sim.registerApp("wxadmmoveto0001");
    const moved = await admin("PUT", "/apps/adm-move", { appId: "wxadmmoveto0001", appSecret: SECRET });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ data: { appKey: "adm-move", appId: "wxadmmoveto0001" } });

    const after = await getToken(app);
    expect(after.status).toBe(200);
    expect(after.body.data.access_token).not.toBe(before.body.data.access_token);
    expect((await sim.state("wxadmmoveto0001")).calls.stableNormal).toBe(1);

    const status = await admin<{ appId: string; appKeys: string[] }>("GET", "/apps/adm-move/status");
    expect(status.body.data).toMatchObject({ appId: "wxadmmoveto0001", appKeys: ["adm-move"] });

    // Nobody names the old appid any more: registering it again needs its secret.
    const old = await admin("PUT", "/apps/adm-move-back", { appId: "wxadmmovefrom01" });
    expect(old.status).toBe(400);
    expect(old.body).toEqual({ code: 400, data: null, error: expect.stringContaining("appSecret") });
  });
});

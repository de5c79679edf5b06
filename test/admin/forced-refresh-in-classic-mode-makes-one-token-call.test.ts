import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { sim, useToken } from "../support/simulator.ts";

// SPEC §4: a forced refresh in classic mode is one /cgi-bin/token call.

describe("forced refresh, classic mode", () => {
  it("makes exactly one /cgi-bin/token call and serves the new token", async () => {
    const app = await registerApp("adm-force-classic", "wxadmforceclas1", { tokenMode: "classic" });
    const before = await getToken(app);
    expect(before.status).toBe(200);
    expect((await sim.state(app.appId)).calls.token).toBe(1);

    const forced = await admin<{ refreshed: boolean }>("POST", "/apps/adm-force-classic/token/refresh");
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ code: 200, error: "", data: { refreshed: true } });

    const calls = (await sim.state(app.appId)).calls;
    expect(calls.token).toBe(2);
    expect(calls.stableNormal + calls.stableForce).toBe(0);

    const after = await getToken(app);
    expect(after.body.data.access_token).not.toBe(before.body.data.access_token);
    expect((await useToken(after.body.data.access_token)).errcode ?? 0).toBe(0);
  });
});

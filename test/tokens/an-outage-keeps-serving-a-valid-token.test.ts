import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken, alarmOf, endBackoff, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

describe("WeChat outages", () => {
  it("while WeChat is down a still-valid token keeps being served", async () => {
    const app = await registerApp("outage-valid", "wxoutagevalid01");
    const token = (await getToken(app)).body.data.access_token;
    await ageAccessToken(app.appId, { secondsLeft: 200 });
    await sim.startOutage(app.appId, { kind: "http500" });

    await runDurableObjectAlarm(keeper(app.appId));
    const during = await getToken(app);

    expect(during.status).toBe(200);
    expect(during.body.data.access_token).toBe(token);
    const status = await admin<{ access_token: { last_error: { errmsg: string } | null } }>(
      "GET",
      `/apps/${app.appKey}/status`,
    );
    expect(status.body.data.access_token.last_error?.errmsg).toMatch(/HTTP 500/);
    // The failed refresh is retried by the alarm later, not in a loop now.
    expect((await alarmOf(app.appId))! - Date.now()).toBeGreaterThan(20_000);
    await sim.endOutage(app.appId);
  });

  it("with no valid token an outage is a 503 with WeChat's errcode, then recovers by itself", async () => {
    const app = await registerApp("outage-none", "wxoutagenone001");
    await sim.startOutage(app.appId, { kind: "busy" });

    const down = await getToken(app);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 503, data: null, errcode: -1 });
    expect(Number(down.headers.get("Retry-After"))).toBeGreaterThan(0);

    // During the backoff further reads answer at once, without hammering WeChat.
    const calls = await upstreamTokenCalls(app.appId);
    expect((await getToken(app)).status).toBe(503);
    expect(await upstreamTokenCalls(app.appId)).toBe(calls);
    expect(await alarmOf(app.appId)).not.toBeNull();

    await sim.endOutage(app.appId);
    await endBackoff(app.appId);
    await runDurableObjectAlarm(keeper(app.appId));

    const back = await getToken(app);
    expect(back.status).toBe(200);
    expect(await upstreamTokenCalls(app.appId)).toBe(calls + 1);
  });
});

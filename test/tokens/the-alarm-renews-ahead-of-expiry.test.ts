import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken, alarmOf, keeper } from "../support/keeper.ts";
import { errcodeWith, sim, useToken } from "../support/simulator.ts";

describe("proactive refresh", () => {
  it("the keeper's alarm is armed REFRESH_AHEAD_SECONDS before the token expires", async () => {
    const app = await registerApp("alarm-armed", "wxalarmarmed001");
    await getToken(app);
    const status = await keeper(app.appId).status();
    if (!status.configured) throw new Error("not configured");
    const alarm = await alarmOf(app.appId);
    expect(alarm).toBe(status.accessToken.expiresAt! - 270_000);
  });

  it("stable mode: inside WeChat's last 5 minutes the alarm fetches the new token", async () => {
    const app = await registerApp("alarm-stable", "wxalarmstable01");
    const old = (await getToken(app)).body.data.access_token;
    // 250 s of life left, on both sides.
    await sim.advance(app.appId, 7200 - 250);
    await ageAccessToken(app.appId, { secondsLeft: 250 });

    expect(await runDurableObjectAlarm(keeper(app.appId))).toBe(true);

    const renewed = await getToken(app);
    expect(renewed.body.data.access_token).not.toBe(old);
    expect(renewed.body.data.expires_in).toBeGreaterThan(7000);
    expect(await errcodeWith(renewed.body.data.access_token)).toBe(0);
    expect(await errcodeWith(old)).toBe(0); // WeChat's 5-minute grace
    const state = await sim.state(app.appId);
    expect(state.calls.stableNormal).toBe(2);
    expect(state.calls.stableForce).toBe(0);
    const status = await admin<{ access_token: { refresh_count: number } }>(
      "GET",
      `/apps/${app.appKey}/status`,
    );
    expect(status.body.data.access_token.refresh_count).toBe(2);
  });

  it("stable mode: an early call that gets the same token re-arms inside the window and does not loop", async () => {
    const app = await registerApp("alarm-early", "wxalarmearly001");
    const token = (await getToken(app)).body.data.access_token;
    // The keeper thinks renewal is due with 600 s left (as with REFRESH_AHEAD_SECONDS=600), but
    // WeChat only renews in the last 300 s, so it hands back the same token.
    await sim.advance(app.appId, 7200 - 600);
    await ageAccessToken(app.appId, { secondsLeft: 600 });

    await runDurableObjectAlarm(keeper(app.appId));

    expect((await getToken(app)).body.data.access_token).toBe(token);
    const alarm = await alarmOf(app.appId);
    const status = await keeper(app.appId).status();
    if (!status.configured) throw new Error("not configured");
    // Next try just inside WeChat's window (270 s before expiry), not immediately.
    expect(alarm).toBe(status.accessToken.expiresAt! - 270_000);
    expect(alarm! - Date.now()).toBeGreaterThan(250_000);

    const callsAfterFirst = await upstreamTokenCalls(app.appId);
    await runDurableObjectAlarm(keeper(app.appId)); // run early: nothing is due, nothing is called
    expect(await upstreamTokenCalls(app.appId)).toBe(callsAfterFirst);
  });

  it("callers keep getting the old token while the alarm's refresh is in flight", async () => {
    const app = await registerApp("alarm-inflight", "wxalarminflight", { tokenMode: "classic" });
    const old = (await getToken(app)).body.data.access_token;
    await ageAccessToken(app.appId, { secondsLeft: 200 });
    await sim.queueFault(app.appId, { kind: "slow", delayMs: 800, paths: ["/cgi-bin/token"] });

    const alarm = runDurableObjectAlarm(keeper(app.appId));
    const during = await Promise.all(Array.from({ length: 20 }, () => getToken(app)));
    await alarm;

    expect(during.every((a) => a.body.data.access_token === old)).toBe(true);
    const renewed = await keeper(app.appId).getAccessToken();
    expect(renewed.ok && renewed.credential.value).not.toBe(old);
    // An isolate may hand out the old token for a few more seconds (its memory): still valid at
    // WeChat, whose grace for a replaced token is 5 minutes.
    expect((await useToken(old)).errcode ?? 0).toBe(0);
    expect(await upstreamTokenCalls(app.appId)).toBe(2);
  });
});

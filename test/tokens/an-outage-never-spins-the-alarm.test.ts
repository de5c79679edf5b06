import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MIN_ALARM_INTERVAL_SECONDS } from "../../src/tokens/policy.ts";
import { registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken, alarmOf, keeper, quietness, ticketDueNow } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

// SPEC §5, quiet while failing: during an outage no keeper wakes more often than its backoff says.
// The case that used to spin: the jsapi_ticket is due while no access_token can be had, so the
// ticket's refresh gave up without moving its own time, and the alarm was set for "now" again.

const TOKEN_PATHS = ["/cgi-bin/token", "/cgi-bin/stable_token"];
/** Real time the test watches for a spinning alarm (miniflare fires a "now" alarm at once). */
const WATCH_MS = 2_000;

describe("quiet while failing", () => {
  it("a due ticket with no token to fetch it with waits instead of re-arming for now", async () => {
    const app = await registerApp("quiet-ticket", "wxquietticket01", { type: "officialaccount" });
    const warm = await keeper(app.appId).getJsapiTicket();
    expect(warm.ok).toBe(true);
    await sim.startOutage(app.appId, { kind: "http500", paths: TOKEN_PATHS });
    await ageAccessToken(app.appId, { secondsLeft: 5 });
    await ticketDueNow(app.appId);
    const before = await quietness(app.appId);

    const passStartedAt = Date.now();
    await runDurableObjectAlarm(keeper(app.appId));
    const callsAfterPass = await upstreamTokenCalls(app.appId);
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));

    const after = await quietness(app.appId);
    expect(after.alarmsToday - before.alarmsToday).toBe(1);
    expect(after.scheduleWritesToday - before.scheduleWritesToday).toBeLessThanOrEqual(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(callsAfterPass);
    const alarm = await alarmOf(app.appId);
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeGreaterThanOrEqual(passStartedAt + MIN_ALARM_INTERVAL_SECONDS * 1000);
    const status = await keeper(app.appId).status();
    if (!status.configured) throw new Error("not configured");
    // The ticket's next try follows the token's backoff, not the clock.
    expect(status.jsapiTicket.nextRefreshAt!).toBeGreaterThanOrEqual(status.accessToken.nextRefreshAt!);
    await sim.endOutage(app.appId);
  }, 30_000);

  it("a long outage wakes the keeper once per backoff step, with one schedule write each", async () => {
    const app = await registerApp("quiet-outage", "wxquietoutage01", { type: "officialaccount" });
    expect((await keeper(app.appId).getJsapiTicket()).ok).toBe(true);
    await sim.startOutage(app.appId, { kind: "http500", paths: TOKEN_PATHS });
    await ageAccessToken(app.appId, { secondsLeft: 5 });
    await ticketDueNow(app.appId);
    const before = await quietness(app.appId);

    // Each pass is the alarm firing when it was set for; between passes nothing else wakes it.
    const PASSES = 5;
    let previous = 0;
    for (let pass = 0; pass < PASSES; pass++) {
      await runDurableObjectAlarm(keeper(app.appId));
      const next = await alarmOf(app.appId);
      expect(next).not.toBeNull();
      expect(next!).toBeGreaterThan(Date.now() + (MIN_ALARM_INTERVAL_SECONDS - 1) * 1000);
      expect(next!).toBeGreaterThanOrEqual(previous);
      previous = next!;
    }

    const after = await quietness(app.appId);
    expect(after.alarmsToday - before.alarmsToday).toBe(PASSES);
    expect(after.scheduleWritesToday - before.scheduleWritesToday).toBeLessThanOrEqual(PASSES);
    await sim.endOutage(app.appId);
  }, 60_000);
});

// Issue 16 part 7, SPEC §11 "Scale": 10,000 authorizers of one platform are served without bunching.
//
// - Refreshes are spread: an authorizer renews at its own point of a window before expiry (a hash of
//   its appid), so a bunch of tokens issued in the same minute never comes due in one minute, and
//   keeps dispersing until every minute holds about its share. Shown on the refresh policy's own
//   functions over 10,000 appids and two simulated days, and on real keepers' stored due times.
// - The platform's keeper is no hot spot: real authorizer keepers, all refreshing at once, read the
//   component token from it by RPC (one read per refresh) and WeChat sees no api_component_token.
// - The cron's work stays bounded: 10,000 schedule rows spread evenly over the shards, and a tick
//   reads the overdue rows only (one index range scan per shard), however many are healthy.
//
// The figures are printed (one JSON line per test; `npx vitest run --silent=false <this file>`)
// for the README.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CRON_MAX_KEEPERS_PER_TICK, runCronTick } from "../../src/tokens/cron.ts";
import { TokenKeeper } from "../../src/tokens/keeper.ts";
import {
  AUTHORIZER_REFRESH_SPREAD_SECONDS,
  dueAfterIssue,
  refreshSpreadSeconds,
} from "../../src/tokens/policy.ts";
import { allScheduleShards, SCHEDULE_SHARDS, scheduleShardName } from "../../src/tokens/schedule.ts";
import { authorizeThroughPush, pushTicket, registerPlatform } from "../support/component.ts";
import { ageAccessToken, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

const AUTHORIZERS = 10_000;
/** Real authorizer keepers in workerd: enough to measure, few enough for a test of ~20 s. */
const REAL_AUTHORIZERS = 1_000;
/** Authorizations and refreshes run this many at a time. */
const BATCH = 50;
const TOKEN_SECONDS = 7_200;
/** The deployment's default REFRESH_AHEAD_SECONDS (src/platform/settings.ts). */
const REFRESH_AHEAD_SECONDS = 270;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const SIMULATED_MS = 2 * DAY_MS;

const appIdOf = (i: number) => `wxscaleauth${String(i).padStart(7, "0")}`;

/** Refresh times per minute (minute index → count) over the simulated days. */
function refreshMinutes(appIds: string[], spreadWindowSeconds: number): Map<number, number> {
  const perMinute = new Map<number, number>();
  for (const [i, appId] of appIds.entries()) {
    // Every token issued within the same minute: the worst bunch (a bulk of authorizations, or
    // every refresh succeeding together once the platform's own token is back after an outage).
    let issuedAt = (i % 60) * 1000;
    const spread = refreshSpreadSeconds(appId, spreadWindowSeconds);
    for (;;) {
      issuedAt = Math.max(
        dueAfterIssue(issuedAt + TOKEN_SECONDS * 1000, REFRESH_AHEAD_SECONDS, spread),
        issuedAt,
      );
      if (issuedAt >= SIMULATED_MS) break;
      const minute = Math.floor(issuedAt / MINUTE_MS);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
  }
  return perMinute;
}

/** The busiest minute and the mean per minute over [fromMs, toMs). */
function busiest(perMinute: Map<number, number>, fromMs: number, toMs: number) {
  let max = 0;
  let total = 0;
  for (let minute = fromMs / MINUTE_MS; minute < toMs / MINUTE_MS; minute++) {
    const count = perMinute.get(minute) ?? 0;
    max = Math.max(max, count);
    total += count;
  }
  return { max, mean: total / ((toMs - fromMs) / MINUTE_MS), total };
}

function report(figures: Record<string, unknown>) {
  console.log(JSON.stringify({ scale: figures }));
}

describe("ten thousand authorizers of one platform", () => {
  it("refresh spread out: a bunch issued in one minute comes due over the spread window, then every minute holds about its share", () => {
    const appIds = Array.from({ length: AUTHORIZERS }, (_, i) => appIdOf(i));

    // Without the spread, the bunch stays one minute, every 1 h 55.5 min, forever.
    const unspread = busiest(refreshMinutes(appIds, 0), 0, SIMULATED_MS);
    expect(unspread.max).toBe(AUTHORIZERS);

    const perMinute = refreshMinutes(appIds, AUTHORIZER_REFRESH_SPREAD_SECONDS);
    // The first renewals: between 270 s and 270 s + the window before the first tokens expire.
    const firstRound = busiest(perMinute, 0, 2 * HOUR_MS);
    expect(firstRound.total).toBe(AUTHORIZERS);
    const windowMinutes = AUTHORIZER_REFRESH_SPREAD_SECONDS / 60;
    const firstRoundShare = AUTHORIZERS / windowMinutes;
    expect(firstRound.max).toBeLessThanOrEqual(1.25 * firstRoundShare);
    // Each appid's period differs by its offset, so the bunch keeps dispersing: on the second
    // day the busiest minute is within noise of the mean (the share every minute would hold).
    const secondDay = busiest(perMinute, DAY_MS, 2 * DAY_MS);
    expect(secondDay.max).toBeLessThanOrEqual(1.6 * secondDay.mean);
    // What the spread costs: calls per authorizer and day (12.5 without it).
    const callsPerDay = secondDay.total / AUTHORIZERS;
    expect(callsPerDay).toBeLessThan(14);
    report({
      authorizers: AUTHORIZERS,
      unspreadBusiestMinute: unspread.max,
      spreadWindowSeconds: AUTHORIZER_REFRESH_SPREAD_SECONDS,
      firstRoundBusiestMinute: firstRound.max,
      firstRoundShare: Math.round(firstRoundShare),
      secondDayBusiestMinute: secondDay.max,
      secondDayMeanPerMinute: Math.round(secondDay.mean * 10) / 10,
      callsPerAuthorizerPerDay: Math.round(callsPerDay * 100) / 100,
    });
  });

  it("spread over the schedule shards evenly, and a cron tick reads only the overdue rows", async () => {
    const now = Date.now();
    const byShard = new Map<string, { appId: string; checkBy: number }[]>();
    for (let i = 0; i < AUTHORIZERS; i++) {
      const appId = appIdOf(i);
      // Healthy keepers: check-by times over the next two hours.
      const checkBy = now + MINUTE_MS + ((i * 7_919) % (2 * HOUR_MS));
      const shard = scheduleShardName(appId);
      byShard.set(shard, [...(byShard.get(shard) ?? []), { appId, checkBy }]);
    }
    const sizes = [...byShard.values()].map((rows) => rows.length);
    expect(byShard.size).toBe(SCHEDULE_SHARDS);
    const even = AUTHORIZERS / SCHEDULE_SHARDS;
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1.1 * even);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(0.9 * even);

    // 40 keepers lost their alarm (more than one tick takes).
    const lost = new Set(Array.from({ length: 40 }, (_, i) => appIdOf(i * 250)));
    for (const [shard, rows] of byShard) {
      await runInDurableObject(env.REFRESH_SCHEDULE.getByName(shard), (_instance, state) => {
        for (const row of rows) {
          state.storage.sql.exec(
            "INSERT INTO due (app_id, check_by) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET check_by = excluded.check_by",
            row.appId,
            lost.has(row.appId) ? now - MINUTE_MS : row.checkBy,
          );
        }
      });
    }
    const rows = await Promise.all(allScheduleShards(env).map((shard) => shard.size()));
    expect(rows.reduce((a, b) => a + b, 0)).toBe(AUTHORIZERS);

    // The appids are not registered here, so each checkIn drops its row: what the tick reads and
    // how many keepers it calls is what this measures.
    const first = await runCronTick(env, now);
    expect(first.shardsRead).toBe(SCHEDULE_SHARDS);
    expect(first.overdue).toBe(CRON_MAX_KEEPERS_PER_TICK);
    // Each shard reads at most its overdue rows (up to the cap) and one row that ends the range.
    expect(first.rowsRead).toBeLessThanOrEqual(lost.size + SCHEDULE_SHARDS);
    const second = await runCronTick(env, now);
    expect(second.overdue).toBe(lost.size - CRON_MAX_KEEPERS_PER_TICK);
    const idle = await runCronTick(env, now);
    expect(idle.overdue).toBe(0);
    expect(idle.rowsRead).toBeLessThanOrEqual(SCHEDULE_SHARDS);
    report({
      scheduleRows: AUTHORIZERS,
      rowsPerShard: { min: Math.min(...sizes), max: Math.max(...sizes) },
      tickWithOverdue: { overdue: first.overdue, rowsRead: first.rowsRead, keeperCalls: first.overdue },
      idleTick: { rowsRead: idle.rowsRead, keeperCalls: 0 },
    });
  });

  it(`refresh with the platform's token read by RPC: ${REAL_AUTHORIZERS} real keepers refreshing at once cost WeChat no api_component_token call`, async () => {
    const platform = await registerPlatform("scale-platform", "wxcompscale00001");
    await pushTicket(platform);
    const appIds = Array.from(
      { length: REAL_AUTHORIZERS },
      (_, i) => `wxscalereal${String(i).padStart(6, "0")}`,
    );
    const started = Date.now();
    for (let i = 0; i < appIds.length; i += BATCH) {
      await Promise.all(appIds.slice(i, i + BATCH).map((appId) => authorizeThroughPush(platform, appId)));
    }
    const authorizedMs = Date.now() - started;

    // Authorized within seconds of each other, their first renewals are spread over the window.
    const statuses = await Promise.all(appIds.map((appId) => keeper(appId).status()));
    const dueMinutes = new Map<number, number>();
    for (const status of statuses) {
      if (!status.configured) throw new Error("an authorizer keeper is not configured");
      const dueAt = status.accessToken.nextRefreshAt!;
      const ahead = (status.accessToken.expiresAt! - dueAt) / 1000;
      expect(ahead).toBeGreaterThanOrEqual(REFRESH_AHEAD_SECONDS);
      expect(ahead).toBeLessThan(REFRESH_AHEAD_SECONDS + AUTHORIZER_REFRESH_SPREAD_SECONDS);
      const minute = Math.floor(dueAt / MINUTE_MS);
      dueMinutes.set(minute, (dueMinutes.get(minute) ?? 0) + 1);
    }
    const dueShare = REAL_AUTHORIZERS / (AUTHORIZER_REFRESH_SPREAD_SECONDS / 60);
    const busiestDueMinute = Math.max(...dueMinutes.values());
    expect(busiestDueMinute).toBeLessThanOrEqual(2.5 * dueShare);

    // Count the platform keeper's token reads: every keeper runs this class in this isolate.
    let componentReads = 0;
    const getAccessToken = TokenKeeper.prototype.getAccessToken;
    TokenKeeper.prototype.getAccessToken = function (this: TokenKeeper) {
      const { ctx } = this as unknown as { ctx: DurableObjectState };
      if (ctx.id.name === platform.componentAppId) componentReads++;
      return getAccessToken.call(this);
    };
    const before = await sim.component(platform.componentAppId);
    let refreshMs = 0;
    try {
      // Every authorizer due now; each alarm renews through api_authorizer_token.
      for (let i = 0; i < appIds.length; i += BATCH) {
        await Promise.all(
          appIds.slice(i, i + BATCH).map((appId) => ageAccessToken(appId, { secondsLeft: 600 })),
        );
      }
      const refreshStarted = Date.now();
      for (let i = 0; i < appIds.length; i += BATCH) {
        const ran = await Promise.all(
          appIds.slice(i, i + BATCH).map((appId) => runDurableObjectAlarm(keeper(appId))),
        );
        expect(ran.every(Boolean)).toBe(true);
      }
      refreshMs = Date.now() - refreshStarted;
    } finally {
      TokenKeeper.prototype.getAccessToken = getAccessToken;
    }
    const after = await sim.component(platform.componentAppId);
    const authorizerTokenCalls = after.calls.authorizerToken - before.calls.authorizerToken;
    const componentTokenCalls = after.calls.componentToken - before.calls.componentToken;
    expect(authorizerTokenCalls).toBe(REAL_AUTHORIZERS);
    expect(componentTokenCalls).toBe(0);
    expect(componentReads).toBe(REAL_AUTHORIZERS);
    for (const appId of appIds.slice(0, 20)) {
      const status = await keeper(appId).status();
      expect(status.configured && status.accessToken.refreshCount).toBe(2);
    }

    // The healthy keepers' schedule rows are all in the future: a tick reads next to nothing.
    const tick = await runCronTick(env, Date.now());
    expect(tick.overdue).toBe(0);
    expect(tick.rowsRead).toBeLessThanOrEqual(SCHEDULE_SHARDS);
    report({
      realAuthorizers: REAL_AUTHORIZERS,
      authorizedInMs: authorizedMs,
      busiestDueMinute,
      dueShare: Math.round(dueShare * 10) / 10,
      authorizerTokenCalls,
      componentTokenCalls,
      componentKeeperReads: componentReads,
      refreshesInMs: refreshMs,
      componentReadsPerSecond: Math.round((componentReads / refreshMs) * 1000),
      componentTokensIssuedInAll: after.tokensIssued,
    });
  }, 90_000);
});

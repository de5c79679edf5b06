import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index.ts";
import { CRON_MAX_KEEPERS_PER_TICK, runCronTick } from "../../src/tokens/cron.ts";
import { allScheduleShards, SCHEDULE_SHARDS, scheduleFor } from "../../src/tokens/schedule.ts";
import { alarmOf, keeper } from "../support/keeper.ts";
import { SECRET, sim } from "../support/simulator.ts";

const APPS = 300;
const appIdOf = (i: number) => `wxcronfleet${String(i).padStart(4, "0")}`;

async function fleet(count: number): Promise<string[]> {
  const appIds = Array.from({ length: count }, (_, i) => appIdOf(i));
  for (let i = 0; i < appIds.length; i += 50) {
    await Promise.all(
      appIds.slice(i, i + 50).map(async (appId) => {
        await sim.registerApp(appId);
        await keeper(appId).configure({
          appKey: `cron-${appId}`,
          appId,
          appSecret: SECRET,
          tokenMode: "classic",
          appType: "miniprogram",
        });
        const token = await keeper(appId).getAccessToken();
        if (!token.ok) throw new Error(`no token for ${appId}`);
      }),
    );
  }
  return appIds;
}

/** The keeper lost its alarm while its token came due, and its schedule row is past its check-by time. */
async function loseAlarm(appId: string) {
  const past = Date.now() - 60_000;
  await runInDurableObject(keeper(appId), async (_instance, state) => {
    await state.storage.deleteAlarm();
  });
  await scheduleFor(env, appId).record(appId, past);
}

describe("cron backstop", () => {
  it(`with ${APPS} apps, a tick touches only the keepers whose alarm went missing`, async () => {
    const appIds = await fleet(APPS);
    const rows = await Promise.all(allScheduleShards(env).map((s) => s.size()));
    expect(rows.reduce((a, b) => a + b, 0)).toBe(APPS);

    const broken = [appIds[3]!, appIds[77]!, appIds[150]!, appIds[222]!, appIds[299]!];
    for (const appId of broken) await loseAlarm(appId);
    const healthyAlarms = new Map<string, number | null>();
    for (const appId of appIds.filter((a) => !broken.includes(a)).slice(0, 40)) {
      healthyAlarms.set(appId, await alarmOf(appId));
    }

    const report = await runCronTick(env, Date.now());

    expect(report).toEqual({
      shardsRead: SCHEDULE_SHARDS,
      rowsRead: expect.any(Number),
      overdue: 5,
      rearmed: 5,
      removed: 0,
      failed: 0,
    });
    // The shards' index scans read the overdue rows (and at most one row past them each, which
    // ends the range), not the 300 healthy apps' rows.
    expect(report.rowsRead).toBeLessThanOrEqual(5 + SCHEDULE_SHARDS);
    for (const appId of broken) expect(await alarmOf(appId)).not.toBeNull();
    for (const [appId, alarm] of healthyAlarms) expect(await alarmOf(appId)).toBe(alarm);

    // Once re-armed, the keepers are no longer overdue: the next tick has nothing to do.
    const next = await runCronTick(env, Date.now());
    expect(next.overdue).toBe(0);
  });

  it("the scheduled handler runs the tick and drops rows of appids no longer registered", async () => {
    await scheduleFor(env, "wxcrongone00001").record("wxcrongone00001", Date.now() - 1000);
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect((await scheduleFor(env, "wxcrongone00001").overdue(Date.now(), 10)).rows).toEqual([]);
  });

  it("with a backlog beyond one tick, the most overdue keepers across all shards go first", async () => {
    const now = Date.now();
    const backlog = Array.from({ length: CRON_MAX_KEEPERS_PER_TICK + 8 }, (_, i) => ({
      appId: `wxcronbacklog${String(i).padStart(3, "0")}`,
      checkBy: now - (i + 1) * 60_000,
    }));
    for (const row of backlog) await scheduleFor(env, row.appId).record(row.appId, row.checkBy);

    const report = await runCronTick(env, now);

    // None of these appids is registered, so each one handled is removed from the schedule.
    expect(report.removed).toBe(CRON_MAX_KEEPERS_PER_TICK);
    const left = (await Promise.all(allScheduleShards(env).map((s) => s.overdue(now, 100)))).flatMap(
      (s) => s.rows,
    );
    expect(left.map((row) => row.appId).sort()).toEqual(backlog.slice(0, 8).map((row) => row.appId));
  });
});

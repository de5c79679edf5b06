import { FREE_PLAN_SUBREQUESTS_PER_INVOCATION } from "../platform/limits.ts";
import { allScheduleShards, SCHEDULE_SHARDS } from "./schedule.ts";

/**
 * Keepers re-armed per tick at most. Each Durable Object call is a subrequest, and a tick reads
 * every schedule shard and then calls each keeper it re-arms: 16 shard reads + 32 keeper calls
 * stay within the Free plan's 50, so the cron works on every plan. Only keepers whose own alarm
 * failed land here, so 32 a minute (46,080 a day) is ample; any backlog is worked off on the next
 * ticks, most overdue first.
 */
export const CRON_MAX_KEEPERS_PER_TICK = 32;
/** Keeper calls in flight at once during a tick. */
const CRON_CONCURRENCY = 16;

if (SCHEDULE_SHARDS + CRON_MAX_KEEPERS_PER_TICK > FREE_PLAN_SUBREQUESTS_PER_INVOCATION) {
  throw new Error("a cron tick would make more subrequests than the Free plan allows");
}

export type CronTickReport = {
  shardsRead: number;
  /** Schedule rows SQLite read across the shards: the overdue ones (up to the cap per shard), not every app's. */
  rowsRead: number;
  overdue: number;
  rearmed: number;
  removed: number;
  failed: number;
};

/**
 * The cron trigger's backstop: asks every schedule shard for keepers whose alarm should have run
 * by now and re-arms each of them. Healthy keepers move their own schedule row forward whenever
 * their alarm runs, so they are never touched here.
 */
export async function runCronTick(env: Env, now: number): Promise<CronTickReport> {
  const shards = allScheduleShards(env);
  const perShard = await Promise.all(shards.map((shard) => shard.overdue(now, CRON_MAX_KEEPERS_PER_TICK)));
  const overdue = perShard
    .flatMap((shard) => shard.rows)
    .sort((a, b) => a.checkBy - b.checkBy)
    .slice(0, CRON_MAX_KEEPERS_PER_TICK)
    .map((row) => row.appId);
  const report: CronTickReport = {
    shardsRead: shards.length,
    rowsRead: perShard.reduce((sum, shard) => sum + shard.rowsRead, 0),
    overdue: overdue.length,
    rearmed: 0,
    removed: 0,
    failed: 0,
  };

  let next = 0;
  const worker = async () => {
    while (next < overdue.length) {
      const appId = overdue[next++]!;
      try {
        // One subrequest per keeper: an unregistered one drops its own stale schedule row.
        const result = await env.TOKEN_KEEPER.getByName(appId).checkIn(appId);
        if (result.ok) report.rearmed++;
        else report.removed++;
      } catch (error) {
        report.failed++;
        console.log(
          JSON.stringify({
            event: "cron_checkin_failed",
            appId,
            error: error instanceof Error ? error.message : "?",
          }),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CRON_CONCURRENCY, overdue.length) }, worker));
  console.log(JSON.stringify({ event: "cron_tick", ...report }));
  return report;
}

import { DurableObject } from "cloudflare:workers";
import { fnv1a32 } from "../platform/crypto.ts";

/**
 * Number of RefreshSchedule shards. Each keeper writes its next check-by time to one shard (by a
 * hash of its appid), so no single object sees every write; a cron tick asks every shard once.
 */
export const SCHEDULE_SHARDS = 16;

/** The shard that holds an appid's row: FNV-1a(appid) mod SCHEDULE_SHARDS. */
export function scheduleShardName(appId: string): string {
  return `shard-${fnv1a32(appId) % SCHEDULE_SHARDS}`;
}

export function scheduleFor(env: Env, appId: string) {
  return env.REFRESH_SCHEDULE.getByName(scheduleShardName(appId));
}

export function allScheduleShards(env: Env) {
  return Array.from({ length: SCHEDULE_SHARDS }, (_, i) => env.REFRESH_SCHEDULE.getByName(`shard-${i}`));
}

type OverdueRows = { rows: { appId: string; checkBy: number }[]; rowsRead: number };

/**
 * One shard of the cron's index: appid → the time by which its keeper's alarm should have run.
 * The cron asks for the overdue rows only (an index range scan), so its work per tick grows with
 * the number of keepers that need help, not with the number of registered apps.
 */
export class RefreshSchedule extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS due (
      app_id TEXT PRIMARY KEY,
      check_by INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS due_by_check_by ON due (check_by)");
  }

  /** A keeper's next check-by time, or null when it has nothing scheduled (or was removed). */
  async record(appId: string, checkBy: number | null): Promise<void> {
    if (checkBy === null) {
      this.sql.exec("DELETE FROM due WHERE app_id = ?", appId);
      return;
    }
    this.sql.exec(
      "INSERT INTO due (app_id, check_by) VALUES (?, ?) ON CONFLICT (app_id) DO UPDATE SET check_by = excluded.check_by",
      appId,
      checkBy,
    );
  }

  /**
   * The most overdue keepers (check_by ≤ now), oldest first, at most `limit`, and the rows SQLite
   * read to find them (the index range scan reads the overdue rows only, however many are healthy).
   */
  async overdue(now: number, limit: number): Promise<OverdueRows> {
    const cursor = this.sql.exec(
      "SELECT app_id, check_by FROM due WHERE check_by <= ? ORDER BY check_by LIMIT ?",
      now,
      limit,
    );
    const rows = cursor
      .toArray()
      .map((row) => ({ appId: String(row.app_id), checkBy: Number(row.check_by) }));
    return { rows, rowsRead: cursor.rowsRead };
  }

  /** Rows in this shard: for the status of the cron itself and for tests. */
  async size(): Promise<number> {
    return Number(this.sql.exec("SELECT count(*) AS n FROM due").one().n);
  }
}

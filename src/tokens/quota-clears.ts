// clear_quota's monthly allowance, counted by the appid's keeper. WeChat resets an account's daily
// API quotas at most 10 times a calendar month (48006 beyond, as clear_quota documents), counting
// resets made in its console too. The keeper is the one place that sees every reset the gateway
// asks for, so its count is strongly consistent: two operators cannot both spend the last one.
//
// Only resets WeChat accepted (errcode 0) are counted, as WeChat counts them. A call whose outcome
// is unknown (timed out) is not: counting it could refuse a reset WeChat would still allow, while
// missing one costs nothing, because WeChat's 48006 then marks the month used up here too.

import { chinaMonth } from "../platform/time.ts";

/** WeChat's limit: clear_quota succeeds 10 times per account per calendar month, then answers 48006. */
export const CLEAR_QUOTA_MONTHLY_LIMIT = 10;

/**
 * How long one reset may hold the appid's turn: longer than the slowest business call (about two
 * minutes: two token fetches of four 5 s attempts, and two rounds of three 10 s attempts when the
 * token is rejected in between), so a second reset waits for the first's outcome; a caller that
 * died gives the turn back when this ends.
 */
const QUOTA_CLEAR_TURN_MS = 180_000;

export type QuotaClearCount = {
  /** The China-time month counted, e.g. "2026-11". */
  month: string;
  /** Resets WeChat accepted through the gateway this month. */
  cleared: number;
  /** WeChat answered 48006 this month: none are left whatever the gateway counted. */
  usedUpAtWeChat: boolean;
  left: number;
};

/** A reset may go ahead (the turn is taken until `settle`), or why not. */
export type QuotaClearTurn =
  | { ok: true; count: QuotaClearCount }
  | { ok: false; reason: "used_up" | "in_progress"; count: QuotaClearCount };

/** What WeChat made of a reset: done, refused with 48006, or anything else (not counted). */
export type QuotaClearOutcome = "cleared" | "used_up" | "not_cleared";

export class QuotaClears {
  private readonly sql: SqlStorage;
  /** When the reset under way took its turn (memory only: a restarted keeper has none under way). */
  private turnTakenAt: number | null = null;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS quota_clears (
      month TEXT PRIMARY KEY,
      cleared INTEGER NOT NULL,
      used_up INTEGER NOT NULL,
      last_cleared_at INTEGER
    )`);
  }

  count(now: number): QuotaClearCount {
    const month = chinaMonth(now);
    const row = this.sql
      .exec("SELECT cleared, used_up FROM quota_clears WHERE month = ?", month)
      .toArray()[0];
    const cleared = typeof row?.cleared === "number" ? row.cleared : 0;
    const usedUpAtWeChat = row?.used_up === 1;
    const left = usedUpAtWeChat ? 0 : Math.max(0, CLEAR_QUOTA_MONTHLY_LIMIT - cleared);
    return { month, cleared, usedUpAtWeChat, left };
  }

  /** Takes the appid's turn for one reset, unless none are left or another reset is under way. */
  take(now: number): QuotaClearTurn {
    const count = this.count(now);
    if (count.left === 0) return { ok: false, reason: "used_up", count };
    if (this.turnTakenAt !== null && now - this.turnTakenAt < QUOTA_CLEAR_TURN_MS) {
      return { ok: false, reason: "in_progress", count };
    }
    this.turnTakenAt = now;
    return { ok: true, count };
  }

  /** Records what WeChat answered (in the month it answered) and gives the turn back. */
  settle(outcome: QuotaClearOutcome, now: number): QuotaClearCount {
    this.turnTakenAt = null;
    const month = chinaMonth(now);
    if (outcome !== "not_cleared") {
      this.sql.exec(
        `INSERT INTO quota_clears (month, cleared, used_up, last_cleared_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (month) DO UPDATE SET cleared = cleared + excluded.cleared,
           used_up = MAX(used_up, excluded.used_up),
           last_cleared_at = COALESCE(excluded.last_cleared_at, last_cleared_at)`,
        month,
        outcome === "cleared" ? 1 : 0,
        outcome === "used_up" ? 1 : 0,
        outcome === "cleared" ? now : null,
      );
      // Only this month's row is ever read.
      this.sql.exec("DELETE FROM quota_clears WHERE month < ?", month);
    }
    return this.count(now);
  }
}

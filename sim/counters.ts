// Call counting per app. WeChat's daily quotas reset at midnight China time, so "today" is the
// calendar day in UTC+8 of the app's (possibly advanced) clock.

import { CHINA_UTC_OFFSET_SECONDS, SIM_RECEIVED_PATHS_MAX } from "./limits.ts";

/** The quota-bearing endpoint families, counted separately as WeChat does. */
const CALL_KINDS = ["token", "stableNormal", "stableForce", "ticket", "business"] as const;
export type CallKind = (typeof CALL_KINDS)[number];
export type CallCounts = Record<CallKind, number>;

/** "2024-05-01" for the China-time calendar day containing `nowMs`. */
function chinaDay(nowMs: number): string {
  return new Date(nowMs + CHINA_UTC_OFFSET_SECONDS * 1000).toISOString().slice(0, 10);
}

/** "2024-05" for the China-time calendar month containing `nowMs`. */
function chinaMonth(nowMs: number): string {
  return chinaDay(nowMs).slice(0, 7);
}

function zeroCounts(): CallCounts {
  return { token: 0, stableNormal: 0, stableForce: 0, ticket: 0, business: 0 };
}

export class CallCounters {
  /** Since the app was registered. */
  readonly total: CallCounts = zeroCounts();
  /** Since the app was registered, per request path ("/wxa/getwxacode"). */
  readonly byPath: Record<string, number> = {};
  private today: CallCounts = zeroCounts();
  /** Today's calls per request path: what openapi/quota/get reports as `used`. */
  private todayByPath = new Map<string, number>();
  private day = "";

  record(kind: CallKind, path: string, now: number): void {
    this.rollOver(now);
    this.total[kind] += 1;
    this.today[kind] += 1;
    this.byPath[path] = (this.byPath[path] ?? 0) + 1;
    this.todayByPath.set(path, (this.todayByPath.get(path) ?? 0) + 1);
  }

  todayCount(kind: CallKind, now: number): number {
    this.rollOver(now);
    return this.today[kind];
  }

  todayCountOf(path: string, now: number): number {
    this.rollOver(now);
    return this.todayByPath.get(path) ?? 0;
  }

  todaySnapshot(now: number): CallCounts {
    this.rollOver(now);
    return { ...this.today };
  }

  /** What /cgi-bin/clear_quota does: today's usage goes back to zero. */
  resetToday(): void {
    this.today = zeroCounts();
    this.todayByPath = new Map();
  }

  private rollOver(now: number): void {
    const day = chinaDay(now);
    if (day !== this.day) {
      this.day = day;
      this.today = zeroCounts();
      this.todayByPath = new Map();
    }
  }
}

/** Where new paths are counted once SIM_RECEIVED_PATHS_MAX distinct ones are kept. */
const RECEIVED_OVERFLOW_KEY = "(other paths)";

/**
 * Every request an app received, known API or not, as "METHOD path" with the path exactly as it
 * arrived on the wire (no URL parsing), so a test of a proxy can see which spellings got through.
 */
export class ReceivedPaths {
  readonly counts: Record<string, number> = {};
  private distinct = 0;

  record(method: string, path: string): void {
    let key = `${method} ${path}`;
    if (this.counts[key] === undefined) {
      if (this.distinct >= SIM_RECEIVED_PATHS_MAX) key = RECEIVED_OVERFLOW_KEY;
      else this.distinct += 1;
    }
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

/**
 * Things an app has generated, for the quotas that count what was issued rather than calls made:
 * URL links + schemes per day, getwxacode per day and in total, getwxacodeunlimit per minute.
 */
const ISSUE_KINDS = ["links", "wxacode", "wxacodeUnlimit"] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];
export type IssueCounts = Record<IssueKind, number>;

function zeroIssues(): IssueCounts {
  return { links: 0, wxacode: 0, wxacodeUnlimit: 0 };
}

const MINUTE_MS = 60_000;

export class IssueCounters {
  readonly total: IssueCounts = zeroIssues();
  private today: IssueCounts = zeroIssues();
  private thisMinute: IssueCounts = zeroIssues();
  private day = "";
  private minute = -1;

  record(kind: IssueKind, now: number): void {
    this.rollOver(now);
    this.total[kind] += 1;
    this.today[kind] += 1;
    this.thisMinute[kind] += 1;
  }

  todayCount(kind: IssueKind, now: number): number {
    this.rollOver(now);
    return this.today[kind];
  }

  minuteCount(kind: IssueKind, now: number): number {
    this.rollOver(now);
    return this.thisMinute[kind];
  }

  todaySnapshot(now: number): IssueCounts {
    this.rollOver(now);
    return { ...this.today };
  }

  /** clear_quota resets daily usage; the lifetime total and the running minute stay. */
  resetToday(): void {
    this.today = zeroIssues();
  }

  private rollOver(now: number): void {
    const day = chinaDay(now);
    if (day !== this.day) {
      this.day = day;
      this.today = zeroIssues();
    }
    const minute = Math.floor(now / MINUTE_MS);
    if (minute !== this.minute) {
      this.minute = minute;
      this.thisMinute = zeroIssues();
    }
  }
}

/** Counts uses per China-time calendar month (for clear_quota's 10-a-month limit). */
export class MonthlyCounter {
  private month = "";
  private count = 0;

  used(now: number): number {
    this.rollOver(now);
    return this.count;
  }

  record(now: number): void {
    this.rollOver(now);
    this.count += 1;
  }

  private rollOver(now: number): void {
    const month = chinaMonth(now);
    if (month !== this.month) {
      this.month = month;
      this.count = 0;
    }
  }
}

// The refresh policy of a TokenKeeper as plain functions over its stored state, so that the rules
// (when to refresh, when to act on a report, how much quota may be spent) are testable without I/O.

import { fnv1a32 } from "../platform/crypto.ts";
import type { TokenMode } from "../wechat/app-kinds.ts";
import type { FailureKind } from "../wechat/credential-calls.ts";
import { ERRCODE } from "../wechat/errcodes.ts";

/** WeChat hands out a new stable token in normal mode only in the last 5 minutes of the old one. */
const STABLE_RENEW_WINDOW_SECONDS = 300;
/** After a refresh WeChat keeps the previous token valid for 5 more minutes (at most its remaining life). */
export const WECHAT_GRACE_SECONDS = 300;
/** A token with less life than this is not handed out: the caller needs time to use it. */
export const SERVE_MIN_REMAINING_SECONDS = 10;
/** A caller's "this token is invalid" report is trusted only for tokens at least this old (spec: ≤ 30 s). */
const MIN_REPORT_AGE_SECONDS = 30;
/** Never re-arm sooner than this after WeChat returned the same stable token: no busy loop. */
export const MIN_RECHECK_SECONDS = 30;
/** After a failed refresh, the next try waits 30 s, 60 s, 120 s ... up to 10 minutes. */
const FAILURE_BACKOFF_BASE_SECONDS = 30;
const FAILURE_BACKOFF_CAP_SECONDS = 600;
/** A definite error (bad secret, IP not whitelisted) is retried rarely: an operator must act. */
const DEFINITE_FAILURE_RETRY_SECONDS = 600;
/** WeChat's per-minute quota (45011) resets within a minute. */
const MINUTE_QUOTA_RETRY_SECONDS = 60;
/**
 * Our own per-appid daily cap on upstream token calls. WeChat allows 2000/day on /cgi-bin/token
 * (200 on test accounts), so classic mode stays at half of it; stable_token allows 500,000 normal
 * calls a day, but a healthy keeper needs about 12, so the cap only stops runaway loops.
 */
export const TOKEN_CALL_DAILY_BUDGET: Record<TokenMode, number> = { classic: 1000, stable: 2000 };
/**
 * A third-party platform's api_component_token calls per China-time day. Sources disagree on
 * WeChat's quota (2,000 or 10,000 a day; "openapi/quota/get decides"), so the lower one is the cap;
 * a healthy keeper needs about 13 (one per 2 h token, 270 s ahead).
 */
export const COMPONENT_TOKEN_CALL_DAILY_BUDGET = 2000;
/**
 * An authorizer's api_authorizer_token calls per China-time day. Each call issues a new token (and
 * may rotate the refresh token); a healthy keeper needs about 13, so the cap stops runaway loops
 * while leaving room for recoveries.
 */
export const AUTHORIZER_TOKEN_CALL_DAILY_BUDGET = 1000;
/** The last calls of the daily budget are kept for scheduled refreshes and for an empty keeper. */
export const BUDGET_RESERVED_FOR_SCHEDULE = 100;
/** getticket is "very limited" per WeChat (about 10,000/day observed); a healthy keeper needs ~12. */
export const TICKET_CALL_DAILY_BUDGET = 500;
/**
 * Report-driven refreshes back off while WeChat keeps rejecting the tokens they bring: after one,
 * the next waits 30 s, then 60 s, 120 s ... up to 30 minutes. A token rejected again right after
 * it was issued is not the token's fault (a caller using it for an API it does not fit, or for
 * another app), so another refresh would only burn quota; the scheduled refresh keeps it alive.
 */
const REPORT_BACKOFF_BASE_SECONDS = 30;
const REPORT_BACKOFF_CAP_SECONDS = 1_800;
/** A report-driven refresh this long after the previous one starts afresh (no backoff carried over). */
const REPORT_STREAK_RESET_SECONDS = 2 * REPORT_BACKOFF_CAP_SECONDS;
/** However an alarm pass went, the next one is at least this far off: no alarm loop, whatever the state. */
export const MIN_ALARM_INTERVAL_SECONDS = 30;
/** WeChat allows 20 force_refresh calls a day, at least 30 s apart (closer ones do not refresh). */
export const FORCED_REFRESH_DAILY_LIMIT = 20;
export const FORCED_REFRESH_MIN_INTERVAL_SECONDS = 30;
/** A jsapi_ticket is renewed ahead of expiry only while someone asked for it within this time. */
export const TICKET_KEEP_WARM_SECONDS = 86_400;

/**
 * Why a refresh was started; decides which part of the daily budget it may use. Only "report"
 * comes from a caller; the others are the keeper's own need (or the admin's, "forced").
 */
export type RefreshTrigger = "empty" | "scheduled" | "report" | "forced";

/** The stored state of one credential (access_token or jsapi_ticket), times in ms since epoch. */
export type CredentialState = {
  value: string | null;
  createdAt: number | null;
  expiresAt: number | null;
  /** The last time WeChat issued or re-confirmed this value (stable normal mode returns the same token). */
  confirmedAt: number | null;
  /** The gateway itself has seen WeChat reject this value. */
  rejected: boolean;
  dueAt: number | null;
  failuresInRow: number;
  retryAt: number | null;
  /** Report-driven refreshes in a row, each soon after the last (resets after a quiet spell). */
  reportStreak: number;
  lastReportRefreshAt: number | null;
  /** No report-driven refresh before this time (ms), whatever callers report. */
  reportBackoffUntil: number | null;
};

export function isServeable(state: CredentialState, now: number): boolean {
  return (
    state.value !== null &&
    state.expiresAt !== null &&
    state.expiresAt - now > SERVE_MIN_REMAINING_SECONDS * 1000
  );
}

/** Whether a refresh may start now: not while a previous failure's backoff is running. */
export function mayTryNow(state: CredentialState, now: number): boolean {
  return state.retryAt === null || state.retryAt <= now;
}

export function isDue(state: CredentialState, now: number): boolean {
  return state.dueAt !== null && state.dueAt <= now;
}

/**
 * An authorizer renews up to this much earlier than REFRESH_AHEAD_SECONDS, each appid at its own
 * fixed point of the window. Authorizers whose tokens were issued in the same minute (a bulk of
 * authorizations, or all of a platform's authorizers recovering together after its component token
 * came back) would otherwise come due in the same minute every two hours, forever; with the spread
 * their first renewals land across the whole window, and since each appid's period differs by its
 * offset, a bunch keeps dispersing until it is lost in the uniform background. The cost is the
 * tokens' unused tail: on average half the window, ~9% more api_authorizer_token calls (about 13.7
 * a day instead of 12.5).
 */
export const AUTHORIZER_REFRESH_SPREAD_SECONDS = 1_200;

/** An appid's fixed point in a spread window: whole seconds in [0, windowSeconds), from its hash. */
export function refreshSpreadSeconds(appId: string, windowSeconds: number): number {
  // Salted, so that the offset is independent of the appid's schedule shard (the same hash, mod 16).
  return windowSeconds > 0 ? fnv1a32(`refresh-spread:${appId}`) % windowSeconds : 0;
}

/**
 * When a freshly issued credential should be renewed: `refreshAheadSeconds` before it expires, and
 * `spreadSeconds` more for a source that spreads its appids' renewals (0 for the others).
 */
export function dueAfterIssue(expiresAt: number, refreshAheadSeconds: number, spreadSeconds = 0): number {
  return expiresAt - (refreshAheadSeconds + spreadSeconds) * 1000;
}

/**
 * WeChat returned the same stable token: it will only renew inside the last 5 minutes, so try
 * again just inside that window, and never sooner than MIN_RECHECK_SECONDS from now.
 */
export function dueAfterSameStableToken(expiresAt: number, now: number): number {
  const insideWindow = expiresAt - (STABLE_RENEW_WINDOW_SECONDS - MIN_RECHECK_SECONDS) * 1000;
  return Math.max(insideWindow, now + MIN_RECHECK_SECONDS * 1000);
}

/** When to try again after a failed refresh. */
export function retryAfterFailure(
  kind: FailureKind,
  errcode: number | undefined,
  failuresInRow: number,
  now: number,
  nextQuotaReset: number,
): number {
  switch (kind) {
    case "transient": {
      const seconds = Math.min(
        FAILURE_BACKOFF_CAP_SECONDS,
        FAILURE_BACKOFF_BASE_SECONDS * 2 ** (failuresInRow - 1),
      );
      return now + seconds * 1000;
    }
    case "quota":
      return errcode === ERRCODE.MINUTE_QUOTA ? now + MINUTE_QUOTA_RETRY_SECONDS * 1000 : nextQuotaReset;
    case "budget":
      return nextQuotaReset;
    case "definite":
      return now + DEFINITE_FAILURE_RETRY_SECONDS * 1000;
  }
}

/**
 * A caller reports `reported` as invalid. Act (refresh) only when it is the current token and
 * either the gateway has seen WeChat reject it or WeChat issued/confirmed it long enough ago.
 */
export function shouldActOnReport(state: CredentialState, reported: string, now: number): boolean {
  if (state.value === null || reported !== state.value) return false;
  if (state.rejected) return true;
  const since = state.confirmedAt ?? state.createdAt ?? 0;
  return now - since >= MIN_REPORT_AGE_SECONDS * 1000;
}

/** Whether a report-driven refresh may start now: not during a failure backoff or a report backoff. */
export function reportMayRefreshNow(state: CredentialState, now: number): boolean {
  return mayTryNow(state, now) && (state.reportBackoffUntil === null || state.reportBackoffUntil <= now);
}

/**
 * The report state after a report-driven refresh starts at `now`: the streak grows while such
 * refreshes follow each other, and the next one waits longer each time.
 */
export function afterReportRefresh(
  state: CredentialState,
  now: number,
): Pick<CredentialState, "reportStreak" | "lastReportRefreshAt" | "reportBackoffUntil"> {
  const continues =
    state.lastReportRefreshAt !== null &&
    now - state.lastReportRefreshAt < REPORT_STREAK_RESET_SECONDS * 1000;
  const reportStreak = continues ? state.reportStreak + 1 : 1;
  const seconds = Math.min(REPORT_BACKOFF_CAP_SECONDS, REPORT_BACKOFF_BASE_SECONDS * 2 ** (reportStreak - 1));
  return { reportStreak, lastReportRefreshAt: now, reportBackoffUntil: now + seconds * 1000 };
}

/** Whether the daily budget allows one more upstream call for this trigger. */
export function budgetAllows(trigger: RefreshTrigger, usedToday: number, budget: number): boolean {
  const limit = trigger === "report" ? budget - BUDGET_RESERVED_FOR_SCHEDULE : budget;
  return usedToday < limit;
}

// WeChat's documented limits and timings, in one place so each number carries its reason.
// Sources: /work/shared/WECHAT.md (§1, §2, §5, §14).

/** WeChat says expires_in is "a value within 7200 s"; this is what it returns today. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 7200;

/** When a token is replaced, WeChat keeps the old one usable for 5 minutes so callers holding it are not broken. */
export const TOKEN_OVERLAP_SECONDS = 300;

/** WeChat renews a stable token only in its last 5 minutes, so a returned stable token always has >= 300 s left. */
export const STABLE_RENEW_WINDOW_SECONDS = 300;

/** A second stable force refresh less than 30 s after the previous one "does not refresh". */
export const STABLE_FORCE_REFRESH_MIN_INTERVAL_SECONDS = 30;

/** Daily quota of /cgi-bin/token for a newly registered official account. */
export const DEFAULT_CLASSIC_TOKEN_DAILY_QUOTA = 2000;

/** Daily quota of /cgi-bin/stable_token in normal mode (per appid). */
export const DEFAULT_STABLE_NORMAL_DAILY_QUOTA = 500_000;

/** Stable-token force refreshes are limited to 20 a day (45009 beyond that). */
export const DEFAULT_STABLE_FORCE_DAILY_QUOTA = 20;

/** getticket is "very limited"; one developer hit 45009 at 10,000 calls a day (uncertain). */
export const DEFAULT_TICKET_DAILY_QUOTA = 10_000;

/** jsapi_ticket / wx_card api_ticket lifetime, as in the documented success example. */
export const TICKET_LIFETIME_SECONDS = 7200;

/** clear_quota may be used 10 times a month per account. */
export const CLEAR_QUOTA_MONTHLY_LIMIT = 10;

/** WeChat's quota "day" and "month" are calendar periods in China time (UTC+8, no daylight saving). */
export const CHINA_UTC_OFFSET_SECONDS = 8 * 3600;

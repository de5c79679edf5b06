// WeChat answers errors with HTTP 200 and {"errcode","errmsg"}; these sets classify them.

/** The access_token a call used is not (or no longer) valid: refresh once and retry. */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([
  40001, // invalid credential / not latest (another caller re-fetched and the 5-minute grace passed)
  40014, // invalid access_token
  42001, // access_token expired
]);

/** "System busy": says nothing about the request, so it is retried with backoff. */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([
  -1, // documented: 系统繁忙，此时请开发者稍候再试
  -1000, // undocumented, seen from /cgi-bin/token; treated like -1
]);

/** Quota errors: retrying makes them worse, so they are never retried. */
export const QUOTA_ERRCODES: ReadonlySet<number> = new Set([
  45009, // daily quota reached (also force_refresh 20/day)
  45011, // per-minute quota reached
]);

export const ERRCODE_DAILY_QUOTA = 45009;

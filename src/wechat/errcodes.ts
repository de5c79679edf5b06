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

/** 45011 always means "this minute"; a 45009 means "today" except where WeChat documents it per minute. */
export const ERRCODE_MINUTE_QUOTA = 45011;

/** Quota errors: retrying makes them worse, so they are never retried. */
export const QUOTA_ERRCODES: ReadonlySet<number> = new Set([
  45009, // daily quota reached (also force_refresh 20/day)
  ERRCODE_MINUTE_QUOTA, // per-minute quota reached
]);

/**
 * Business errcodes caused by what the caller sent (so a 400, not a 502), with a short
 * explanation for the envelope's `error`. Anything not listed is WeChat's side (502).
 */
export const CALLER_ERRCODES: ReadonlyMap<number, string> = new Map([
  [40003, "the openid is not valid for this app"],
  [40029, "the login code is invalid or expired (codes live 5 minutes)"],
  [40037, "the template_id is not valid for this app"],
  [40097, "an argument is invalid (e.g. env_version)"],
  [40129, "the scene is not valid"],
  [40159, "the path is empty or too long"],
  [40163, "the login code was already used (codes are single use)"],
  [40165, "the page path is not a page of the published mini program"],
  [40169, "the scene is empty or longer than 32 characters"],
  [40189, "the width is not valid (280–1280)"],
  [40212, "the query is not valid"],
  [40226, "WeChat blocked this login as high-risk"],
  [41008, "the login code is missing"],
  [41030, "the page is not a page of the published mini program"],
  [43101, "the user has not accepted (or has no authorization left for) this message"],
  [43104, "the openid does not belong to this app"],
  [44002, "the request body is empty"],
  [47001, "WeChat could not read the request body"],
  [47003, "a template argument is invalid"],
  [85401, "the expiry must be between 1 minute and 30 days ahead"],
]);

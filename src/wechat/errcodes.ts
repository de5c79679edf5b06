// WeChat answers errors with HTTP 200 and {"errcode","errmsg"}; these names and sets classify them.

/** The errcodes the gateway acts on or answers itself (the proxy speaks WeChat's shape), by name. */
export const ERRCODE = {
  SYSTEM_BUSY: -1, // 系统繁忙: also what the proxy answers when WeChat cannot be reached
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  INVALID_APPID: 40013,
  INVALID_ACCESS_TOKEN: 40014,
  INVALID_ARGS: 40097,
  INVALID_APPSECRET: 40125,
  APPID_MISSING: 41002,
  APPSECRET_MISSING: 41004,
  ACCESS_TOKEN_EXPIRED: 42001,
  REQUIRE_GET: 43001,
  REQUIRE_POST: 43002,
  CONTENT_TOO_LARGE: 45002,
  DAILY_QUOTA: 45009, // also force_refresh's 20 a day
  MINUTE_QUOTA: 45011,
  DATA_FORMAT_ERROR: 47001,
  API_UNAUTHORIZED: 48001,
  COMPONENT_IP_NOT_WHITELISTED: 61004, // a component call from an IP outside the platform's whitelist
  COMPONENT_TICKET_INVALID: 61006, // api_component_token: the verify ticket is not (or no longer) valid
  REFRESH_TOKEN_INVALID: 61023, // api_authorizer_token: the authorizer_refresh_token is not valid
} as const;

/** The access_token a call used is not (or no longer) valid: refresh once and retry. */
export const TOKEN_REJECTED_ERRCODES: ReadonlySet<number> = new Set([
  ERRCODE.INVALID_CREDENTIAL, // or not latest (another caller re-fetched and the 5-minute grace passed)
  ERRCODE.INVALID_ACCESS_TOKEN,
  ERRCODE.ACCESS_TOKEN_EXPIRED,
]);

/** "System busy": says nothing about the request, so it is retried with backoff. */
export const BUSY_ERRCODES: ReadonlySet<number> = new Set([
  ERRCODE.SYSTEM_BUSY, // documented: 系统繁忙，此时请开发者稍候再试
  -1000, // undocumented, seen from /cgi-bin/token; treated like -1
]);

/**
 * Quota errors: retrying makes them worse, so they are never retried. 45011 always means "this
 * minute"; a 45009 means "today" except where WeChat documents it per minute.
 */
export const QUOTA_ERRCODES: ReadonlySet<number> = new Set([ERRCODE.DAILY_QUOTA, ERRCODE.MINUTE_QUOTA]);

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

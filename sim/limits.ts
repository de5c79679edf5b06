// WeChat's documented limits and timings, in one place so each number carries its reason.
// Sources: /work/shared/WECHAT.md (§1, §2, §5, §6–§14).

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

/** openapi/rid/get finds a rid for 7 days; an older one is 76001 like one never issued. */
export const RID_LIFETIME_SECONDS = 7 * 24 * 3600;

/** Failed calls rid/get can look up per app (the newest), so a long dev session stays small. */
export const SIM_RIDS_KEPT_PER_APP = 1000;

/**
 * openapi/quota/get's daily_limit for the business APIs whose daily limit WeChat documents
 * (WECHAT.md §14); the limits the simulator enforces come from the app's quotas instead.
 */
export const DOCUMENTED_DAILY_LIMITS: Readonly<Record<string, number>> = {
  "/cgi-bin/user/info": 5_000_000,
  "/cgi-bin/message/subscribe/send": 10_000_000,
  "/wxa/msg_sec_check": 2_000_000,
};

/**
 * [UNCERTAIN] What quota/get reports as daily_limit for an API WeChat documents no daily limit
 * for (getwxacodeunlimit, getuserphonenumber, template/subscribe...): it answers some number for
 * every API, and a large one is the honest stand-in.
 */
export const UNDOCUMENTED_DAILY_LIMIT = 1_000_000;

/** msg_sec_check is also limited to 4000 calls a minute, which quota/get reports as rate_limit. */
export const MSG_SEC_CHECK_PER_MINUTE = 4000;

/** WeChat's quota "day" and "month" are calendar periods in China time (UTC+8, no daylight saving). */
export const CHINA_UTC_OFFSET_SECONDS = 8 * 3600;

// ---- business APIs (WECHAT.md §6–§13) ----

/** wx.login codes are "valid for five minutes" and single-use. */
export const LOGIN_CODE_LIFETIME_SECONDS = 300;

/** getPhoneNumber codes are single use and valid for 5 minutes too (WECHAT.md §18). */
export const PHONE_CODE_LIFETIME_SECONDS = 300;

/** URL links and URL schemes together: at most 500,000 generated per day. */
export const DEFAULT_LINKS_DAILY_QUOTA = 500_000;

/** getwxacodeunlimit has no total cap but a frequency limit of 5000 a minute. */
export const DEFAULT_WXACODE_UNLIMIT_PER_MINUTE_QUOTA = 5000;

/** getwxacode: "1 万/天" (10,000 a day)... */
export const DEFAULT_WXACODE_DAILY_QUOTA = 10_000;

/** ...and 100,000 in the account's lifetime (shared with createwxaqrcode), then 45029. */
export const DEFAULT_WXACODE_TOTAL_QUOTA = 100_000;

/** Link and scheme expiry: expire_time must lie more than 1 minute ahead... */
export const LINK_MIN_EXPIRE_AHEAD_SECONDS = 60;

/** ...and at most 30 days ahead ("since 2022-04-11 all links expire within 30 days"). */
export const LINK_MAX_EXPIRE_AHEAD_SECONDS = 30 * 24 * 3600;

/** expire_interval is counted in days, 1 to 30 (same 30-day ceiling). */
export const LINK_MAX_EXPIRE_INTERVAL_DAYS = 30;

/** `query` of a link or scheme: at most 1024 characters. */
export const LINK_QUERY_MAX_LENGTH = 1024;

/** getwxacodeunlimit's scene: at most 32 visible characters. */
export const WXACODE_SCENE_MAX_LENGTH = 32;

/** getwxacode's path (with its query): the newer docs allow 1024 bytes (older ones said 128). */
export const WXACODE_PATH_MAX_BYTES = 1024;

/** QR-code width in pixels: default 430, allowed 280 to 1280. */
export const WXACODE_DEFAULT_WIDTH = 430;
export const WXACODE_MIN_WIDTH = 280;
export const WXACODE_MAX_WIDTH = 1280;

/** Official-account one-time subscribe message: title ≤ 15 characters, content ≤ 200. */
export const ONE_TIME_TITLE_MAX_LENGTH = 15;
export const ONE_TIME_CONTENT_MAX_LENGTH = 200;

/** msg_sec_check v2: content ≤ 2500 characters (UTF-8). */
export const SEC_CHECK_CONTENT_MAX_LENGTH = 2500;

/** How many sent messages and business requests GET /__sim/apps/{appid} keeps: enough for any one test. */
export const SIM_HISTORY_LENGTH = 50;

/**
 * Distinct "METHOD path" entries GET /__sim/apps/{appid} keeps in `received`; further new paths
 * are counted under one overflow entry, so a long dev session of random paths stays small.
 */
export const SIM_RECEIVED_PATHS_MAX = 10_000;

/** Request bodies kept in the request log are cut to 4 KB so an image-sized body cannot bloat the state. */
export const SIM_LOGGED_BODY_MAX_CHARS = 4096;

// ---- temporary media (official-account /cgi-bin/media/upload and /cgi-bin/media/get) ----

/** WeChat counts these limits in binary megabytes and kilobytes. */
const MB = 1024 * 1024;

/**
 * The largest file each media type may be: image 10 MB, voice 2 MB, video 10 MB, thumb 64 KB
 * ("图片 10M / 语音 2M / 视频 10MB / 缩略图 64KB"); a bigger one gets 40006.
 */
export const MEDIA_MAX_BYTES = {
  image: 10 * MB,
  voice: 2 * MB,
  video: 10 * MB,
  thumb: 64 * 1024,
} as const;

/** Temporary media is kept for 3 days; after that its media_id is invalid (40007). */
export const MEDIA_LIFETIME_SECONDS = 3 * 24 * 3600;

/** Uploads kept per app: enough for any one test, and a bound on memory (up to 10 MB each). */
export const MEDIA_KEPT_PER_APP = 100;

// ---- third-party platform (component), WECHAT.md §16 ----

/** A component_verify_ticket is pushed every 10 minutes... */
export const VERIFY_TICKET_PUSH_INTERVAL_SECONDS = 600;

/** ...and each one is valid for 12 hours. */
export const VERIFY_TICKET_LIFETIME_SECONDS = 12 * 3600;

/** Sources disagree on api_component_token's daily quota (10,000 or 2,000); the larger is the default. */
export const DEFAULT_COMPONENT_TOKEN_DAILY_QUOTA = 10_000;

/** pre_auth_code: the newer doc says 1800 s (the sample 600, older text 10 min). Single use. */
export const PRE_AUTH_CODE_LIFETIME_SECONDS = 1800;

/**
 * [UNCERTAIN] The authorization code's life (AuthorizationCodeExpiredTime - CreateTime, and the
 * redirect's expires_in): 10 minutes, like the older pre_auth_code text. Single use.
 */
export const AUTHORIZATION_CODE_LIFETIME_SECONDS = 600;

/** api_get_authorizer_list pages hold at most 500 authorizers. */
export const AUTHORIZER_LIST_MAX_COUNT = 500;

/**
 * WeChat drops a push's connection after 5 s without an answer (a third-party platform's events
 * and an app's own pushes alike); an app's push settings may shorten it for quick tests.
 */
export const PUSH_ANSWER_DEADLINE_MS = 5000;

// ---- an app's own pushes (消息推送), WECHAT.md §17 ----

/**
 * WeChat tries a push three times in all: the first POST and two retries, each after the previous
 * one got no answer within the deadline (or could not connect).
 */
export const PUSH_TRIES = 3;

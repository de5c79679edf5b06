// Business APIs (called with ?access_token=): getticket, get_api_domain_ip, quota/get, rid/get,
// clear_quota.
// Each starts with the shared access_token check; new business endpoints should do the same.

import { authenticateAccessToken } from "./access-token.ts";
import type { DailyQuotas, IssuedTicket, SimulatedApp, TicketType } from "./app.ts";
import {
  CLEAR_QUOTA_MONTHLY_LIMIT,
  DOCUMENTED_DAILY_LIMITS,
  MSG_SEC_CHECK_PER_MINUTE,
  TICKET_LIFETIME_SECONDS,
  UNDOCUMENTED_DAILY_LIMIT,
} from "./limits.ts";
import { parseJsonBody, textField, type WeChatCall } from "./request.ts";
import { randomBase64Url, WECHAT_ERRORS, wechatError, wechatJson, wechatOk } from "./responses.ts";
import type { SimulatorState } from "./state.ts";

const TICKET_TYPES: readonly TicketType[] = ["jsapi", "wx_card"];
/** 64 random bytes = 86 base64url characters, the length of the documented example ticket. */
const TICKET_RANDOM_BYTES = 64;

/**
 * One ticket per app and type, handed out again while it lives (WeChat asks developers to cache it).
 * expires_in is the ticket's remaining life, so a cache keyed on it never outlives the ticket.
 */
export function getTicket(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const type = TICKET_TYPES.find((t) => t === call.query.get("type"));
  if (!type) return wechatError(WECHAT_ERRORS.invalidArgs);
  const app = auth.app;
  const now = app.now();
  if (app.calls.todayCount("ticket", now) > app.settings.quotas.ticket) {
    return wechatError(WECHAT_ERRORS.dailyQuotaReached);
  }
  const ticket = liveTicket(app, type, now);
  return wechatOk({ ticket: ticket.value, expires_in: Math.floor((ticket.expiresAt - now) / 1000) });
}

function liveTicket(app: SimulatedApp, type: TicketType, now: number): IssuedTicket {
  const existing = app.tickets.get(type);
  if (existing && existing.expiresAt > now) return existing;
  const fresh = {
    value: randomBase64Url(TICKET_RANDOM_BYTES),
    issuedAt: now,
    expiresAt: now + TICKET_LIFETIME_SECONDS * 1000,
  };
  app.tickets.set(type, fresh);
  return fresh;
}

/** WeChat's API server addresses: the cheapest real call that proves a token works. */
const API_DOMAIN_IPS = ["101.226.62.77", "101.226.62.78"];

export function getApiDomainIp(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  return wechatJson({ ip_list: API_DOMAIN_IPS });
}

/** The token and ticket calls, counted by kind rather than path (stable_token: its normal calls). */
const QUOTA_BY_CGI_PATH: Readonly<Record<string, keyof DailyQuotas>> = {
  "/cgi-bin/token": "token",
  "/cgi-bin/stable_token": "stableNormal",
  "/cgi-bin/ticket/getticket": "ticket",
};

/** quota/get refuses /sns/ APIs (jscode2session and the web-login ones) with 76022. */
const SNS_PATH = /^\/(?:[^/]+\/)*sns\//;
const SECONDS_PER_MINUTE = 60;

/** A business API's daily limit as quota/get reports it: the app's quota where the simulator enforces one. */
function dailyLimitOf(app: SimulatedApp, cgiPath: string): number {
  const quotas = app.settings.quotas;
  if (cgiPath === "/wxa/generate_urllink" || cgiPath === "/wxa/generatescheme") return quotas.links;
  if (cgiPath === "/wxa/getwxacode") return quotas.wxacodeDaily;
  return DOCUMENTED_DAILY_LIMITS[cgiPath] ?? UNDOCUMENTED_DAILY_LIMIT;
}

/** The per-minute limit of the APIs that have one, as quota/get's rate_limit. */
function rateLimitOf(
  app: SimulatedApp,
  cgiPath: string,
): { call_count: number; refresh_second: number } | null {
  if (cgiPath === "/wxa/getwxacodeunlimit") {
    return { call_count: app.settings.quotas.wxacodeUnlimitPerMinute, refresh_second: SECONDS_PER_MINUTE };
  }
  if (cgiPath === "/wxa/msg_sec_check") {
    return { call_count: MSG_SEC_CHECK_PER_MINUTE, refresh_second: SECONDS_PER_MINUTE };
  }
  return null;
}

/**
 * openapi/quota/get: today's limit, calls and what remains for one API of the token's app, counted
 * per path (every call the app made to it today, failed ones too, as WeChat counts them). A
 * cgi_path with the host or without its leading "/" is 76003, a /sns/ API 76022 and any other
 * path WeChat does not serve (`isKnownApi` says which it does) 76021 (WECHAT.md §18).
 */
export function getApiQuota(
  state: SimulatorState,
  call: WeChatCall,
  isKnownApi: (path: string) => boolean,
): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const cgiPath = textField(body.fields, "cgi_path");
  if (typeof cgiPath !== "string" || !cgiPath.startsWith("/"))
    return wechatError(WECHAT_ERRORS.cgiPathMalformed);
  if (SNS_PATH.test(cgiPath)) return wechatError(WECHAT_ERRORS.cgiPathNoPermission);
  const app = auth.app;
  const now = app.now();
  const quotaName = QUOTA_BY_CGI_PATH[cgiPath];
  if (quotaName) {
    const dailyLimit = app.settings.quotas[quotaName];
    const used = app.calls.todayCount(quotaName, now);
    return wechatOk({ quota: { daily_limit: dailyLimit, used, remain: Math.max(0, dailyLimit - used) } });
  }
  if (!isKnownApi(cgiPath)) return wechatError(WECHAT_ERRORS.cgiPathNotFound);
  const dailyLimit = dailyLimitOf(app, cgiPath);
  const used = app.calls.todayCountOf(cgiPath, now);
  const rateLimit = rateLimitOf(app, cgiPath);
  return wechatOk({
    quota: { daily_limit: dailyLimit, used, remain: Math.max(0, dailyLimit - used) },
    ...(rateLimit ? { rate_limit: rateLimit } : {}),
  });
}

/** Three groups of 8 hex digits, the only rid WeChat hands out. */
const RID_FORMAT = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/**
 * openapi/rid/get: what WeChat saw of one of the token's own app's failed calls (WECHAT.md §18).
 * A missing or malformed rid is 76002, another app's rid 76003, and one never issued or older
 * than 7 days 76001.
 */
export function getRidInfo(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const rid = textField(body.fields, "rid");
  if (typeof rid !== "string" || !RID_FORMAT.test(rid)) return wechatError(WECHAT_ERRORS.ridIsError);
  const app = auth.app;
  const request = app.rids.find(rid, app.now());
  if (request) return wechatOk({ request });
  const owner = [...state.apps.values()].find((other) => other !== app && other.rids.has(rid));
  return wechatError(owner ? WECHAT_ERRORS.ridNoPermission : WECHAT_ERRORS.ridNotFound);
}

/**
 * Resets today's counters of the token's own app (calls, and links/codes generated today; not the
 * lifetime getwxacode total); 10 resets per month, then 48006.
 */
export function clearQuota(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const appid = textField(body.fields, "appid");
  if (appid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  const app = auth.app;
  // A token may only clear its own account's quota (third-party platforms are out of scope here).
  if (appid !== app.settings.appid) return wechatError(WECHAT_ERRORS.invalidAppid);
  const now = app.now();
  if (app.clearQuotaUses.used(now) >= CLEAR_QUOTA_MONTHLY_LIMIT) {
    return wechatError(WECHAT_ERRORS.clearQuotaLimitReached);
  }
  app.clearQuotaUses.record(now);
  app.calls.resetToday();
  app.issued.resetToday();
  return wechatOk();
}

// Business APIs (called with ?access_token=): getticket, get_api_domain_ip, quota/get, clear_quota.
// Each starts with the shared access_token check; new business endpoints should do the same.

import { authenticateAccessToken } from "./access-token.ts";
import type { DailyQuotas, IssuedTicket, SimulatedApp, TicketType } from "./app.ts";
import { CLEAR_QUOTA_MONTHLY_LIMIT, TICKET_LIFETIME_SECONDS } from "./limits.ts";
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

/** The cgi paths whose daily quota quota/get can report, and the counter behind each. */
const QUOTA_BY_CGI_PATH: Readonly<Record<string, keyof DailyQuotas>> = {
  "/cgi-bin/token": "token",
  "/cgi-bin/stable_token": "stableNormal",
  "/cgi-bin/ticket/getticket": "ticket",
};

export function getApiQuota(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const cgiPath = textField(body.fields, "cgi_path");
  const quotaName = typeof cgiPath === "string" ? QUOTA_BY_CGI_PATH[cgiPath] : undefined;
  if (!quotaName) return wechatError(WECHAT_ERRORS.cgiPathNotFound);
  const app = auth.app;
  const dailyLimit = app.settings.quotas[quotaName];
  const used = app.calls.todayCount(quotaName, app.now());
  return wechatOk({ quota: { daily_limit: dailyLimit, used, remain: Math.max(0, dailyLimit - used) } });
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

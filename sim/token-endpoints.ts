// GET /cgi-bin/token (classic) and POST /cgi-bin/stable_token.

import type { SimulatedApp } from "./app.ts";
import { STABLE_FORCE_REFRESH_MIN_INTERVAL_SECONDS, STABLE_RENEW_WINDOW_SECONDS } from "./limits.ts";
import { parseJsonBody, queryParam, textField, type WeChatCall, WRONG_TYPE } from "./request.ts";
import { ipNotWhitelisted, WECHAT_ERRORS, wechatError, wechatJson } from "./responses.ts";
import type { SimulatorState } from "./state.ts";
import { type IssuedToken, remainingSeconds, type TokenSlotName } from "./tokens.ts";

interface TokenCredentials {
  grantType: string | undefined;
  appid: string | undefined;
  secret: string | undefined;
}

type AppCheck = { ok: true; app: SimulatedApp } | { ok: false; error: Response };

/** Checks shared by both token endpoints, in this order: params, appid, secret, IP whitelist. */
function authenticateApp(state: SimulatorState, credentials: TokenCredentials, remoteIp: string): AppCheck {
  const fail = (error: Response): AppCheck => ({ ok: false, error });
  if (credentials.appid === undefined) return fail(wechatError(WECHAT_ERRORS.appidMissing));
  if (credentials.secret === undefined) return fail(wechatError(WECHAT_ERRORS.appsecretMissing));
  if (credentials.grantType !== "client_credential") return fail(wechatError(WECHAT_ERRORS.invalidGrantType));
  const app = state.apps.get(credentials.appid);
  if (!app) return fail(wechatError(WECHAT_ERRORS.invalidAppid));
  if (credentials.secret !== app.settings.secret) return fail(wechatError(WECHAT_ERRORS.invalidAppsecret));
  if (!app.settings.whitelisted) return fail(wechatError(ipNotWhitelisted(remoteIp)));
  return { ok: true, app };
}

/** Token success body: no errcode, expires_in = seconds the token has left. */
function tokenAnswer(token: IssuedToken, now: number): Response {
  return wechatJson({ access_token: token.value, expires_in: remainingSeconds(token, now) });
}

/** A new token in the app's slot, with the app's token lifetime; the one it replaces keeps its overlap. */
export function issueInto(
  state: SimulatorState,
  app: SimulatedApp,
  slot: TokenSlotName,
  now: number,
): IssuedToken {
  const token = state.tokens.issue(app.settings.appid, slot, now, app.settings.tokenLifetimeSeconds);
  app.tokens[slot].rotate(token, now);
  return token;
}

/** Every successful call issues a new token; the previous one keeps a 5-minute overlap. */
export function classicToken(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const check = authenticateApp(
    state,
    {
      grantType: queryParam(call.query, "grant_type"),
      appid: queryParam(call.query, "appid"),
      secret: queryParam(call.query, "secret"),
    },
    call.remoteIp,
  );
  if (!check.ok) return check.error;
  const app = check.app;
  const now = app.now();
  // The call itself was already counted (see WeChatSimulator.handle), so "> limit" means over quota.
  if (app.calls.todayCount("token", now) > app.settings.quotas.token) {
    return wechatError(WECHAT_ERRORS.classicTokenDailyQuotaReached);
  }
  return tokenAnswer(issueInto(state, app, "classic", now), now);
}

/** Whether a stable_token request body asks for force_refresh (decides which quota it counts against). */
export function isForceRefresh(fields: Record<string, unknown> | null): boolean {
  return fields?.force_refresh === true;
}

export function stableToken(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const grantType = textField(body.fields, "grant_type");
  const appid = textField(body.fields, "appid");
  const secret = textField(body.fields, "secret");
  const forceRefresh = body.fields.force_refresh;
  if (
    grantType === WRONG_TYPE ||
    appid === WRONG_TYPE ||
    secret === WRONG_TYPE ||
    (forceRefresh !== undefined && typeof forceRefresh !== "boolean")
  ) {
    return wechatError(WECHAT_ERRORS.dataFormatError);
  }
  const check = authenticateApp(state, { grantType, appid, secret }, call.remoteIp);
  if (!check.ok) return check.error;
  return forceRefresh === true
    ? forceRefreshStableToken(state, check.app)
    : normalStableToken(state, check.app);
}

/** Normal mode: the same token until its last 5 minutes, then a new one (the old keeps its overlap). */
function normalStableToken(state: SimulatorState, app: SimulatedApp): Response {
  const now = app.now();
  if (app.calls.todayCount("stableNormal", now) > app.settings.quotas.stableNormal) {
    return wechatError(WECHAT_ERRORS.dailyQuotaReached);
  }
  const current = app.tokens.stable.current;
  if (current && current.expiresAt - now > STABLE_RENEW_WINDOW_SECONDS * 1000)
    return tokenAnswer(current, now);
  return tokenAnswer(issueInto(state, app, "stable", now), now);
}

/**
 * Force mode: a new token whatever the current one's age, except within 30 s of the previous force
 * refresh, when WeChat "does not refresh" and the current token comes back unchanged.
 */
function forceRefreshStableToken(state: SimulatorState, app: SimulatedApp): Response {
  const now = app.now();
  if (app.calls.todayCount("stableForce", now) > app.settings.quotas.stableForce) {
    return wechatError(WECHAT_ERRORS.dailyQuotaReached);
  }
  const current = app.tokens.stable.current;
  const last = app.lastForceRefreshAt;
  const tooSoon = last !== null && now - last < STABLE_FORCE_REFRESH_MIN_INTERVAL_SECONDS * 1000;
  if (tooSoon && current && current.expiresAt > now) return tokenAnswer(current, now);
  app.lastForceRefreshAt = now;
  return tokenAnswer(issueInto(state, app, "stable", now), now);
}

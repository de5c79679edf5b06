// GET /sns/jscode2session (code2Session): a mini program's wx.login code for the user's openid and
// session_key. Authenticated by appid + secret, not by access_token. Codes come from the control API
// (POST /__sim/apps/{appid}/login-codes), as if a user had just called wx.login.

import type { SimulatedApp } from "./app.ts";
import { queryParam, type WeChatCall } from "./request.ts";
import { WECHAT_ERRORS, wechatError, wechatJson } from "./responses.ts";
import type { SimulatorState } from "./state.ts";

const LOGIN_CODE_ERRORS = {
  unknown: WECHAT_ERRORS.invalidCode,
  expired: WECHAT_ERRORS.invalidCode,
  used: WECHAT_ERRORS.codeBeenUsed,
  blocked: WECHAT_ERRORS.codeBlocked,
} as const;

/**
 * Checks, in order: appid, secret and grant_type present and right, then js_code present, known,
 * unused, younger than 5 minutes and not blocked. Success has no errcode (as the current doc says)
 * and a unionid only for users who have one; the code is then used up.
 */
export function jscode2session(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const appid = queryParam(call.query, "appid");
  const secret = queryParam(call.query, "secret");
  if (appid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  if (secret === undefined) return wechatError(WECHAT_ERRORS.appsecretMissing);
  if (call.query.get("grant_type") !== "authorization_code") {
    return wechatError(WECHAT_ERRORS.invalidGrantType);
  }
  const app = state.apps.get(appid);
  if (!app) return wechatError(WECHAT_ERRORS.invalidAppid);
  if (secret !== app.settings.secret) return wechatError(WECHAT_ERRORS.invalidAppsecret);
  return exchangeLoginCode(app, queryParam(call.query, "js_code"));
}

/**
 * The code part of code2Session, shared with the third-party platform's
 * /sns/component/jscode2session: js_code present, known, unused, younger than 5 minutes and not
 * blocked; the code is then used up.
 */
export function exchangeLoginCode(app: SimulatedApp, jsCode: string | undefined): Response {
  if (jsCode === undefined) return wechatError(WECHAT_ERRORS.codeMissing);
  const now = app.now();
  const check = app.users.checkLoginCode(jsCode, now);
  if (!check.ok) return wechatError(LOGIN_CODE_ERRORS[check.reason]);
  const code = check.code;
  code.used = true;
  const user = app.users.upsert(code.openid, {}, now);
  user.lastLoginAt = now;
  const session: Record<string, string> = { session_key: code.sessionKey, openid: user.openid };
  if (user.unionid !== null) session.unionid = user.unionid;
  return wechatJson(session);
}

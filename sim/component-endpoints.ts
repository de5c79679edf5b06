// The Open Platform's third-party platform endpoints (WECHAT.md §16):
//   POST /cgi-bin/component/api_component_token      {component_appid, component_appsecret, component_verify_ticket}
//   POST /cgi-bin/component/api_start_push_ticket    {component_appid, component_secret}
//   POST /cgi-bin/component/api_create_preauthcode   ?component_access_token=  {component_appid}
//   POST /cgi-bin/component/api_query_auth           ?component_access_token=  {component_appid, authorization_code}
//   POST /cgi-bin/component/api_authorizer_token     ?component_access_token= (or access_token=)
//                                                    {component_appid, authorizer_appid, authorizer_refresh_token}
//   POST /cgi-bin/component/api_get_authorizer_list  ?component_access_token=  {component_appid, offset, count}
//   GET  /sns/component/jscode2session ?appid=&js_code=&grant_type=authorization_code&component_appid=
//                                      &component_access_token=
//
// Errors, in the order checked: method (43002/43001), component_access_token (41001 missing,
// 40001 unknown or replaced, 42001 expired), body (44002 empty, 47001 not JSON or a field of the
// wrong type), component_appid (41002 missing, 40013 unknown or not the token's), IP whitelist
// (61004), then each endpoint's own: 41004/40125 secret, 61006 verify ticket unknown or older than
// 12 h, 45009 over the daily quota, 41008/61009/61010 authorization code missing/never issued/
// expired or used, 61003 an appid that never authorized the component, 61023 refresh token not the
// current one (old, revoked, invalidated), 40097 count outside 1..500.

import type { Authorization, SimulatedComponent } from "./component.ts";
import { pushVerifyTicket } from "./component-push.ts";
import { AUTHORIZER_LIST_MAX_COUNT } from "./limits.ts";
import { exchangeLoginCode } from "./login-endpoints.ts";
import {
  type JsonFields,
  parseJsonBody,
  queryParam,
  textField,
  tryParseJsonObject,
  type WeChatCall,
  WRONG_TYPE,
} from "./request.ts";
import {
  componentIpNotRegistered,
  WECHAT_ERRORS,
  type WeChatErrorSpec,
  wechatError,
  wechatJson,
  wechatOk,
} from "./responses.ts";
import type { SimulatorState } from "./state.ts";
import { issueInto } from "./token-endpoints.ts";
import { remainingSeconds, tokenStatus } from "./tokens.ts";

const COMPONENT_TOKEN_PATH = "/cgi-bin/component/api_component_token";

/** The component_access_token in the query: `component_access_token=`, or `access_token=` as newer docs write it. */
function componentTokenValue(query: URLSearchParams): string | undefined {
  return queryParam(query, "component_access_token") ?? queryParam(query, "access_token");
}

/** The component that was issued the token in the query (whether or not it still works). */
export function componentOwningToken(
  state: SimulatorState,
  query: URLSearchParams,
): SimulatedComponent | undefined {
  const value = componentTokenValue(query);
  const token = value ? state.componentTokens.find(value) : undefined;
  return token ? state.components.get(token.appid) : undefined;
}

/** The component named by `component_appid` in the query or the JSON body. */
export function componentNamedByAppid(
  state: SimulatorState,
  call: WeChatCall,
): SimulatedComponent | undefined {
  const appid = call.query.get("component_appid") ?? tryParseJsonObject(call.bodyText)?.component_appid;
  return typeof appid === "string" ? state.components.get(appid) : undefined;
}

type Checked<T> = { ok: true; value: T } | { ok: false; error: Response };

const fail = (spec: WeChatErrorSpec): { ok: false; error: Response } => ({
  ok: false,
  error: wechatError(spec),
});

function authenticateComponentToken(
  state: SimulatorState,
  query: URLSearchParams,
): Checked<SimulatedComponent> {
  const value = componentTokenValue(query);
  if (value === undefined) return fail(WECHAT_ERRORS.accessTokenMissing);
  const token = state.componentTokens.find(value);
  const component = token ? state.components.get(token.appid) : undefined;
  if (!token || !component) return fail(WECHAT_ERRORS.invalidCredential);
  switch (tokenStatus(token, component.now())) {
    case "valid":
      return { ok: true, value: component };
    case "expired":
      return fail(WECHAT_ERRORS.accessTokenExpired);
    case "not_latest":
      return fail(WECHAT_ERRORS.invalidCredential);
  }
}

/** Text fields of a JSON body: a field of another type is 47001, as elsewhere. */
function textFields<const N extends string>(
  fields: JsonFields,
  names: readonly N[],
): Checked<Record<N, string | undefined>> {
  const values = {} as Record<N, string | undefined>;
  for (const name of names) {
    const value = textField(fields, name);
    if (value === WRONG_TYPE) return fail(WECHAT_ERRORS.dataFormatError);
    values[name] = value;
  }
  return { ok: true, value: values };
}

/** The component a component_appid names, from an IP on its whitelist. */
function namedComponent(
  state: SimulatorState,
  appid: string | undefined,
  remoteIp: string,
): Checked<SimulatedComponent> {
  if (appid === undefined) return fail(WECHAT_ERRORS.appidMissing);
  const component = state.components.get(appid);
  if (!component) return fail(WECHAT_ERRORS.invalidAppid);
  if (!component.app.settings.whitelisted) return fail(componentIpNotRegistered(remoteIp));
  return { ok: true, value: component };
}

/**
 * What every endpoint called with a component_access_token checks first: POST, the token, a JSON
 * body, and that its component_appid is the token's component.
 */
function tokenCall<const N extends string>(
  state: SimulatorState,
  call: WeChatCall,
  names: readonly N[],
): Checked<{
  component: SimulatedComponent;
  fields: Record<N | "component_appid", string | undefined>;
  body: JsonFields;
}> {
  if (call.method !== "POST") return fail(WECHAT_ERRORS.requirePost);
  const auth = authenticateComponentToken(state, call.query);
  if (!auth.ok) return auth;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body;
  const fields = textFields(body.fields, ["component_appid", ...names]);
  if (!fields.ok) return fields;
  const named = namedComponent(state, fields.value.component_appid, call.remoteIp);
  if (!named.ok) return named;
  if (named.value !== auth.value) return fail(WECHAT_ERRORS.invalidAppid);
  return { ok: true, value: { component: auth.value, fields: fields.value, body: body.fields } };
}

/** A new component_access_token on every call; the previous one keeps its 5-minute overlap. */
export function apiComponentToken(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const fields = textFields(body.fields, [
    "component_appid",
    "component_appsecret",
    "component_verify_ticket",
  ]);
  if (!fields.ok) return fields.error;
  const { component_appid, component_appsecret, component_verify_ticket } = fields.value;
  if (component_appid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  if (component_appsecret === undefined) return wechatError(WECHAT_ERRORS.appsecretMissing);
  const component = state.components.get(component_appid);
  if (!component) return wechatError(WECHAT_ERRORS.invalidAppid);
  if (component_appsecret !== component.settings.secret) return wechatError(WECHAT_ERRORS.invalidAppsecret);
  if (!component.app.settings.whitelisted) return wechatError(componentIpNotRegistered(call.remoteIp));
  const now = component.now();
  if (component_verify_ticket === undefined || !component.isLiveTicket(component_verify_ticket, now)) {
    return wechatError(WECHAT_ERRORS.componentTicketInvalid);
  }
  // The call itself was already counted (see WeChatSimulator.handle), so "> quota" means over it.
  if (
    component.app.calls.todayCountOf(COMPONENT_TOKEN_PATH, now) > component.settings.componentTokenDailyQuota
  ) {
    return wechatError(WECHAT_ERRORS.dailyQuotaReached);
  }
  const token = state.componentTokens.issue(
    component.settings.appid,
    "component",
    now,
    component.app.settings.tokenLifetimeSeconds,
  );
  component.tokens.rotate(token, now);
  component.tokensIssued += 1;
  return wechatJson({ component_access_token: token.value, expires_in: remainingSeconds(token, now) });
}

/** Asks WeChat to push a verify ticket again: one is pushed at once (and recorded). */
export function apiStartPushTicket(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const fields = textFields(body.fields, ["component_appid", "component_secret"]);
  if (!fields.ok) return fields.error;
  const { component_appid, component_secret } = fields.value;
  if (component_appid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  if (component_secret === undefined) return wechatError(WECHAT_ERRORS.appsecretMissing);
  const component = state.components.get(component_appid);
  if (!component) return wechatError(WECHAT_ERRORS.invalidAppid);
  if (component_secret !== component.settings.secret) return wechatError(WECHAT_ERRORS.invalidAppsecret);
  if (!component.app.settings.whitelisted) return wechatError(componentIpNotRegistered(call.remoteIp));
  pushVerifyTicket(state, component);
  return wechatOk();
}

/** A single-use pre_auth_code, valid 1800 s, for the authorization page. */
export function apiCreatePreauthcode(state: SimulatorState, call: WeChatCall): Response {
  const checked = tokenCall(state, call, []);
  if (!checked.ok) return checked.error;
  const { component } = checked.value;
  const now = component.now();
  const code = component.newPreAuthCode(now);
  return wechatJson({ pre_auth_code: code.value, expires_in: Math.floor((code.expiresAt - now) / 1000) });
}

function funcInfoOf(authorization: Authorization) {
  return authorization.funcInfo.map((id) => ({ funcscope_category: { id } }));
}

/** Exchanges an authorization code (once) for the authorizer's first tokens and its refresh token. */
export function apiQueryAuth(state: SimulatorState, call: WeChatCall): Response {
  const checked = tokenCall(state, call, ["authorization_code"]);
  if (!checked.ok) return checked.error;
  const { component, fields } = checked.value;
  if (fields.authorization_code === undefined) return wechatError(WECHAT_ERRORS.codeMissing);
  const now = component.now();
  const code = component.authorizationCodes.get(fields.authorization_code);
  if (!code) return wechatError(WECHAT_ERRORS.authorizationCodeInvalid);
  const authorization = component.authorizations.get(code.authorizerAppid);
  if (code.used || code.expiresAt <= now || !authorization?.authorized) {
    return wechatError(WECHAT_ERRORS.authorizationCodeExpired);
  }
  code.used = true;
  const app = state.ensureApp(code.authorizerAppid);
  const appNow = app.now();
  const token = issueInto(state, app, "authorizer", appNow);
  return wechatJson({
    authorization_info: {
      authorizer_appid: code.authorizerAppid,
      authorizer_access_token: token.value,
      expires_in: remainingSeconds(token, appNow),
      authorizer_refresh_token: component.rotateRefreshToken(authorization),
      func_info: funcInfoOf(authorization),
    },
  });
}

/**
 * An authorizer's new access token from its refresh token. The refresh token is rotated on every
 * call unless the component is set not to (rotateRefreshTokens: false); the old one then dies.
 */
export function apiAuthorizerToken(state: SimulatorState, call: WeChatCall): Response {
  const checked = tokenCall(state, call, ["authorizer_appid", "authorizer_refresh_token"]);
  if (!checked.ok) return checked.error;
  const { component, fields } = checked.value;
  if (fields.authorizer_appid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  const authorization = component.authorizations.get(fields.authorizer_appid);
  if (!authorization) return wechatError(WECHAT_ERRORS.componentNotAuthorized);
  if (
    !authorization.authorized ||
    authorization.refreshToken === null ||
    fields.authorizer_refresh_token !== authorization.refreshToken
  ) {
    return wechatError(WECHAT_ERRORS.refreshTokenInvalid);
  }
  const app = state.ensureApp(authorization.authorizerAppid);
  const appNow = app.now();
  const token = issueInto(state, app, "authorizer", appNow);
  authorization.refreshes += 1;
  const refreshToken = component.settings.rotateRefreshTokens
    ? component.rotateRefreshToken(authorization)
    : authorization.refreshToken;
  return wechatJson({
    authorizer_access_token: token.value,
    expires_in: remainingSeconds(token, appNow),
    authorizer_refresh_token: refreshToken,
  });
}

/** The apps that authorized the component now, oldest first, with their current refresh tokens. */
export function apiGetAuthorizerList(state: SimulatorState, call: WeChatCall): Response {
  const checked = tokenCall(state, call, []);
  if (!checked.ok) return checked.error;
  const { component, body } = checked.value;
  const offset = body.offset ?? 0;
  const count = body.count;
  if (typeof offset !== "number" || typeof count !== "number")
    return wechatError(WECHAT_ERRORS.dataFormatError);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 1) {
    return wechatError(WECHAT_ERRORS.invalidArgs);
  }
  if (count > AUTHORIZER_LIST_MAX_COUNT) return wechatError(WECHAT_ERRORS.invalidArgs);
  const authorized = [...component.authorizations.values()].filter((a) => a.authorized);
  return wechatJson({
    total_count: authorized.length,
    list: authorized.slice(offset, offset + count).map((a) => ({
      authorizer_appid: a.authorizerAppid,
      // Missing while the authorization code was never exchanged.
      ...(a.refreshToken === null ? {} : { refresh_token: a.refreshToken }),
      auth_time: Math.floor(a.authTime / 1000),
    })),
  });
}

/**
 * code2Session for an authorizer mini program, authenticated by the component's token instead of
 * the app's secret; the codes are the app's own (POST /__sim/apps/{appid}/login-codes).
 */
export function componentJscode2session(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const appid = queryParam(call.query, "appid");
  if (appid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  if (call.query.get("grant_type") !== "authorization_code")
    return wechatError(WECHAT_ERRORS.invalidGrantType);
  const componentAppid = queryParam(call.query, "component_appid");
  if (componentAppid === undefined) return wechatError(WECHAT_ERRORS.appidMissing);
  if (queryParam(call.query, "component_access_token") === undefined) {
    return wechatError(WECHAT_ERRORS.accessTokenMissing);
  }
  const auth = authenticateComponentToken(state, call.query);
  if (!auth.ok) return auth.error;
  const component = auth.value;
  if (componentAppid !== component.settings.appid) return wechatError(WECHAT_ERRORS.invalidAppid);
  const app = state.apps.get(appid);
  if (!app) return wechatError(WECHAT_ERRORS.invalidAppid);
  if (!component.authorizations.get(appid)?.authorized)
    return wechatError(WECHAT_ERRORS.componentNotAuthorized);
  return exchangeLoginCode(app, queryParam(call.query, "js_code"));
}

// The WeChat endpoints the simulator knows, how each request names its app, and which counter it feeds.

import { findTokenOwner } from "./access-token.ts";
import type { SimulatedApp } from "./app.ts";
import { clearQuota, getApiDomainIp, getApiQuota, getRidInfo, getTicket } from "./business-endpoints.ts";
import type { SimulatedComponent } from "./component.ts";
import {
  apiAuthorizerToken,
  apiComponentToken,
  apiCreatePreauthcode,
  apiGetAuthorizerList,
  apiQueryAuth,
  apiStartPushTicket,
  componentJscode2session,
  componentNamedByAppid,
  componentOwningToken,
} from "./component-endpoints.ts";
import {
  AUTHORIZATION_CONFIRM_PATH,
  AUTHORIZATION_PAGE_PATHS,
  authorizationPage,
  confirmAuthorization,
} from "./component-pages.ts";
import type { CallKind } from "./counters.ts";
import { generateScheme, generateUrlLink } from "./link-endpoints.ts";
import { jscode2session } from "./login-endpoints.ts";
import { getMedia, uploadMedia } from "./media-endpoints.ts";
import { getUserInfo, sendOneTimeSubscribeMessage, sendSubscribeMessage } from "./message-endpoints.ts";
import { getUserPhoneNumber } from "./phone-endpoints.ts";
import { tryParseJsonObject, type WeChatCall } from "./request.ts";
import { msgSecCheck } from "./security-endpoints.ts";
import type { SimulatorState } from "./state.ts";
import { classicToken, isForceRefresh, stableToken } from "./token-endpoints.ts";
import { getLimitedCode, getUnlimitedCode } from "./wxacode-endpoints.ts";

export interface WeChatRoute {
  /** Token endpoints count towards maxConcurrentTokenCalls, and are not kept in the request log. */
  readonly isTokenEndpoint: boolean;
  /** Not kept in the request log either (the body carries a secret), though not a token endpoint. */
  readonly unlogged?: boolean;
  /** The app a request belongs to (for counting and faults), before any validation. */
  identifyApp(state: SimulatorState, call: WeChatCall): SimulatedApp | undefined;
  callKind(call: WeChatCall): CallKind;
  handle(state: SimulatorState, call: WeChatCall): Response | Promise<Response>;
}

/** Token endpoints name their app by appid, in the query or the JSON body. */
function appNamedByAppid(state: SimulatorState, call: WeChatCall): SimulatedApp | undefined {
  const appid = call.query.get("appid") ?? tryParseJsonObject(call.bodyText)?.appid;
  return typeof appid === "string" ? state.apps.get(appid) : undefined;
}

/** Business APIs belong to the app that owns their access_token. */
function appOwningToken(state: SimulatorState, call: WeChatCall): SimulatedApp | undefined {
  return findTokenOwner(state, call.query);
}

function businessRoute(handle: WeChatRoute["handle"], kind: CallKind = "business"): WeChatRoute {
  return { isTokenEndpoint: false, identifyApp: appOwningToken, callKind: () => kind, handle };
}

/** Third-party platform calls belong to the component that owns the token, or that they name. */
function componentApp(state: SimulatorState, call: WeChatCall): SimulatedApp | undefined {
  return (componentOwningToken(state, call.query) ?? componentNamedByAppid(state, call))?.app;
}

/** An authorizer's token refresh belongs to the authorizer (its faults, its concurrency), else the component. */
function authorizerNamedInBody(state: SimulatorState, call: WeChatCall): SimulatedApp | undefined {
  const appid = tryParseJsonObject(call.bodyText)?.authorizer_appid;
  return (typeof appid === "string" ? state.apps.get(appid) : undefined) ?? componentApp(state, call);
}

function componentRoute(handle: WeChatRoute["handle"], options: Partial<WeChatRoute> = {}): WeChatRoute {
  return {
    isTokenEndpoint: false,
    identifyApp: componentApp,
    callKind: () => "business",
    handle,
    ...options,
  };
}

/** The simulator's own pages (the authorization page): no app, nothing counted. */
function pageRoute(handle: WeChatRoute["handle"]): WeChatRoute {
  return { isTokenEndpoint: false, identifyApp: () => undefined, callKind: () => "business", handle };
}

/** The third-party platform a request names, by component_appid or by its component_access_token. */
export function componentNamedBy(state: SimulatorState, call: WeChatCall): SimulatedComponent | undefined {
  return componentOwningToken(state, call.query) ?? componentNamedByAppid(state, call);
}

/**
 * Every app a request names, by appid or by a token it was issued (a component by its
 * component_appid or component_access_token), whatever its path: what the
 * received-paths log is kept by, for paths no endpoint knows as well.
 */
export function appsNamedBy(state: SimulatorState, call: WeChatCall): SimulatedApp[] {
  const named = [
    appNamedByAppid(state, call),
    appOwningToken(state, call),
    componentNamedBy(state, call)?.app,
  ];
  return [...new Set(named.filter((app): app is SimulatedApp => app !== undefined))];
}

export const WECHAT_ROUTES: ReadonlyMap<string, WeChatRoute> = new Map<string, WeChatRoute>([
  [
    "/cgi-bin/token",
    { isTokenEndpoint: true, identifyApp: appNamedByAppid, callKind: () => "token", handle: classicToken },
  ],
  [
    "/cgi-bin/stable_token",
    {
      isTokenEndpoint: true,
      identifyApp: appNamedByAppid,
      callKind: (call) =>
        isForceRefresh(tryParseJsonObject(call.bodyText)) ? "stableForce" : "stableNormal",
      handle: stableToken,
    },
  ],
  ["/cgi-bin/ticket/getticket", businessRoute(getTicket, "ticket")],
  ["/cgi-bin/get_api_domain_ip", businessRoute(getApiDomainIp)],
  // Read when a request comes in, by which time the map is complete.
  ["/cgi-bin/openapi/quota/get", businessRoute((state, call) => getApiQuota(state, call, isKnownApi))],
  ["/cgi-bin/openapi/rid/get", businessRoute(getRidInfo)],
  ["/cgi-bin/clear_quota", businessRoute(clearQuota)],
  // Login names its app by appid + secret rather than a token, but is a business call all the same.
  [
    "/sns/jscode2session",
    {
      isTokenEndpoint: false,
      identifyApp: appNamedByAppid,
      callKind: () => "business",
      handle: jscode2session,
    },
  ],
  ["/cgi-bin/message/subscribe/send", businessRoute(sendSubscribeMessage)],
  ["/cgi-bin/message/template/subscribe", businessRoute(sendOneTimeSubscribeMessage)],
  ["/cgi-bin/user/info", businessRoute(getUserInfo)],
  ["/wxa/generate_urllink", businessRoute(generateUrlLink)],
  ["/wxa/generatescheme", businessRoute(generateScheme)],
  ["/wxa/getwxacodeunlimit", businessRoute(getUnlimitedCode)],
  ["/wxa/getwxacode", businessRoute(getLimitedCode)],
  ["/wxa/msg_sec_check", businessRoute(msgSecCheck)],
  ["/wxa/business/getuserphonenumber", businessRoute(getUserPhoneNumber)],
  ["/cgi-bin/media/upload", businessRoute(uploadMedia)],
  ["/cgi-bin/media/get", businessRoute(getMedia)],
  // Third-party platform (component-endpoints.ts).
  ["/cgi-bin/component/api_component_token", componentRoute(apiComponentToken, { isTokenEndpoint: true })],
  ["/cgi-bin/component/api_start_push_ticket", componentRoute(apiStartPushTicket, { unlogged: true })],
  ["/cgi-bin/component/api_create_preauthcode", componentRoute(apiCreatePreauthcode)],
  ["/cgi-bin/component/api_query_auth", componentRoute(apiQueryAuth)],
  [
    "/cgi-bin/component/api_authorizer_token",
    componentRoute(apiAuthorizerToken, { isTokenEndpoint: true, identifyApp: authorizerNamedInBody }),
  ],
  ["/cgi-bin/component/api_get_authorizer_list", componentRoute(apiGetAuthorizerList)],
  [
    "/sns/component/jscode2session",
    {
      isTokenEndpoint: false,
      identifyApp: appNamedByAppid,
      callKind: () => "business",
      handle: componentJscode2session,
    },
  ],
  ...AUTHORIZATION_PAGE_PATHS.map((path) => [path, pageRoute(authorizationPage)] as const),
  [AUTHORIZATION_CONFIRM_PATH, pageRoute(confirmAuthorization)],
]);

function isKnownApi(path: string): boolean {
  return WECHAT_ROUTES.has(path);
}

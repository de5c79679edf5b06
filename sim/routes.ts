// The WeChat endpoints the simulator knows, how each request names its app, and which counter it feeds.

import { findTokenOwner } from "./access-token.ts";
import type { SimulatedApp } from "./app.ts";
import { clearQuota, getApiDomainIp, getApiQuota, getRidInfo, getTicket } from "./business-endpoints.ts";
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
  /** Token endpoints count towards maxConcurrentTokenCalls. */
  readonly isTokenEndpoint: boolean;
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

/**
 * Every app a request names, by appid or by a token it was issued, whatever its path: what the
 * received-paths log is kept by, for paths no endpoint knows as well.
 */
export function appsNamedBy(state: SimulatorState, call: WeChatCall): SimulatedApp[] {
  const named = [appNamedByAppid(state, call), appOwningToken(state, call)];
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
]);

function isKnownApi(path: string): boolean {
  return WECHAT_ROUTES.has(path);
}

// A stand-in for the page a merchant opens to authorize a third-party platform, for `npm run dev`
// (WECHAT.md §16, "Authorization links"). The gateway's links point at
//   GET /cgi-bin/componentloginpage?component_appid=&pre_auth_code=&redirect_uri=&auth_type=&biz_appid=   (PC)
//   GET /safe/bindcomponent?action=bindcomponent&no_scan=1&component_appid=&pre_auth_code=&…                (mobile)
//   GET /wxaopen/safe/bindcomponent?…  (the same, as WxJava and the gateway spell it on open.weixin.qq.com)
// which here show one link, "Authorize demo app <appid>", to
//   GET /cgi-bin/componentloginpage/confirm?…&authorizer_appid=
// That uses up the pre_auth_code, authorizes the app (biz_appid, else the app the component
// authorized first, else a new wxauthdemo… app), pushes the authorized event, and redirects (302)
// to redirect_uri with auth_code and expires_in added, as WeChat does.

import type { AuthorizerType, SimulatedComponent } from "./component.ts";
import { authorizeAndPush } from "./component-authorizations.ts";
import type { WeChatCall } from "./request.ts";
import type { SimulatorState } from "./state.ts";

export const AUTHORIZATION_PAGE_PATHS = [
  "/cgi-bin/componentloginpage",
  "/safe/bindcomponent",
  // WxJava's mobile link (the gateway's), on open.weixin.qq.com.
  "/wxaopen/safe/bindcomponent",
] as const;
export const AUTHORIZATION_CONFIRM_PATH = "/cgi-bin/componentloginpage/confirm";

function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

function page(title: string, body: string, status = 200): Response {
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return new Response(html, { status, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

function errorPage(message: string): Response {
  return page("Authorization failed (WeChat simulator)", `<p>${escapeHtml(message)}</p>`, 400);
}

type PageCheck = { ok: true; component: SimulatedComponent } | { ok: false; error: Response };

function checkLink(state: SimulatorState, query: URLSearchParams): PageCheck {
  const componentAppid = query.get("component_appid") ?? "";
  const component = state.components.get(componentAppid);
  if (!component) return { ok: false, error: errorPage(`unknown component_appid "${componentAppid}"`) };
  const preAuthCode = component.preAuthCodes.get(query.get("pre_auth_code") ?? "");
  if (!preAuthCode || preAuthCode.used || preAuthCode.expiresAt <= component.now()) {
    return { ok: false, error: errorPage("the pre_auth_code is unknown, used or expired") };
  }
  return { ok: true, component };
}

/** auth_type 1 = official accounts, 2 = mini programs, 3 = both (the demo then picks a mini program). */
function authorizerType(query: URLSearchParams): AuthorizerType {
  return query.get("auth_type") === "1" ? "officialaccount" : "miniprogram";
}

function demoAuthorizerAppid(component: SimulatedComponent, query: URLSearchParams): string {
  const biz = query.get("biz_appid");
  if (biz) return biz;
  const first = component.authorizations.keys().next();
  if (!first.done) return first.value;
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0"));
  return `wxauthdemo${hex.join("")}`;
}

export function authorizationPage(state: SimulatorState, call: WeChatCall): Response {
  const check = checkLink(state, call.query);
  if (!check.ok) return check.error;
  const authorizerAppid = demoAuthorizerAppid(check.component, call.query);
  const confirm = new URLSearchParams(call.query);
  confirm.set("authorizer_appid", authorizerAppid);
  return page(
    `Authorize third-party platform ${check.component.settings.appid} (WeChat simulator)`,
    `<p><a id="authorize" href="${AUTHORIZATION_CONFIRM_PATH}?${escapeHtml(confirm.toString())}">Authorize demo app ${escapeHtml(authorizerAppid)}</a></p>`,
  );
}

export function confirmAuthorization(state: SimulatorState, call: WeChatCall): Response {
  const check = checkLink(state, call.query);
  if (!check.ok) return check.error;
  const component = check.component;
  const authorizerAppid = call.query.get("authorizer_appid") || demoAuthorizerAppid(component, call.query);
  const preAuthCode = call.query.get("pre_auth_code") ?? "";
  component.consumePreAuthCode(preAuthCode, component.now());
  const { code } = authorizeAndPush(state, component, {
    authorizerAppid,
    type: authorizerType(call.query),
    funcInfo: undefined,
    update: component.authorizations.get(authorizerAppid)?.authorized === true,
    preAuthCode,
  });
  const expiresIn = Math.ceil((code.expiresAt - component.now()) / 1000);
  const redirectUri = call.query.get("redirect_uri");
  if (!redirectUri) {
    return page(
      `Authorized ${authorizerAppid}`,
      `<p>auth_code: <code>${escapeHtml(code.value)}</code>, expires_in ${expiresIn}</p>`,
    );
  }
  const separator = redirectUri.includes("?") ? "&" : "?";
  const location = `${redirectUri}${separator}${new URLSearchParams({ auth_code: code.value, expires_in: String(expiresIn) })}`;
  return new Response(null, { status: 302, headers: { Location: location } });
}

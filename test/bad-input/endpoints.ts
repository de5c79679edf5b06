// Every endpoint that takes input, with a request it would accept and the JSON type of each field,
// so a property can break one thing at a time. Each test file registers its own apps with
// `registerApps(name)`: a mini program (with a signed-in user) and an official account.

import fc from "fast-check";
import {
  ADMIN_TOKEN,
  type MiniProgramLogin,
  miniProgramLogin,
  type RegisteredApp,
  registerApp,
} from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";
import { extraFields, type FieldKind, randomValue, rawBodyText, wrongTypeFor } from "./arbitraries.ts";

export type Apps = { mp: RegisteredApp; oa: RegisteredApp; user: MiniProgramLogin };

/** `bad-<name>-mp` / `wxbad<name>mp` and `bad-<name>-oa` / `wxbad<name>oa`. */
export async function registerApps(name: string): Promise<Apps> {
  const mp = await registerApp(`bad-${name}-mp`, `wxbad${name}mp`);
  const oa = await registerApp(`bad-${name}-oa`, `wxbad${name}oa`, { type: "officialaccount" });
  const user = await miniProgramLogin(mp);
  return { mp, oa, user };
}

export const appIdsOf = (apps: Apps) => [apps.mp.appId, apps.oa.appId];

/** Who may call: an API key, the mini-program user's session token, the admin token, or anyone. */
export type Auth = "apiKey" | "session" | "admin" | "public";
export type AppType = "miniprogram" | "officialaccount";

export type BodyEndpoint = {
  name: string;
  method: "POST" | "PUT";
  /** The path for an appKey (already a path segment). */
  path: (appKey: string) => string;
  auth: Auth;
  type: AppType;
  /** A body the endpoint accepts (it may still fail later, e.g. an unknown signInKey is a 404). */
  valid: Record<string, unknown>;
  /** The JSON type of each field the endpoint knows. */
  fields: Record<string, FieldKind>;
  /** Every field is optional, so a random object can be a valid request. */
  anyObjectIsValid: boolean;
  /** Refused with 413 over GATEWAY_BODY_LIMIT_BYTES (the §6 and QR-Auth routes). */
  bodyLimited: boolean;
};

const wechat = (endpoint: string) => (appKey: string) => `/Wechat/${appKey}/${endpoint}`;
const qr = (endpoint: string) => (appKey: string) => `/Wechat/${appKey}/QR-Auth/${endpoint}`;

const appearance: Record<string, FieldKind> = {
  env_version: "string",
  width: "number",
  auto_color: "boolean",
  line_color: "object",
  is_hyaline: "boolean",
};
const expiry: Record<string, FieldKind> = {
  expire_type: "number",
  expire_time: "number",
  expire_interval: "number",
};

/** The API v1 endpoints that take a JSON body (the others are GETs). */
export const API_V1_BODY_ENDPOINTS: BodyEndpoint[] = [
  {
    name: "SubscribeSend",
    method: "POST",
    path: wechat("SubscribeSend"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { touser: "oUser", template_id: "tmpl", data: { thing1: { value: "Order shipped" } } },
    fields: {
      touser: "string",
      template_id: "string",
      data: "object",
      page: "string",
      miniprogram_state: "string",
      lang: "string",
    },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
  {
    name: "SubscribeMSG",
    method: "POST",
    path: wechat("SubscribeMSG"),
    auth: "apiKey",
    type: "officialaccount",
    valid: {
      touser: "oUser",
      template_id: "tmpl",
      scene: "1000",
      title: "Notice",
      data: { content: { value: "hi" } },
    },
    fields: {
      touser: "string",
      template_id: "string",
      scene: "stringOrInteger",
      title: "string",
      data: "object",
      url: "string",
      miniprogram: "object",
    },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
  {
    name: "MsgSecCheck",
    method: "POST",
    path: wechat("MsgSecCheck"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { content: "hello", version: 2, scene: 2, openid: "oUser" },
    fields: {
      content: "string",
      version: "number",
      scene: "number",
      openid: "string",
      title: "string",
      nickname: "string",
      signature: "string",
    },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
  {
    name: "PhoneNumber",
    method: "POST",
    path: wechat("PhoneNumber"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { code: "a-code-nobody-issued" },
    fields: { code: "string", openid: "string" },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
  {
    name: "UrlLinkGenerate",
    method: "POST",
    path: wechat("UrlLinkGenerate"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { path: "pages/index/index", query: "id=42" },
    fields: { path: "string", query: "string", env_version: "string", ...expiry },
    anyObjectIsValid: true,
    bodyLimited: true,
  },
  {
    name: "GenerateScheme",
    method: "POST",
    path: wechat("GenerateScheme"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { jump_wxa: { path: "pages/index/index" } },
    fields: { jump_wxa: "object", ...expiry },
    anyObjectIsValid: true,
    bodyLimited: true,
  },
  {
    name: "WXACodeGetUnlimited",
    method: "POST",
    path: wechat("WXACodeGetUnlimited"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { scene: "a=1" },
    fields: { scene: "string", page: "string", check_path: "boolean", ...appearance },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
  {
    name: "WXACodeGet",
    method: "POST",
    path: wechat("WXACodeGet"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { path: "pages/index/index" },
    fields: { path: "string", ...appearance },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
];

export const QR_BODY_ENDPOINTS: BodyEndpoint[] = [
  {
    name: "QR-Auth/Initiate",
    method: "POST",
    path: qr("Initiate"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { scopes: "profile", remark: "web sign-in", scheme: "myapp" },
    fields: { scopes: "string", remark: "string", scheme: "string" },
    anyObjectIsValid: true,
    bodyLimited: true,
  },
  ...["Scan", "Confirm-Login"].map(
    (endpoint): BodyEndpoint => ({
      name: `QR-Auth/${endpoint}`,
      method: "POST",
      path: qr(endpoint),
      auth: "session",
      type: "miniprogram",
      valid: { signInKey: 1 },
      fields: { signInKey: "stringOrInteger" },
      anyObjectIsValid: false,
      bodyLimited: true,
    }),
  ),
  {
    name: "QR-Auth/Confirm-Register",
    method: "POST",
    path: qr("Confirm-Register"),
    auth: "session",
    type: "miniprogram",
    valid: { signInKey: 1, unionID: "oUnion1" },
    fields: {
      signInKey: "stringOrInteger",
      unionID: "string",
      nickName: "string",
      avatar: "string",
      email: "string",
      emailCode: "string",
      phone: "string",
      phoneCode: "string",
    },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
  {
    name: "QR-Auth/SendCode",
    method: "POST",
    path: qr("SendCode"),
    auth: "session",
    type: "miniprogram",
    valid: { channel: "email", target: "alice@example.com" },
    fields: { channel: "string", target: "string" },
    anyObjectIsValid: false,
    bodyLimited: true,
  },
];

export const REFRESH_ENDPOINT: BodyEndpoint = {
  name: "AccessToken/Refresh",
  method: "POST",
  path: wechat("AccessToken/Refresh"),
  auth: "apiKey",
  type: "miniprogram",
  valid: { access_token: "a-token-wechat-rejected" },
  fields: { access_token: "string" },
  anyObjectIsValid: false,
  bodyLimited: false,
};

/** PUT /admin/apps/{appKey}: a valid body registers, so properties only send broken ones. */
export const ADMIN_PUT_ENDPOINT: BodyEndpoint = {
  name: "admin PUT apps",
  method: "PUT",
  path: (appKey) => `/admin/apps/${appKey}`,
  auth: "admin",
  type: "miniprogram",
  valid: { appId: "wxbadnevercreated", appSecret: SECRET, type: "miniprogram", tokenMode: "stable" },
  fields: {
    appId: "string",
    appSecret: "string",
    type: "string",
    tokenMode: "string",
    profile: "object",
    qrAuth: "object",
    proxy: "object",
  },
  anyObjectIsValid: false,
  bodyLimited: false,
};

/** The §6 and QR-Auth bodies: at most 64 KB. */
export const LIMITED_BODY_ENDPOINTS = [...API_V1_BODY_ENDPOINTS, ...QR_BODY_ENDPOINTS];

export const BODY_ENDPOINTS = [...LIMITED_BODY_ENDPOINTS, REFRESH_ENDPOINT, ADMIN_PUT_ENDPOINT];

export type QueryEndpoint = {
  name: string;
  path: (appKey: string) => string;
  auth: Auth;
  type: AppType;
  /** A query the endpoint accepts. */
  valid: Record<string, string>;
};

/** 16 zero bytes in base64: a well-formed session_key / iv / block. */
const SIXTEEN_BYTES = "AAAAAAAAAAAAAAAAAAAAAA==";

export const QUERY_ENDPOINTS: QueryEndpoint[] = [
  { name: "AccessToken", path: wechat("AccessToken"), auth: "apiKey", type: "miniprogram", valid: {} },
  {
    name: "JSCode2Session",
    path: wechat("JSCode2Session"),
    auth: "public",
    type: "miniprogram",
    valid: { js_code: "a-code-nobody-issued" },
  },
  {
    name: "Decrypt",
    path: wechat("Decrypt"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { encryptedData: SIXTEEN_BYTES, iv: SIXTEEN_BYTES, sessionKey: SIXTEEN_BYTES },
  },
  {
    name: "UserInfo",
    path: wechat("UserInfo"),
    auth: "apiKey",
    type: "officialaccount",
    valid: { openid: "oUser", lang: "en" },
  },
  {
    name: "JSConfig",
    path: wechat("JSConfig"),
    auth: "apiKey",
    type: "officialaccount",
    valid: { url: "https://shop.example.com/cart", jsApiList: "chooseImage" },
  },
  { name: "QR-Auth/Code", path: qr("Code"), auth: "apiKey", type: "miniprogram", valid: { signInKey: "1" } },
  {
    name: "QR-Auth/Status",
    path: qr("Status"),
    auth: "apiKey",
    type: "miniprogram",
    valid: { signInKey: "1" },
  },
];

/** The admin routes that name an appKey, besides PUT (whose valid body would register it). */
export const ADMIN_APP_ROUTES: { name: string; method: string; path: (appKey: string) => string }[] = [
  { name: "GET app", method: "GET", path: (k) => `/admin/apps/${k}` },
  { name: "POST keys", method: "POST", path: (k) => `/admin/apps/${k}/keys` },
  { name: "GET status", method: "GET", path: (k) => `/admin/apps/${k}/status` },
  { name: "POST token/refresh", method: "POST", path: (k) => `/admin/apps/${k}/token/refresh` },
  { name: "DELETE key", method: "DELETE", path: (k) => `/admin/apps/${k}/keys/0123456789abcdef` },
  { name: "DELETE app", method: "DELETE", path: (k) => `/admin/apps/${k}` },
  { name: "GET quota", method: "GET", path: (k) => `/admin/apps/${k}/quota?cgi_path=/wxa/generate_urllink` },
  { name: "GET rid", method: "GET", path: (k) => `/admin/apps/${k}/rid/655d9278-7c157f97-69055077` },
  { name: "GET quota/clear", method: "GET", path: (k) => `/admin/apps/${k}/quota/clear` },
  { name: "POST quota/clear", method: "POST", path: (k) => `/admin/apps/${k}/quota/clear` },
];

export function appFor(apps: Apps, type: AppType): RegisteredApp {
  return type === "miniprogram" ? apps.mp : apps.oa;
}

/** The credential an endpoint wants, for the app of its type. */
export function credentialFor(apps: Apps, endpoint: { auth: Auth; type: AppType }): string | undefined {
  switch (endpoint.auth) {
    case "apiKey":
      return appFor(apps, endpoint.type).apiKey;
    case "session":
      return apps.user.session;
    case "admin":
      return ADMIN_TOKEN;
    case "public":
      return undefined;
  }
}

/** The appKey an endpoint is called for (admin PUT: an appKey nobody registers). */
export function appKeyFor(apps: Apps, endpoint: BodyEndpoint | QueryEndpoint): string {
  if ("method" in endpoint && endpoint === ADMIN_PUT_ENDPOINT) return "bad-never-registered";
  return appFor(apps, endpoint.type).appKey;
}

export function queryString(query: Record<string, string> | [string, string][]): string {
  const search = new URLSearchParams(query).toString();
  return search ? `?${search}` : "";
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a body text is a JSON object once the gateway has read it (UTF-8, BOM dropped). */
export function parsesToObject(text: string): boolean {
  try {
    return isPlainObject(JSON.parse(new TextDecoder().decode(new TextEncoder().encode(text))));
  } catch {
    return false;
  }
}

/** A body of `endpoint` with one known field of the wrong JSON type, among unknown extra fields. */
export function wrongTypedBodyFor(endpoint: BodyEndpoint): fc.Arbitrary<{ field: string; body: string }> {
  const fields = Object.keys(endpoint.fields);
  return fc
    .tuple(
      fc
        .constantFrom(...fields)
        .chain((field) => fc.tuple(fc.constant(field), wrongTypeFor(endpoint.fields[field]!))),
      extraFields,
    )
    .map(([[field, bad], extra]) => ({
      field,
      body: JSON.stringify({ ...extra, ...endpoint.valid, [field]: bad }),
    }));
}

/**
 * Random body text the endpoint must refuse: random JSON of any shape, or text that is not JSON.
 * Where every field is optional (a random object could be a valid request), objects get one known
 * field of the wrong type.
 */
export function randomBodyFor(endpoint: BodyEndpoint): fc.Arbitrary<string> {
  const fields = Object.keys(endpoint.fields);
  const poison = fc
    .constantFrom(...fields)
    .chain((field) => fc.tuple(fc.constant(field), wrongTypeFor(endpoint.fields[field]!)));
  const json = fc
    .tuple(randomValue, poison)
    .map(([value, [field, bad]]) =>
      endpoint.anyObjectIsValid && isPlainObject(value) ? { ...value, [field]: bad } : value,
    )
    .map((value) => JSON.stringify(value) ?? "undefined");
  const raw = rawBodyText.filter((text) => !endpoint.anyObjectIsValid || !parsesToObject(text));
  return fc.oneof(json, raw);
}

// Small client for the WeChat simulator started by the test harness (env.WECHAT_API_BASE).
// Every test registers its own appid: the simulator process is shared by all test files.

import { env } from "cloudflare:workers";
import { expect, inject } from "vitest";
import type { PushEnvelope } from "../../sim/component.ts";
import type {
  AuthorizeAnswer,
  ComponentView,
  OpenedMessage,
  RevokeAnswer,
  SealedMessage,
  TicketPushAnswer,
} from "../../sim/control-components.ts";
import type {
  AppPushAnswer,
  AppPushDelivery,
  AppPushEnvelope,
  AppPushRecord,
  AppPushReplayAnswer,
  AppPushSettings,
  AppPushVerifyAnswer,
  AppPushView,
  PushAttempt,
  PushFormat,
  PushMode,
} from "../../sim/control-pushes.ts";
import type { LoggedRequest } from "../../sim/request-log.ts";
import type { RidRecord as RidRequest } from "../../sim/rid-log.ts";
import type { TokenSlotName } from "../../sim/tokens.ts";

export type {
  AppPushAnswer,
  AppPushDelivery,
  AppPushEnvelope,
  AppPushRecord,
  AppPushReplayAnswer,
  AppPushSettings,
  AppPushVerifyAnswer,
  AppPushView,
  AuthorizeAnswer,
  ComponentView,
  LoggedRequest,
  PushAttempt,
  PushEnvelope,
  PushFormat,
  PushMode,
  TicketPushAnswer,
};

export const SIM_BASE: string = env.WECHAT_API_BASE;
export const SECRET = "sim-test-secret";
/** The simulator checks /__sim/codes signatures with this; the worker under test signs with it too. */
export const CODE_WEBHOOK_SECRET: string = inject("codeWebhookSecret");

export interface WeChatAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  ticket?: string;
  ip_list?: string[];
  quota?: { daily_limit: number; used: number; remain: number };
  rate_limit?: { call_count: number; refresh_second: number };
  // openapi/rid/get
  request?: RidRequest;
  // jscode2session, user/info
  session_key?: string;
  openid?: string;
  unionid?: string;
  subscribe?: 0 | 1;
  subscribe_time?: number;
  // subscribe/send (msgid loses digits as a JS number: read the raw text when it matters)
  msgid?: number;
  // generate_urllink, generatescheme
  url_link?: string;
  openlink?: string;
  // msg_sec_check v2
  result?: { suggest: string; label: number };
  detail?: {
    strategy: string;
    errcode: number;
    suggest: string;
    label: number;
    prob?: number;
    keyword?: string;
  }[];
  trace_id?: string;
  // getuserphonenumber
  phone_info?: PhoneInfo;
  // media/upload (no errcode on success)
  type?: string;
  media_id?: string;
  created_at?: number;
  // third-party platform (component) endpoints
  component_access_token?: string;
  pre_auth_code?: string;
  authorization_info?: {
    authorizer_appid: string;
    authorizer_access_token: string;
    expires_in: number;
    authorizer_refresh_token: string;
    func_info: { funcscope_category: { id: number } }[];
  };
  authorizer_access_token?: string;
  authorizer_refresh_token?: string;
  total_count?: number;
  list?: { authorizer_appid: string; refresh_token?: string; auth_time: number }[];
}

/** A third-party platform's credentials, the defaults of sim.registerComponent. */
export const COMPONENT_SECRET = "sim-component-secret";
export const COMPONENT_TOKEN = "simcomponenttoken";
export const COMPONENT_AES_KEY = "SimComponentEncodingAESKey0123456789abcdefg";

export interface ComponentOptions {
  secret?: string;
  token?: string;
  encodingAESKey?: string;
  /** Where the simulator POSTs pushes (tests usually deliver them themselves); null = none. */
  pushUrl?: string | null;
  /** Default true: every api_authorizer_token hands back a new refresh token. */
  rotateRefreshTokens?: boolean;
  componentTokenDailyQuota?: number;
  /** false: every component call gets 61004. */
  whitelisted?: boolean;
}

export interface AuthorizationGrant {
  authorizerAppid: string;
  type?: "miniprogram" | "officialaccount";
  funcInfo?: number[];
  /** updateauthorized instead of authorized. */
  update?: boolean;
  /** A pre_auth_code from api_create_preauthcode to use up (else the simulator makes one). */
  preAuthCode?: string;
}

/** PUT /__sim/apps/{appid}/push: what the app set in WeChat's console for its pushes. */
export interface PushSettingsInput {
  /** The server URL WeChat POSTs to; null or absent = pushes are only built, for the test to deliver. */
  url?: string | null;
  /** Required the first time. */
  token?: string;
  /** Required for compatible and safe mode. */
  encodingAESKey?: string | null;
  mode?: PushMode;
  format?: PushFormat;
  /** The app's original id (gh_…), every push's ToUserName; by default one derived from the appid. */
  originalId?: string;
  /** How long each of WeChat's three tries waits for the answer: 5000 (the most) unless shortened. */
  deadlineMs?: number;
  /** Default true (official accounts): the sender's openid is also in the query. */
  openidInQuery?: boolean;
}

/** POST /__sim/apps/{appid}/push/message */
export interface PushMessageInput {
  type: "text" | "image" | "event";
  /** text */
  content?: string;
  /** image */
  picUrl?: string;
  mediaId?: string;
  /** text and image: a 64-bit integer as its digits; random when absent. */
  msgId?: string;
  /** event: "subscribe" (default), "unsubscribe", "LOCATION", "CLICK", "VIEW", … */
  event?: string;
  eventKey?: string;
  latitude?: number;
  longitude?: number;
  precision?: number;
  /** The sender's openid; a new user when absent. */
  fromUser?: string;
  /** Unix seconds; the app's clock now when absent. */
  createTime?: number;
  /** The query's timestamp (unix seconds as text) and nonce; now and random when absent. */
  timestamp?: string;
  nonce?: string;
  /** Further fields, appended in this order. */
  fields?: Record<string, string | number>;
}

export interface AppOptions {
  secret?: string;
  tokenLifetimeSeconds?: number;
  whitelisted?: boolean;
  quotas?: {
    token?: number;
    stableNormal?: number;
    stableForce?: number;
    ticket?: number;
    /** URL links + schemes per day. */
    links?: number;
    wxacodeUnlimitPerMinute?: number;
    wxacodeDaily?: number;
    wxacodeTotal?: number;
  };
  /** false: links and schemes answer 85079. */
  published?: boolean;
  /** Replaces the app's pages. */
  pages?: string[];
  /** Merged into the app's templates: id -> data keys; null removes one. */
  templates?: Record<string, string[] | null>;
  /** Replaces msg_sec_check's risky words. */
  riskyWords?: string[];
}

export interface FaultSpec {
  kind: "busy" | "busy1000" | "http500" | "garbage" | "slow" | "drop" | "errcode" | "contentType";
  times?: number;
  paths?: string[];
  delayMs?: number;
  errcode?: number;
  errmsg?: string;
  /** For "contentType": the Content-Type successful answers get; "" = none at all. */
  contentType?: string;
}

/** What POST /__sim/apps/{appid}/login-codes answers. */
export interface LoginCode {
  code: string;
  openid: string;
  session_key: string;
  unionid: string | null;
  blocked: boolean;
  /** App-clock ms. */
  expiresAt: number;
}

/** A phone number as WeChat's phone_info has it, without the watermark. */
export interface SimPhone {
  /** With the country code ("+1 4155550123") outside mainland China. */
  phoneNumber: string;
  purePhoneNumber: string;
  /** A string, as WeChat sends it. */
  countryCode: string;
}

/** getuserphonenumber's phone_info: the number and when (unix seconds) and for which app it was shared. */
export interface PhoneInfo extends SimPhone {
  watermark: { timestamp: number; appid: string };
}

/** What a control call seeds a phone number with: countryCode defaults to "86". */
export interface PhoneSeed {
  purePhoneNumber: string;
  countryCode?: string;
}

/** What POST /__sim/apps/{appid}/phone-codes answers. */
export interface PhoneCode {
  code: string;
  openid: string;
  phone: SimPhone;
  /** App-clock ms. */
  expiresAt: number;
}

export interface Authorization {
  template_id: string;
  /** null for a mini-program subscribe authorization, the scene for an official-account one. */
  scene: string | null;
  remaining: number;
}

export interface SimUser {
  openid: string;
  unionid: string | null;
  subscribe: 0 | 1;
  /** Unix seconds. */
  subscribeTime: number;
  /** From the user's latest login code; null if none was issued. */
  session_key: string | null;
  /** App-clock ms of the latest successful jscode2session. */
  lastLoginAt: number | null;
  /** The number getuserphonenumber tells; null if the user has none. */
  phone: SimPhone | null;
  authorizations: Authorization[];
}

export interface SentMessage {
  path: string;
  /** subscribe/send's msgid with all its digits; null for template/subscribe. */
  msgid: string | null;
  touser: string;
  template_id: string;
  data: unknown;
  /** subscribe/send's page, or template/subscribe's miniprogram.pagepath. */
  page: string | null;
  /** template/subscribe's scene as text. */
  scene: string | null;
  sentAt: number;
  body: Record<string, unknown>;
}

/** One uploaded temporary media file as GET /__sim/apps/{appid} lists it (no bytes). */
export interface SimMedia {
  media_id: string;
  type: "image" | "voice" | "video" | "thumb";
  /** The Content-Type of the upload's `media` part, which media/get answers with. */
  contentType: string;
  filename: string;
  /** Bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the stored bytes (compare with sha256Hex). */
  sha256: string;
}

/** The body the gateway's verification-code webhook sends. */
export interface CodeWebhookBody {
  appKey: string;
  channel: "email" | "phone";
  target: string;
  code: string;
  expiresAt: string;
  ttlSeconds: number;
}

/** One POST the simulator's /__sim/codes receiver got (GET /__sim/codes). */
export interface ReceivedCode {
  /** Simulator-clock ms. */
  receivedAt: number;
  /** X-Gateway-Event, null when absent. */
  event: string | null;
  /** X-Gateway-Signature as sent, null when absent. */
  signature: string | null;
  /** false for a wrong, malformed or stale (> 300 s) signature; null if the simulator had no secret. */
  signatureValid: boolean | null;
  /** The parsed JSON body; null when it was not JSON. */
  body: CodeWebhookBody | null;
  bodyText: string;
}

interface TokenView {
  token: string;
  issuedAt: number;
  expiresAt: number;
  expiresInSeconds: number;
}
type Counts = Record<"token" | "stableNormal" | "stableForce" | "ticket" | "business", number>;
type IssueCounts = Record<"links" | "wxacode" | "wxacodeUnlimit", number>;

export interface AppState {
  appid: string;
  /** Successful clear_quota calls in the app's China-time month. */
  clearQuotaUsedThisMonth: number;
  now: number;
  clockOffsetSeconds: number;
  calls: Counts & { byPath: Record<string, number> };
  /**
   * "METHOD path" -> count: every request naming the app (its appid, or a token it was issued),
   * unknown paths too, the path exactly as sent on the wire; "(other paths)" past 10,000 distinct.
   */
  received: Record<string, number>;
  callsToday: Counts;
  /** Links and codes generated (what their quotas count). */
  issued: { today: IssueCounts; total: IssueCounts };
  users: SimUser[];
  /** Last 50 delivered subscribe messages, oldest first. */
  messages: SentMessage[];
  /** Last 50 business requests (not token calls), oldest first. */
  requests: LoggedRequest[];
  /** Uploaded media media/get still serves (the last 100, each for 3 days), oldest first. */
  media: SimMedia[];
  tokenCallsInFlight: number;
  maxConcurrentTokenCalls: number;
  tokens: Record<
    TokenSlotName,
    { current: TokenView | null; previous: { token: string; graceUntil: number } | null }
  >;
  ticket: { ticket: string; issuedAt: number; expiresAt: number } | null;
}

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  return fetch(`${SIM_BASE}/__sim${path}`, init);
}

async function controlOk<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await control(method, path, body);
  if (!res.ok) throw new Error(`${method} /__sim${path} -> ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A control call whose outcome the test inspects itself (the body is always read). */
async function controlRaw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await control(method, path, body);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const sim = {
  raw: controlRaw,
  registerApp: (appid: string, options: AppOptions = {}) =>
    controlOk<unknown>("PUT", `/apps/${appid}`, { secret: SECRET, ...options }),
  state: (appid: string) => controlOk<AppState>("GET", `/apps/${appid}`),
  advance: (appid: string, seconds: number) =>
    controlOk<unknown>("POST", `/apps/${appid}/advance`, { seconds }),
  invalidate: (appid: string, slot?: TokenSlotName | "all") =>
    controlOk<unknown>("POST", `/apps/${appid}/invalidate`, slot ? { slot } : {}),
  queueFault: (appid: string, fault: FaultSpec) => controlOk<unknown>("POST", `/apps/${appid}/faults`, fault),
  clearFaults: (appid: string) => controlOk<unknown>("DELETE", `/apps/${appid}/faults`),
  startOutage: (appid: string, fault: FaultSpec) => controlOk<unknown>("PUT", `/apps/${appid}/outage`, fault),
  endOutage: (appid: string) => controlOk<unknown>("DELETE", `/apps/${appid}/outage`),
  /** A wx.login code for a new user, or for `openid` (created if unknown). */
  loginCode: (appid: string, options: { openid?: string; unionid?: string | null; blocked?: boolean } = {}) =>
    controlOk<LoginCode>("POST", `/apps/${appid}/login-codes`, options),
  /**
   * A getPhoneNumber code for `openid` (a new user if none; created if unknown), sharing `phone` if
   * given, else the user's number, else a generated mainland one (which becomes theirs).
   */
  phoneCode: (appid: string, options: { openid?: string; phone?: PhoneSeed } = {}) =>
    controlOk<PhoneCode>("POST", `/apps/${appid}/phone-codes`, options),
  putUser: (
    appid: string,
    openid: string,
    changes: { unionid?: string | null; subscribe?: 0 | 1; phone?: PhoneSeed | null } = {},
  ) => controlOk<SimUser>("PUT", `/apps/${appid}/users/${openid}`, changes),
  user: (appid: string, openid: string) => controlOk<SimUser>("GET", `/apps/${appid}/users/${openid}`),
  /** Lets the app send `count` messages of the template to the user (with a scene: official-account one-time). */
  authorize: (
    appid: string,
    openid: string,
    grant: { template_id: string; scene?: string | number; count?: number },
  ) =>
    controlOk<{ openid: string; authorizations: Authorization[] }>(
      "POST",
      `/apps/${appid}/users/${openid}/authorizations`,
      grant,
    ),
  /** What wx.getUserInfo hands the mini program: `data` + watermark sealed with the user's session_key. */
  encryptedData: (appid: string, openid: string, data?: object) =>
    controlOk<{ encryptedData: string; iv: string; plaintext: string }>(
      "POST",
      `/apps/${appid}/users/${openid}/encrypted-data`,
      data === undefined ? {} : { data },
    ),
  messages: async (appid: string) => (await controlOk<AppState>("GET", `/apps/${appid}`)).messages,
  requests: async (appid: string) => (await controlOk<AppState>("GET", `/apps/${appid}`)).requests,
  /** The app's uploaded media with size and SHA-256, oldest first (what media/get still serves). */
  media: async (appid: string) => (await controlOk<AppState>("GET", `/apps/${appid}`)).media,
  /** Verification codes the gateway posted to its webhook (the last 200), oldest first; only `target`'s if given. */
  codes: async (target?: string) => {
    const query = target === undefined ? "" : `?${new URLSearchParams({ target })}`;
    return (await controlOk<{ codes: ReceivedCode[] }>("GET", `/codes${query}`)).codes;
  },
  /** Forgets every received code, for all test files: prefer a target of your own with codes(target). */
  clearCodes: () => controlOk<{ codes: [] }>("DELETE", "/codes"),

  // ---- an app's own pushes (消息推送) ----
  /** Sets (or changes) the app's push settings as in WeChat's console. */
  setPush: (appid: string, settings: PushSettingsInput) =>
    controlOk<AppPushSettings>("PUT", `/apps/${appid}/push`, settings),
  /** The push settings and the last 50 pushes with their delivery. */
  pushes: (appid: string) => controlOk<AppPushView>("GET", `/apps/${appid}/push`),
  /**
   * One message or event pushed as WeChat would send it: the envelope, and with a push url how
   * its (up to three) tries went; settles when the tries end.
   */
  pushMessage: (appid: string, message: PushMessageInput) =>
    controlOk<AppPushAnswer>("POST", `/apps/${appid}/push/message`, message),
  /** Re-sends an envelope as is (byte for byte) to the app's push url, or to `url`. */
  replayPush: (appid: string, envelope: AppPushEnvelope, url?: string) =>
    controlOk<AppPushReplayAnswer>(
      "POST",
      `/apps/${appid}/push/replay`,
      url === undefined ? { envelope } : { envelope, url },
    ),

  /**
   * The URL check WeChat's console makes when the server URL is saved: a signed GET with echostr,
   * sent to the push url (or `url`) if there is one, else only built for the test to send.
   */
  verifyPushUrl: (
    appid: string,
    options: { url?: string; timestamp?: string; nonce?: string; echostr?: string } = {},
  ) => controlOk<AppPushVerifyAnswer>("POST", `/apps/${appid}/push/verify`, options),

  // ---- third-party platforms (component) ----
  /** Registers (or updates) a third-party platform with the test credentials unless told otherwise. */
  registerComponent: (appid: string, options: ComponentOptions = {}) =>
    controlOk<ComponentView>("PUT", `/components/${appid}`, {
      secret: COMPONENT_SECRET,
      token: COMPONENT_TOKEN,
      encodingAESKey: COMPONENT_AES_KEY,
      ...options,
    }),
  component: (appid: string) => controlOk<ComponentView>("GET", `/components/${appid}`),
  /** A new verify ticket, and the encrypted push that carries it (for the test to deliver). */
  pushVerifyTicket: (componentAppid: string) =>
    controlOk<TicketPushAnswer>("POST", `/components/${componentAppid}/ticket`),
  /** The merchant authorizes the component: an authorization code and the encrypted authorized event. */
  authorizeApp: (componentAppid: string, grant: AuthorizationGrant) =>
    controlOk<AuthorizeAnswer>("POST", `/components/${componentAppid}/authorize`, grant),
  /** The merchant revokes: the encrypted unauthorized event; its refresh token and tokens die. */
  revokeApp: (componentAppid: string, authorizerAppid: string) =>
    controlOk<RevokeAnswer>("POST", `/components/${componentAppid}/revoke`, { authorizerAppid }),
  /**
   * The authorizer's refresh token stops working (61023); another takes its place (shown by
   * api_get_authorizer_list) unless `replacement` is false.
   */
  invalidateRefreshToken: (componentAppid: string, authorizerAppid: string, replacement?: boolean) =>
    controlOk<{ authorizerAppid: string; refreshToken: string | null }>(
      "POST",
      `/components/${componentAppid}/invalidate-refresh-token`,
      replacement === undefined ? { authorizerAppid } : { authorizerAppid, replacement },
    ),
  /** WXBizMsgCrypt on the simulator's Node crypto: `xml` as a push to `appid`'s receiver. */
  sealMessage: (message: {
    token: string;
    encodingAESKey: string;
    appid: string;
    xml: string;
    timestamp?: string;
    nonce?: string;
    /** 16 bytes of text for the random prefix (WeChat's sample vectors fix it). */
    random?: string;
  }) => controlOk<SealedMessage>("POST", "/msg-crypt/encrypt", message),
  /** Opens an Encrypt text on the simulator's Node crypto; checks msg_signature when all its parts are given. */
  openMessage: (message: {
    encodingAESKey: string;
    encrypt: string;
    token?: string;
    timestamp?: string;
    nonce?: string;
    msg_signature?: string;
  }) => controlOk<OpenedMessage>("POST", "/msg-crypt/decrypt", message),
};

/** The Encrypt text of a push body. */
export function encryptOf(push: PushEnvelope): string {
  const match = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(push.body);
  if (!match?.[1]) throw new Error(`no Encrypt in ${push.body}`);
  return match[1];
}

/** A URL of the simulator's slow server: it answers `answer` ("success") with `status` (200) after `ms`. */
export function slowServerUrl(ms: number, options: { status?: number; answer?: string } = {}): string {
  const query = new URLSearchParams({ ms: String(ms) });
  if (options.status !== undefined) query.set("status", String(options.status));
  if (options.answer !== undefined) query.set("answer", options.answer);
  return `${SIM_BASE}/__sim/slow-server?${query}`;
}

/** An app's push as WeChat POSTs it to `url` (the gateway's /push/{appKey}): the query added, the body as is. */
export function appPushRequest(url: string, push: AppPushEnvelope): Request {
  const target = new URL(url);
  for (const [name, value] of Object.entries(push.query)) target.searchParams.set(name, value);
  return new Request(target, {
    method: "POST",
    headers: { "Content-Type": push.contentType },
    body: push.body,
  });
}

/** POSTs an encrypted push to a receiver URL (the gateway's events endpoint), as WeChat does. */
export function pushRequest(url: string, push: PushEnvelope): Request {
  const target = new URL(url);
  for (const [name, value] of Object.entries(push.query)) target.searchParams.set(name, value);
  return new Request(target, { method: "POST", headers: { "Content-Type": "text/xml" }, body: push.body });
}

/** POSTs to a component endpoint with the component token in the query (as `tokenParam`). */
export async function postComponent(
  path: string,
  componentToken: string,
  body: unknown,
  tokenParam: "component_access_token" | "access_token" = "component_access_token",
): Promise<WeChatAnswer> {
  const query = new URLSearchParams({ [tokenParam]: componentToken });
  const res = await fetch(`${SIM_BASE}/cgi-bin/component/${path}?${query}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return res.json();
}

/** POST /cgi-bin/component/api_component_token with the test secret unless told otherwise. */
export async function fetchComponentToken(
  componentAppid: string,
  ticket: string | undefined,
  secret = COMPONENT_SECRET,
): Promise<WeChatAnswer> {
  const res = await fetch(`${SIM_BASE}/cgi-bin/component/api_component_token`, {
    method: "POST",
    body: JSON.stringify({
      component_appid: componentAppid,
      component_appsecret: secret,
      component_verify_ticket: ticket,
    }),
  });
  return res.json();
}

/** Registers a component (with options), pushes it a verify ticket and returns a working component_access_token. */
export async function componentWithToken(
  componentAppid: string,
  options: ComponentOptions = {},
): Promise<string> {
  await sim.registerComponent(componentAppid, options);
  const { ticket } = await sim.pushVerifyTicket(componentAppid);
  const { component_access_token } = await fetchComponentToken(componentAppid, ticket);
  if (!component_access_token) throw new Error(`no component token for ${componentAppid}`);
  return component_access_token;
}

/**
 * A component with a token, and `authorizerAppid` authorized and exchanged: the authorizer's first
 * access token and refresh token, as api_query_auth handed them out.
 */
export async function authorizedApp(
  componentAppid: string,
  authorizerAppid: string,
  options: ComponentOptions = {},
): Promise<{ componentToken: string; accessToken: string; refreshToken: string }> {
  const componentToken = await componentWithToken(componentAppid, options);
  const { authCode } = await sim.authorizeApp(componentAppid, { authorizerAppid });
  const { authorization_info: info } = await postComponent("api_query_auth", componentToken, {
    component_appid: componentAppid,
    authorization_code: authCode,
  });
  if (!info) throw new Error(`no authorization_info for ${authorizerAppid}`);
  return {
    componentToken,
    accessToken: info.authorizer_access_token,
    refreshToken: info.authorizer_refresh_token,
  };
}

export function classicTokenUrl(appid: string, secret = SECRET): string {
  const query = new URLSearchParams({ grant_type: "client_credential", appid, secret });
  return `${SIM_BASE}/cgi-bin/token?${query}`;
}

export async function fetchClassicToken(
  appid: string,
  secret = SECRET,
  init?: RequestInit,
): Promise<WeChatAnswer> {
  return (await fetch(classicTokenUrl(appid, secret), init)).json();
}

export function stableTokenRequest(appid: string, options: { forceRefresh?: boolean; secret?: string } = {}) {
  const body: Record<string, unknown> = {
    grant_type: "client_credential",
    appid,
    secret: options.secret ?? SECRET,
  };
  if (options.forceRefresh !== undefined) body.force_refresh = options.forceRefresh;
  return new Request(`${SIM_BASE}/cgi-bin/stable_token`, { method: "POST", body: JSON.stringify(body) });
}

export async function fetchStableToken(
  appid: string,
  options: { forceRefresh?: boolean; secret?: string } = {},
): Promise<WeChatAnswer> {
  return (await fetch(stableTokenRequest(appid, options))).json();
}

/** A cheap real business API: succeeds only with a working access_token. */
export async function useToken(token: string | undefined): Promise<WeChatAnswer> {
  const query = token === undefined ? "" : `?access_token=${encodeURIComponent(token)}`;
  return (await fetch(`${SIM_BASE}/cgi-bin/get_api_domain_ip${query}`)).json();
}

/** errcode of a business call made with the token: 0 when it works. */
export async function errcodeWith(token: string | undefined): Promise<number> {
  return (await useToken(token)).errcode ?? 0;
}

export async function fetchTicket(token: string, type = "jsapi"): Promise<WeChatAnswer> {
  const query = new URLSearchParams({ access_token: token, type });
  return (await fetch(`${SIM_BASE}/cgi-bin/ticket/getticket?${query}`)).json();
}

export async function postBusiness(path: string, token: string, body: unknown): Promise<WeChatAnswer> {
  const res = await fetch(`${SIM_BASE}${path}?access_token=${encodeURIComponent(token)}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return res.json();
}

/** Registers the app (with options) and returns a working classic access_token for it. */
export async function appWithToken(appid: string, options: AppOptions = {}): Promise<string> {
  await sim.registerApp(appid, options);
  const { access_token } = await fetchClassicToken(appid);
  if (!access_token) throw new Error(`no token for ${appid}`);
  return access_token;
}

/** `${SIM_BASE}${path}?access_token=...&...query`. */
export function businessUrl(path: string, token: string, query: Record<string, string> = {}): string {
  return `${SIM_BASE}${path}?${new URLSearchParams({ access_token: token, ...query })}`;
}

/** A POST whose answer the test reads itself (images, raw JSON text, headers). */
export function postRaw(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(businessUrl(path, token), {
    method: "POST",
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function getBusiness(
  path: string,
  token: string,
  query: Record<string, string> = {},
): Promise<WeChatAnswer> {
  return (await fetch(businessUrl(path, token, query))).json();
}

/** GET /sns/jscode2session with the test secret unless told otherwise. */
export async function jscode2session(
  appid: string,
  jsCode: string | undefined,
  options: { secret?: string; grantType?: string } = {},
): Promise<WeChatAnswer> {
  const query = new URLSearchParams({
    appid,
    secret: options.secret ?? SECRET,
    grant_type: options.grantType ?? "authorization_code",
  });
  if (jsCode !== undefined) query.set("js_code", jsCode);
  return (await fetch(`${SIM_BASE}/sns/jscode2session?${query}`)).json();
}

/** Lowercase hex SHA-256: compare digests, not large byte arrays (their diffs are very slow). */
export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A FormData holding `bytes` as the `media` file part, as /cgi-bin/media/upload wants it. */
export function mediaForm(bytes: Uint8Array, filename: string, contentType: string): FormData {
  const form = new FormData();
  form.append("media", new Blob([bytes], { type: contentType }), filename);
  return form;
}

/** POST /cgi-bin/media/upload?type= with `body` (a FormData from mediaForm, or anything else to test errors). */
export function uploadMedia(token: string, type: string, body: BodyInit): Promise<Response> {
  return fetch(businessUrl("/cgi-bin/media/upload", token, { type }), { method: "POST", body });
}

/** GET /cgi-bin/media/get?media_id=; the test reads the answer itself (bytes or JSON). */
export function getMedia(token: string, mediaId: string): Promise<Response> {
  return fetch(businessUrl("/cgi-bin/media/get", token, { media_id: mediaId }));
}

/** WeChat error messages end with a request id like "rid: 655d9278-7c157f97-69055077". */
export const RID_SUFFIX = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/**
 * expires_in counts whole seconds left and real milliseconds pass between calls, so a value
 * computed from an advanced clock may read one second lower than the exact arithmetic.
 */
export function expectSecondsLeft(actual: number | undefined, expected: number): void {
  expect(actual).toBeGreaterThanOrEqual(expected - 1);
  expect(actual).toBeLessThanOrEqual(expected);
}

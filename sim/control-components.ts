// Control API for third-party platforms (see control.ts for the whole list): register one, push it
// a verify ticket, authorize or revoke an app as its merchant would, spoil a refresh token, read its
// state; and WXBizMsgCrypt on the simulator's (Node crypto) implementation, for tests that build
// or open pushes themselves.
//
// Every push is answered as WeChat would send it, {query: {timestamp, nonce, encrypt_type: "aes",
// msg_signature}, body: "<xml><AppId>…</AppId><Encrypt>…</Encrypt></xml>"}, for the test to deliver
// to the gateway; with a pushUrl the simulator POSTs it there too and says what came back in
// `delivered` ({status, body} or {error}; null without a pushUrl).

import type {
  AuthorizerType,
  ComponentRegistration,
  PushDelivery,
  PushEnvelope,
  PushRecord,
  SimulatedComponent,
} from "./component.ts";
import { authorizeAndPush, revokeAndPush } from "./component-authorizations.ts";
import { pushVerifyTicket, type SentPush, sealEnvelope } from "./component-push.ts";
import {
  type Body,
  ControlError,
  json,
  optionalBoolean,
  optionalInteger,
  optionalString,
} from "./control-body.ts";
import { decryptMessage, isEncodingAESKey, messageSignature } from "./msg-crypt.ts";
import type { SimulatorState } from "./state.ts";
import type { IssuedToken, TokenSlot } from "./tokens.ts";

// ---- views ----

interface AuthorizerView {
  authorizerAppid: string;
  type: AuthorizerType;
  funcInfo: number[];
  /** false once revoked. */
  authorized: boolean;
  /** Component-clock ms of the latest authorization. */
  authTime: number;
  /** The one that works now; null before the code is exchanged, once revoked or dropped. */
  refreshToken: string | null;
  /** Successful api_authorizer_token calls for this authorizer. */
  refreshes: number;
}

export interface ComponentView {
  appid: string;
  pushUrl: string | null;
  rotateRefreshTokens: boolean;
  componentTokenDailyQuota: number;
  /** false: calls from any IP get 61004 (the component app's whitelisted setting). */
  whitelisted: boolean;
  /** The component's clock (POST /__sim/apps/{appid}/advance moves it). */
  now: number;
  /** The newest verify ticket still valid, null if none. */
  ticket: { ticket: string; issuedAt: number; expiresAt: number } | null;
  /** Tickets pushed less than 12 h ago (any of them is accepted). */
  liveTickets: number;
  ticketsIssued: number;
  tokens: {
    current: { token: string; issuedAt: number; expiresAt: number; expiresInSeconds: number } | null;
    previous: { token: string; graceUntil: number } | null;
  };
  /** component_access_tokens issued. */
  tokensIssued: number;
  /** Requests naming the component (its appid or its token) per endpoint, faults and errors included. */
  calls: {
    componentToken: number;
    startPushTicket: number;
    preAuthCode: number;
    queryAuth: number;
    authorizerToken: number;
    authorizerList: number;
    jscode2session: number;
    byPath: Record<string, number>;
  };
  /** In the order they first authorized, revoked ones too. */
  authorizers: AuthorizerView[];
  /** The last 50 pushes, oldest first. */
  pushes: PushRecord[];
}

function describeTokens(slot: TokenSlot, now: number): ComponentView["tokens"] {
  const current = (t: IssuedToken) => ({
    token: t.value,
    issuedAt: t.issuedAt,
    expiresAt: t.expiresAt,
    expiresInSeconds: Math.floor((t.expiresAt - now) / 1000),
  });
  return {
    current: slot.current ? current(slot.current) : null,
    previous: slot.previous ? { token: slot.previous.value, graceUntil: slot.previous.diesAt } : null,
  };
}

export function describeComponent(component: SimulatedComponent): ComponentView {
  const now = component.now();
  const live = component.liveTickets(now);
  const newest = live[live.length - 1];
  const calls = (endpoint: string) => component.calls[endpoint] ?? 0;
  const s = component.settings;
  return {
    appid: s.appid,
    pushUrl: s.pushUrl,
    rotateRefreshTokens: s.rotateRefreshTokens,
    componentTokenDailyQuota: s.componentTokenDailyQuota,
    whitelisted: component.app.settings.whitelisted,
    now,
    ticket: newest ? { ticket: newest.value, issuedAt: newest.issuedAt, expiresAt: newest.expiresAt } : null,
    liveTickets: live.length,
    ticketsIssued: component.ticketsIssued,
    tokens: describeTokens(component.tokens, now),
    tokensIssued: component.tokensIssued,
    calls: {
      componentToken: calls("/cgi-bin/component/api_component_token"),
      startPushTicket: calls("/cgi-bin/component/api_start_push_ticket"),
      preAuthCode: calls("/cgi-bin/component/api_create_preauthcode"),
      queryAuth: calls("/cgi-bin/component/api_query_auth"),
      authorizerToken: calls("/cgi-bin/component/api_authorizer_token"),
      authorizerList: calls("/cgi-bin/component/api_get_authorizer_list"),
      jscode2session: calls("/sns/component/jscode2session"),
      byPath: { ...component.calls },
    },
    authorizers: [...component.authorizations.values()].map((a) => ({
      authorizerAppid: a.authorizerAppid,
      type: a.type,
      funcInfo: [...a.funcInfo],
      authorized: a.authorized,
      authTime: a.authTime,
      refreshToken: a.refreshToken,
      refreshes: a.refreshes,
    })),
    pushes: component.pushes.list(),
  };
}

// ---- answers ----

/** POST /__sim/components/{appid}/ticket */
export interface TicketPushAnswer extends PushEnvelope {
  ticket: string;
  /** Unix seconds, the event's CreateTime. */
  createTime: number;
  /** Component-clock ms. */
  expiresAt: number;
  delivered: PushDelivery | null;
}

/** POST /__sim/components/{appid}/authorize */
export interface AuthorizeAnswer {
  authorizerAppid: string;
  infoType: "authorized" | "updateauthorized";
  authCode: string;
  /** Component-clock ms (the event's AuthorizationCodeExpiredTime is this in seconds). */
  expiresAt: number;
  preAuthCode: string;
  push: PushEnvelope;
  delivered: PushDelivery | null;
}

/** POST /__sim/components/{appid}/revoke */
export interface RevokeAnswer {
  authorizerAppid: string;
  push: PushEnvelope;
  delivered: PushDelivery | null;
}

/** POST /__sim/msg-crypt/encrypt */
export interface SealedMessage extends PushEnvelope {
  encrypt: string;
}

/** POST /__sim/msg-crypt/decrypt */
export interface OpenedMessage {
  xml: string;
  /** The trailing appid. */
  appid: string;
  /** Whether msg_signature matches; null when token, timestamp, nonce or msg_signature was not given. */
  signatureValid: boolean | null;
}

async function delivered(sent: SentPush): Promise<PushDelivery | null> {
  return sent.delivery ? await sent.delivery : null;
}

// ---- registration ----

const APPID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function requiredAppid(body: Body, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || !APPID_PATTERN.test(value)) {
    throw new ControlError(400, `${name} must be 1-64 of [A-Za-z0-9_-]`);
  }
  return value;
}

function optionalPushUrl(body: Body): string | null | undefined {
  if (body.pushUrl === null) return null;
  const value = optionalString(body, "pushUrl");
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ControlError(400, "pushUrl must be an http(s) URL or null");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ControlError(400, "pushUrl must be an http(s) URL or null");
  }
  return value;
}

function parseComponentRegistration(
  appid: string,
  body: Body,
): ComponentRegistration & { whitelisted?: boolean } {
  const registration: ComponentRegistration & { whitelisted?: boolean } = { appid };
  const secret = optionalString(body, "secret");
  const token = optionalString(body, "token");
  const encodingAESKey = optionalString(body, "encodingAESKey");
  const pushUrl = optionalPushUrl(body);
  const rotateRefreshTokens = optionalBoolean(body, "rotateRefreshTokens");
  const componentTokenDailyQuota = optionalInteger(body, "componentTokenDailyQuota", 0);
  const whitelisted = optionalBoolean(body, "whitelisted");
  if (encodingAESKey !== undefined && !isEncodingAESKey(encodingAESKey)) {
    throw new ControlError(400, "encodingAESKey must be 43 letters and digits");
  }
  if (token !== undefined && token === "") throw new ControlError(400, "token must not be empty");
  if (secret !== undefined) registration.secret = secret;
  if (token !== undefined) registration.token = token;
  if (encodingAESKey !== undefined) registration.encodingAESKey = encodingAESKey;
  if (pushUrl !== undefined) registration.pushUrl = pushUrl;
  if (rotateRefreshTokens !== undefined) registration.rotateRefreshTokens = rotateRefreshTokens;
  if (componentTokenDailyQuota !== undefined)
    registration.componentTokenDailyQuota = componentTokenDailyQuota;
  if (whitelisted !== undefined) registration.whitelisted = whitelisted;
  return registration;
}

/**
 * Registers or updates a component. A component given a (new) pushUrl is pushed a verify ticket at
 * once, as 全网发布 does; the receiver's answer only goes to the log.
 */
export function registerComponent(
  state: SimulatorState,
  registration: ComponentRegistration & { whitelisted?: boolean },
): SimulatedComponent {
  const isNew = !state.components.has(registration.appid);
  if (isNew && (registration.token === undefined || registration.encodingAESKey === undefined)) {
    throw new ControlError(400, "token and encodingAESKey are required to register a new component");
  }
  if (isNew && registration.secret === undefined) {
    throw new ControlError(400, "secret is required to register a new component");
  }
  const previousPushUrl = state.components.get(registration.appid)?.settings.pushUrl ?? null;
  const { whitelisted, ...componentFields } = registration;
  const { component } = state.registerComponent(componentFields);
  if (whitelisted !== undefined) state.registerApp({ appid: registration.appid, whitelisted });
  const pushUrl = component.settings.pushUrl;
  if (pushUrl !== null && pushUrl !== previousPushUrl) void pushVerifyTicket(state, component).delivery;
  return component;
}

function optionalFuncInfo(body: Body): number[] | undefined {
  const value = body.funcInfo;
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((id) => Number.isInteger(id) && id > 0)) {
    throw new ControlError(400, "funcInfo must be an array of positive integers");
  }
  return value as number[];
}

function optionalType(body: Body): AuthorizerType | undefined {
  const value = optionalString(body, "type");
  if (value === undefined || value === "miniprogram" || value === "officialaccount") return value;
  throw new ControlError(400, 'type must be "miniprogram" or "officialaccount"');
}

// ---- routing: /__sim/components/{appid}[/action] ----

export async function routeComponents(
  state: SimulatorState,
  method: string,
  rawAppid: string | undefined,
  action: string | undefined,
  readBody: () => Promise<Body>,
): Promise<Response> {
  if (rawAppid === undefined) {
    if (method === "GET") return json({ components: [...state.components.keys()] });
    throw new ControlError(405, "method not allowed");
  }
  const appid = decodeURIComponent(rawAppid);
  if (action === undefined) {
    if (method === "PUT") {
      if (!APPID_PATTERN.test(appid)) throw new ControlError(400, "appid must be 1-64 of [A-Za-z0-9_-]");
      const registration = parseComponentRegistration(appid, await readBody());
      return json(describeComponent(registerComponent(state, registration)));
    }
    if (method === "GET") return json(describeComponent(componentOf(state, appid)));
    throw new ControlError(405, "method not allowed");
  }
  if (method !== "POST") throw new ControlError(405, "method not allowed");
  const component = componentOf(state, appid);
  switch (action) {
    case "ticket":
      return pushTicketNow(state, component);
    case "authorize":
      return authorize(state, component, await readBody());
    case "revoke":
      return revoke(state, component, await readBody());
    case "invalidate-refresh-token":
      return invalidateRefreshToken(component, await readBody());
    default:
      throw new ControlError(404, `no such control route ${method} /__sim/components/${appid}/${action}`);
  }
}

function componentOf(state: SimulatorState, appid: string): SimulatedComponent {
  const component = state.components.get(appid);
  if (!component) throw new ControlError(404, `component ${appid} is not registered`);
  return component;
}

async function pushTicketNow(state: SimulatorState, component: SimulatedComponent): Promise<Response> {
  const sent = pushVerifyTicket(state, component);
  const ticket = sent.record.ticket ?? "";
  const expiresAt = component.liveTickets(component.now()).find((t) => t.value === ticket)?.expiresAt ?? 0;
  const answer: TicketPushAnswer = {
    ...sent.record.envelope,
    ticket,
    createTime: sent.record.createTime,
    expiresAt,
    delivered: await delivered(sent),
  };
  return json(answer);
}

async function authorize(
  state: SimulatorState,
  component: SimulatedComponent,
  body: Body,
): Promise<Response> {
  const authorizerAppid = requiredAppid(body, "authorizerAppid");
  const preAuthCode = optionalString(body, "preAuthCode");
  if (preAuthCode !== undefined && !component.consumePreAuthCode(preAuthCode, component.now())) {
    throw new ControlError(400, "preAuthCode is unknown, used or expired");
  }
  const existing = component.authorizations.get(authorizerAppid);
  const { code, infoType, sent } = authorizeAndPush(state, component, {
    authorizerAppid,
    type: optionalType(body) ?? existing?.type ?? "miniprogram",
    funcInfo: optionalFuncInfo(body),
    update: optionalBoolean(body, "update") ?? false,
    preAuthCode,
  });
  const answer: AuthorizeAnswer = {
    authorizerAppid,
    infoType,
    authCode: code.value,
    expiresAt: code.expiresAt,
    preAuthCode: code.preAuthCode,
    push: sent.record.envelope,
    delivered: await delivered(sent),
  };
  return json(answer);
}

async function revoke(state: SimulatorState, component: SimulatedComponent, body: Body): Promise<Response> {
  const authorizerAppid = requiredAppid(body, "authorizerAppid");
  const sent = revokeAndPush(state, component, authorizerAppid);
  if (!sent) throw new ControlError(404, `${authorizerAppid} never authorized ${component.settings.appid}`);
  const answer: RevokeAnswer = {
    authorizerAppid,
    push: sent.record.envelope,
    delivered: await delivered(sent),
  };
  return json(answer);
}

/**
 * The authorizer's refresh token stops working (61023). By default another one takes its place,
 * which api_get_authorizer_list shows (a refresh token lost by the caller, recoverable);
 * `replacement: false` leaves none (only authorizing again helps).
 */
function invalidateRefreshToken(component: SimulatedComponent, body: Body): Response {
  const authorizerAppid = requiredAppid(body, "authorizerAppid");
  const authorization = component.authorizations.get(authorizerAppid);
  if (!authorization?.authorized) {
    throw new ControlError(404, `${authorizerAppid} has not authorized ${component.settings.appid}`);
  }
  const replacement = optionalBoolean(body, "replacement") ?? true;
  const refreshToken = replacement ? component.rotateRefreshToken(authorization) : null;
  authorization.refreshToken = refreshToken;
  return json({ authorizerAppid, refreshToken });
}

// ---- /__sim/msg-crypt/{encrypt|decrypt} ----

function requiredText(body: Body, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined) throw new ControlError(400, `${name} is required`);
  return value;
}

function requiredEncodingAESKey(body: Body): string {
  const key = requiredText(body, "encodingAESKey");
  if (!isEncodingAESKey(key)) throw new ControlError(400, "encodingAESKey must be 43 letters and digits");
  return key;
}

export function routeMsgCrypt(
  state: SimulatorState,
  method: string,
  action: string | undefined,
  body: Body,
): Response {
  if (method !== "POST") throw new ControlError(405, "method not allowed");
  if (action === "encrypt") {
    const random = optionalString(body, "random");
    if (random !== undefined && new TextEncoder().encode(random).length !== 16) {
      throw new ControlError(400, "random must be 16 bytes of text");
    }
    const sealed = sealEnvelope(
      { token: requiredText(body, "token"), encodingAESKey: requiredEncodingAESKey(body) },
      requiredText(body, "appid"),
      requiredText(body, "xml"),
      {
        timestamp: optionalString(body, "timestamp") ?? String(Math.floor(state.baseNow() / 1000)),
        nonce: optionalString(body, "nonce"),
        random,
      },
    );
    const answer: SealedMessage = sealed;
    return json(answer);
  }
  if (action === "decrypt") {
    const key = requiredEncodingAESKey(body);
    const encrypt = requiredText(body, "encrypt");
    let opened: { message: string; appid: string };
    try {
      opened = decryptMessage(encrypt, key);
    } catch (error) {
      throw new ControlError(
        400,
        `cannot decrypt: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const [token, timestamp, nonce, signature] = ["token", "timestamp", "nonce", "msg_signature"].map(
      (name) => optionalString(body, name),
    );
    const signatureValid =
      token === undefined || timestamp === undefined || nonce === undefined || signature === undefined
        ? null
        : messageSignature(token, timestamp, nonce, encrypt) === signature;
    const answer: OpenedMessage = { xml: opened.message, appid: opened.appid, signatureValid };
    return json(answer);
  }
  throw new ControlError(404, `no such control route /__sim/msg-crypt/${action ?? ""}`);
}

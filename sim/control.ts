// The simulator's own control API under /__sim (not WeChat). Plain JSON in and out; errors are
// HTTP 400/404/405 with {"error": "..."}. Times are the app's clock in epoch milliseconds.
//
//   GET    /__sim/health                      -> {ok: true}
//   GET    /__sim/apps                        -> {apps: [appid...]}
//   PUT    /__sim/apps/{appid}                {secret, tokenLifetimeSeconds?, whitelisted?, quotas?,
//                                              published?, pages?, templates?, riskyWords?} -> settings
//          quotas: {token, stableNormal, stableForce, ticket, links, wxacodeUnlimitPerMinute,
//                   wxacodeDaily, wxacodeTotal} (any subset); pages and riskyWords replace the lists;
//          templates {id: [data keys...] | null} is merged in (null removes a template)
//   GET    /__sim/apps/{appid}                -> settings, calls (+ byPath), tokens, ticket, clock, issued,
//                                                users, messages (last 50), requests (last 50),
//                                                media... (describeApp)
//          received: {"METHOD path": count} every request naming the app (appid or token), unknown
//                    paths too, the path as sent on the wire (the first 10,000 distinct, then "(other paths)")
//          media: [{media_id, type, contentType, filename, size, sha256}] the uploads media/get still
//                 serves (the last 100, each for 3 days), oldest first; sha256 is lowercase hex
//   DELETE /__sim/apps/{appid}                -> forgets the app and its tokens
//   POST   /__sim/apps/{appid}/faults         {kind, times?, paths?, delayMs?, errcode?, errmsg?, contentType?}
//   DELETE /__sim/apps/{appid}/faults
//   PUT    /__sim/apps/{appid}/outage         {kind, paths?, delayMs?, errcode?, errmsg?, contentType?}
//   DELETE /__sim/apps/{appid}/outage
//   POST   /__sim/apps/{appid}/advance        {seconds}
//   POST   /__sim/apps/{appid}/invalidate     {slot?: "classic" | "stable" | "authorizer" | "all"}
//   POST   /__sim/apps/{appid}/login-codes    {openid?, unionid?: string | null, blocked?}
//                                             -> {code, openid, session_key, unionid, blocked, expiresAt}
//   POST   /__sim/apps/{appid}/phone-codes    {openid?, phone?: {purePhoneNumber, countryCode?: "86"}}
//                                             -> {code, openid, phone, expiresAt} (a getPhoneNumber code for
//                                                `phone`, else the user's number, else a generated one)
//   GET    /__sim/apps/{appid}/users          -> {users: [user...]}
//   PUT    /__sim/apps/{appid}/users/{openid} {unionid?: string | null, subscribe?: 0 | 1,
//                                              phone?: {purePhoneNumber, countryCode?: "86"} | null} -> user
//   GET    /__sim/apps/{appid}/users/{openid} -> user
//          user: {openid, unionid, subscribe, subscribeTime, session_key, lastLoginAt,
//                 phone: {phoneNumber, purePhoneNumber, countryCode} | null,
//                 authorizations: [{template_id, scene: string | null, remaining}]}
//   POST   /__sim/apps/{appid}/users/{openid}/authorizations  {template_id, scene?, count?}
//                                             -> {openid, authorizations}
//   POST   /__sim/apps/{appid}/users/{openid}/encrypted-data  {data?}
//                                             -> {encryptedData, iv, plaintext} (wx.getUserInfo-style,
//                                                sealed with the user's current session_key)
//   POST   /__sim/codes                       the gateway's verification-code webhook (code-webhook.ts) -> 204
//   GET    /__sim/codes[?target=]             -> {codes: [{receivedAt, event, signature, signatureValid,
//                                                body, bodyText}...]} oldest first, the last 200;
//                                                signatureValid is null without --code-webhook-secret
//   DELETE /__sim/codes                       -> {codes: []}
//
// An app's own pushes (消息推送; control-pushes.ts, app-push.ts), as WeChat sends them to the server URL
// set in the app's console (WECHAT.md §17):
//   PUT    /__sim/apps/{appid}/push           {token (first time), url?: url | null, encodingAESKey?: key | null,
//                                              mode?: "plaintext" | "compatible" | "safe", format?: "xml" | "json",
//                                              originalId?: "gh_…", deadlineMs?: 5000 (1-5000),
//                                              openidInQuery?: true} -> settings; left-out fields are kept
//                                             (defaults: no url, plaintext, xml, a gh_ id from the appid)
//   GET    /__sim/apps/{appid}/push           -> {settings | null, pushes: [{kind: "message" | "replay", sentAt,
//                                                msgType, event, msgId, createTime, fromUser, plaintext, envelope,
//                                                url, delivered: delivery | null | "pending"}]} (last 50)
//   DELETE /__sim/apps/{appid}/push           -> {settings: null}
//   POST   /__sim/apps/{appid}/push/message   {type: "text" | "image" | "event", content?, picUrl?, mediaId?,
//                                              msgId?: "digits", event?: "subscribe" (default) | "unsubscribe" |
//                                              "LOCATION" | "CLICK" | "VIEW" | …, eventKey?, latitude?, longitude?,
//                                              precision?, fromUser?: openid (default: a new user),
//                                              createTime?: unix s, timestamp?, nonce?, fields?: {Name: value}}
//                                             -> {query, body, contentType, msgId? (text), createTime, fromUser,
//                                                message: {fields}, plaintext, delivered: delivery | null}
//   POST   /__sim/apps/{appid}/push/replay    {envelope: {query, body, contentType?}, url?} -> {query, body,
//                                                contentType, url, delivered}: re-sent byte for byte
//   POST   /__sim/apps/{appid}/push/verify    {url?, timestamp?, nonce?, echostr?} -> {query: {signature, timestamp,
//                                                nonce, echostr}, echostr, url, delivered: attempt | null,
//                                                verified: answer === echostr | null}: the GET WeChat's console
//                                             sends when the server URL is saved (one try)
//          query: {signature, timestamp, nonce, openid?, encrypt_type?: "aes", msg_signature?}
//          delivery: {attempts: [{status?, body?, error?, ms}], answer?, replyEncrypted?, replySignatureValid?,
//                     replyAppid?, replyError?}: up to 3 tries, each waiting deadlineMs; `answer` is the 200
//                     answer that ended them (an encrypted reply decrypted)
//   ANY    /__sim/slow-server?ms=0&status=200&answer=success   answers after `ms`: a slow server for push urls
//
// Third-party platforms (control-components.ts; WeChat's side in component-endpoints.ts). The
// component appid is also an app: /__sim/apps/{appid}/advance moves its clock, .../faults apply to
// its endpoints (api_authorizer_token's to the authorizer app named in the body, if registered).
//   GET    /__sim/components                  -> {components: [appid...]}
//   PUT    /__sim/components/{appid}          {secret, token, encodingAESKey (new: all three), pushUrl?: url | null,
//                                              rotateRefreshTokens?: true, componentTokenDailyQuota?: 10000,
//                                              whitelisted?: true} -> component (as GET); a new or changed
//                                              pushUrl is pushed a verify ticket at once
//   GET    /__sim/components/{appid}          -> {appid, pushUrl, rotateRefreshTokens, componentTokenDailyQuota,
//                                                whitelisted, now, ticket: {ticket, issuedAt, expiresAt} | null,
//                                                liveTickets, ticketsIssued, tokens: {current, previous},
//                                                tokensIssued, calls: {componentToken, startPushTicket,
//                                                preAuthCode, queryAuth, authorizerToken, authorizerList,
//                                                jscode2session, byPath}, authorizers: [{authorizerAppid, type,
//                                                funcInfo, authorized, authTime, refreshToken, refreshes}],
//                                                pushes: [{infoType, createTime, authorizerAppid, ticket,
//                                                envelope, delivered}] (last 50)}
//   POST   /__sim/components/{appid}/ticket   -> {query, body, ticket, createTime, expiresAt, delivered}
//                                             a new verify ticket (valid 12 h), pushed
//   POST   /__sim/components/{appid}/authorize {authorizerAppid, type?: "miniprogram" | "officialaccount",
//                                              funcInfo?: [ids], update?: false, preAuthCode?}
//                                             -> {authorizerAppid, infoType, authCode, expiresAt, preAuthCode,
//                                                push: {query, body}, delivered}
//                                             the merchant authorizes: an authorized (update: updateauthorized)
//                                             event with a single-use authorization code (10 min), pushed;
//                                             the authorizer becomes an app if it is not one
//   POST   /__sim/components/{appid}/revoke   {authorizerAppid} -> {authorizerAppid, push, delivered}
//                                             unauthorized: its refresh token and authorizer tokens die
//   POST   /__sim/components/{appid}/invalidate-refresh-token {authorizerAppid, replacement?: true}
//                                             -> {authorizerAppid, refreshToken}: the current one answers
//                                                61023 from now; a replacement (shown by
//                                                api_get_authorizer_list) unless replacement is false
//          Pushes: {query: {timestamp, nonce, encrypt_type: "aes", msg_signature}, body: "<xml><AppId>…</AppId>
//          <Encrypt>…</Encrypt></xml>"}, as WeChat POSTs them; with a pushUrl the simulator POSTs them too
//          and `delivered` is the answer ({status, body} or {error}), else null.
//   POST   /__sim/msg-crypt/encrypt           {token, encodingAESKey, appid, xml, timestamp?, nonce?, random?}
//                                             -> {query, body, encrypt} (WXBizMsgCrypt on Node's crypto)
//   POST   /__sim/msg-crypt/decrypt           {encodingAESKey, encrypt, token?, timestamp?, nonce?,
//                                              msg_signature?} -> {xml, appid, signatureValid: boolean | null}
//
// Fault kind "contentType" does not replace an answer: it relabels the next successful answers on
// its paths with `contentType` ("" = no Content-Type header at all).

import type { AppRegistration, IssuedTicket, Quotas, SimulatedApp, Templates } from "./app.ts";
import type { CodeWebhookReceiver } from "./code-webhook.ts";
import {
  type Body,
  ControlError,
  isObject,
  json,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringArray,
  readBody,
  requiredFiniteNumber,
} from "./control-body.ts";
import { routeComponents, routeMsgCrypt } from "./control-components.ts";
import { routePush, slowServer } from "./control-pushes.ts";
import { describeUser, issueLoginCode, issuePhoneCode, routeUsers } from "./control-users.ts";
import { DEFAULT_SLOW_DELAY_MS, FAULT_KINDS, type Fault, type FaultKind } from "./faults.ts";
import type { SimulatorState } from "./state.ts";
import type { IssuedToken, TokenSlot, TokenSlotName } from "./tokens.ts";

const QUOTA_NAMES = [
  "token",
  "stableNormal",
  "stableForce",
  "ticket",
  "links",
  "wxacodeUnlimitPerMinute",
  "wxacodeDaily",
  "wxacodeTotal",
] as const satisfies (keyof Quotas)[];

function optionalQuotas(body: Body): Partial<Quotas> | undefined {
  const value = body.quotas;
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ControlError(400, "quotas must be an object");
  const quotas: Partial<Quotas> = {};
  for (const name of QUOTA_NAMES) {
    const limit = optionalInteger(value, name, 0);
    if (limit !== undefined) quotas[name] = limit;
  }
  return quotas;
}

function optionalTemplates(body: Body): Record<string, string[] | null> | undefined {
  const value = body.templates;
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ControlError(400, "templates must be an object {template_id: [keys...]}");
  const templates: Record<string, string[] | null> = {};
  for (const id of Object.keys(value)) {
    templates[id] = value[id] === null ? null : (optionalStringArray(value, id) ?? null);
  }
  return templates;
}

function parseRegistration(appid: string, body: Body): AppRegistration {
  const registration: AppRegistration = { appid };
  const secret = optionalString(body, "secret");
  const tokenLifetimeSeconds = optionalInteger(body, "tokenLifetimeSeconds", 1);
  const whitelisted = optionalBoolean(body, "whitelisted");
  const quotas = optionalQuotas(body);
  const published = optionalBoolean(body, "published");
  const pages = optionalStringArray(body, "pages");
  const templates = optionalTemplates(body);
  const riskyWords = optionalStringArray(body, "riskyWords");
  if (secret !== undefined) registration.secret = secret;
  if (tokenLifetimeSeconds !== undefined) registration.tokenLifetimeSeconds = tokenLifetimeSeconds;
  if (whitelisted !== undefined) registration.whitelisted = whitelisted;
  if (quotas !== undefined) registration.quotas = quotas;
  if (published !== undefined) registration.published = published;
  if (pages !== undefined) registration.pages = pages;
  if (templates !== undefined) registration.templates = templates;
  if (riskyWords !== undefined) registration.riskyWords = riskyWords;
  return registration;
}

function parseFault(body: Body): Fault {
  const kind = body.kind;
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new ControlError(400, `kind must be one of ${FAULT_KINDS.join(", ")}`);
  }
  const paths = body.paths;
  if (
    paths !== undefined &&
    (!Array.isArray(paths) || !paths.every((p) => typeof p === "string" && p.startsWith("/")))
  ) {
    throw new ControlError(400, 'paths must be an array of paths like "/cgi-bin/token"');
  }
  const errcode = optionalInteger(body, "errcode", Number.MIN_SAFE_INTEGER);
  if (kind === "errcode" && errcode === undefined)
    throw new ControlError(400, 'kind "errcode" needs an errcode');
  const contentType = optionalString(body, "contentType");
  if (kind === "contentType" && contentType === undefined)
    throw new ControlError(400, 'kind "contentType" needs a contentType ("" for none)');
  return {
    kind: kind as FaultKind,
    paths: paths === undefined ? null : (paths as string[]),
    delayMs: optionalInteger(body, "delayMs", 0) ?? DEFAULT_SLOW_DELAY_MS,
    errcode: errcode ?? -1,
    errmsg: optionalString(body, "errmsg") ?? "simulated error",
    contentType: contentType ?? "",
  };
}

const SLOT_CHOICES = {
  classic: ["classic"],
  stable: ["stable"],
  authorizer: ["authorizer"],
  all: ["classic", "stable", "authorizer"],
} as const;

// ---- views (what GET returns) ----

export interface AppSettingsView {
  appid: string;
  tokenLifetimeSeconds: number;
  whitelisted: boolean;
  quotas: Quotas;
  published: boolean;
  pages: string[];
  templates: Templates;
  riskyWords: string[];
}

export function describeAppSettings(app: SimulatedApp): AppSettingsView {
  const { appid, tokenLifetimeSeconds, whitelisted, quotas, published, pages, templates, riskyWords } =
    app.settings;
  return {
    appid,
    tokenLifetimeSeconds,
    whitelisted,
    quotas: { ...quotas },
    published,
    pages: [...pages],
    templates: { ...templates },
    riskyWords: [...riskyWords],
  };
}

function describeSlot(slot: TokenSlot, now: number) {
  const current = (t: IssuedToken) => ({
    token: t.value,
    issuedAt: t.issuedAt,
    expiresAt: t.expiresAt,
    expiresInSeconds: Math.floor((t.expiresAt - now) / 1000),
  });
  const previous = (t: IssuedToken) => ({ token: t.value, graceUntil: t.diesAt });
  return {
    current: slot.current ? current(slot.current) : null,
    previous: slot.previous ? previous(slot.previous) : null,
  };
}

function describeTicket(ticket: IssuedTicket | undefined) {
  return ticket ? { ticket: ticket.value, issuedAt: ticket.issuedAt, expiresAt: ticket.expiresAt } : null;
}

function describeApp(app: SimulatedApp) {
  const now = app.now();
  return {
    ...describeAppSettings(app),
    now,
    clockOffsetSeconds: app.clockOffsetMs / 1000,
    calls: { ...app.calls.total, byPath: { ...app.calls.byPath } },
    received: { ...app.received.counts },
    callsToday: app.calls.todaySnapshot(now),
    issued: { today: app.issued.todaySnapshot(now), total: { ...app.issued.total } },
    tokenCallsInFlight: app.tokenCallsInFlight,
    maxConcurrentTokenCalls: app.maxConcurrentTokenCalls,
    tokens: {
      classic: describeSlot(app.tokens.classic, now),
      stable: { ...describeSlot(app.tokens.stable, now), lastForceRefreshAt: app.lastForceRefreshAt },
      authorizer: describeSlot(app.tokens.authorizer, now),
    },
    ticket: describeTicket(app.tickets.get("jsapi")),
    cardTicket: describeTicket(app.tickets.get("wx_card")),
    clearQuotaUsedThisMonth: app.clearQuotaUses.used(now),
    faults: { queued: app.faults.describeQueue(), outage: app.faults.outage },
    users: app.users.all().map((user) => describeUser(app, user)),
    messages: app.messages.list(),
    requests: app.requests.list(),
    media: app.media.describe(now),
  };
}

// ---- routing ----

export class ControlApi {
  private readonly state: SimulatorState;
  private readonly codes: CodeWebhookReceiver;

  constructor(state: SimulatorState, codes: CodeWebhookReceiver) {
    this.state = state;
    this.codes = codes;
  }

  async handle(req: Request, url: URL): Promise<Response> {
    try {
      return await this.route(req, url);
    } catch (error) {
      if (error instanceof ControlError) return json({ error: error.message }, error.status);
      throw error;
    }
  }

  private async route(req: Request, url: URL): Promise<Response> {
    const [, resource, rawAppid, action, ...rest] = url.pathname.split("/").filter(Boolean);
    const method = req.method;
    if (resource === "health" && rawAppid === undefined) {
      return method === "GET" ? json({ ok: true }) : methodNotAllowed();
    }
    if (resource === "codes" && rawAppid === undefined) return this.codes.handle(req, url);
    if (resource === "components" && rest.length === 0) {
      return routeComponents(this.state, method, rawAppid, action, () => readBody(req));
    }
    if (resource === "msg-crypt" && action === undefined) {
      return routeMsgCrypt(this.state, method, rawAppid, await readBody(req));
    }
    if (resource === "slow-server" && rawAppid === undefined) return slowServer(req, url);
    if (resource !== "apps" || (rest.length > 0 && action !== "users" && action !== "push"))
      throw new ControlError(404, `no such control route ${url.pathname}`);
    if (rawAppid === undefined) {
      return method === "GET" ? json({ apps: [...this.state.apps.keys()] }) : methodNotAllowed();
    }
    const appid = decodeURIComponent(rawAppid);

    if (action === undefined) {
      if (method === "PUT") return this.putApp(appid, await readBody(req));
      if (method === "GET") return json(describeApp(this.app(appid)));
      if (method === "DELETE") return json({ appid, deleted: this.state.deleteApp(appid) });
      return methodNotAllowed();
    }
    const app = this.app(appid);
    switch (`${method} ${action}`) {
      case "POST faults":
        return this.queueFaults(app, await readBody(req));
      case "DELETE faults":
        app.faults.clearQueue();
        return json({ appid, queued: [] });
      case "PUT outage":
        app.faults.outage = parseFault(await readBody(req));
        return json({ appid, outage: app.faults.outage });
      case "DELETE outage":
        app.faults.outage = null;
        return json({ appid, outage: null });
      case "POST advance":
        return this.advance(app, await readBody(req));
      case "POST invalidate":
        return this.invalidate(app, await readBody(req));
      case "POST login-codes":
        return issueLoginCode(app, await readBody(req));
      case "POST phone-codes":
        return issuePhoneCode(app, await readBody(req));
      default:
        if (action === "users") return routeUsers(app, method, rest, () => readBody(req));
        if (action === "push") return routePush(this.state, app, method, rest, () => readBody(req));
        throw new ControlError(404, `no such control route ${method} ${url.pathname}`);
    }
  }

  private app(appid: string): SimulatedApp {
    const app = this.state.apps.get(appid);
    if (!app) throw new ControlError(404, `app ${appid} is not registered`);
    return app;
  }

  private putApp(appid: string, body: Body): Response {
    const registration = parseRegistration(appid, body);
    if (registration.secret === undefined && !this.state.apps.has(appid)) {
      throw new ControlError(400, "secret is required to register a new app");
    }
    return json(describeAppSettings(this.state.registerApp(registration)));
  }

  private queueFaults(app: SimulatedApp, body: Body): Response {
    const fault = parseFault(body);
    app.faults.enqueue(fault, optionalInteger(body, "times", 1) ?? 1);
    return json({ appid: app.settings.appid, queued: app.faults.describeQueue() });
  }

  private advance(app: SimulatedApp, body: Body): Response {
    app.clockOffsetMs += requiredFiniteNumber(body, "seconds") * 1000;
    return json({ appid: app.settings.appid, clockOffsetSeconds: app.clockOffsetMs / 1000, now: app.now() });
  }

  private invalidate(app: SimulatedApp, body: Body): Response {
    const choice = optionalString(body, "slot") ?? "all";
    if (!(choice in SLOT_CHOICES))
      throw new ControlError(400, "slot must be classic, stable, authorizer or all");
    const slots: readonly TokenSlotName[] = SLOT_CHOICES[choice as keyof typeof SLOT_CHOICES];
    const now = app.now();
    for (const slot of slots) app.tokens[slot].invalidate(now);
    return json({ appid: app.settings.appid, invalidated: slots });
  }
}

function methodNotAllowed(): Response {
  return json({ error: "method not allowed" }, 405);
}

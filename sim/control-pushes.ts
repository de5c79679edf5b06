// Control API for an app's own pushes (see control.ts for the route list): the push settings the
// app configured in WeChat's console, a message or event pushed on demand as WeChat would send it,
// an envelope re-sent as is, the last pushes with their delivery; and a slow server to point the
// push URL at.

import type { SimulatedApp } from "./app.ts";
import {
  type AppPushDelivery,
  type AppPushEnvelope,
  type AppPushRecord,
  type AppPushSettings,
  attempt,
  defaultPushSettings,
  deliverPush,
  newNonce,
  PUSH_CONTENT_TYPES,
  type PushAttempt,
  type PushMode,
  sealPush,
} from "./app-push.ts";
import {
  buildMessage,
  describeFields,
  type FieldValue,
  type PushFormat,
  type PushMessageSpec,
  type PushMessageType,
} from "./app-push-messages.ts";
import {
  type Body,
  ControlError,
  isObject,
  json,
  optionalBoolean,
  optionalInteger,
  optionalString,
} from "./control-body.ts";
import { PUSH_ANSWER_DEADLINE_MS } from "./limits.ts";
import { isEncodingAESKey, messageSignature } from "./msg-crypt.ts";
import type { SimulatorState } from "./state.ts";

export type {
  AppPushDelivery,
  AppPushEnvelope,
  AppPushRecord,
  AppPushSettings,
  PushAttempt,
  PushMode,
} from "./app-push.ts";
export type { PushFormat } from "./app-push-messages.ts";

// ---- answers ----

/** GET /__sim/apps/{appid}/push */
export interface AppPushView {
  settings: AppPushSettings | null;
  /** The last 50, oldest first. */
  pushes: AppPushRecord[];
}

/** POST /__sim/apps/{appid}/push/message: the envelope WeChat sent, and how its delivery went. */
export interface AppPushAnswer extends AppPushEnvelope {
  /** text and image: the MsgId with all its digits. */
  msgId?: string;
  /** Unix seconds, the message's CreateTime. */
  createTime: number;
  fromUser: string;
  /** The message's fields as sent (MsgId as text). */
  message: Record<string, string | number>;
  /** The message as XML or JSON before encryption. */
  plaintext: string;
  /** null without a push URL. */
  delivered: AppPushDelivery | null;
}

/** POST /__sim/apps/{appid}/push/replay */
export interface AppPushReplayAnswer extends AppPushEnvelope {
  url: string;
  delivered: AppPushDelivery;
}

/** POST /__sim/apps/{appid}/push/verify: the GET WeChat sends when the server URL is saved. */
export interface AppPushVerifyAnswer {
  query: { signature: string; timestamp: string; nonce: string; echostr: string };
  echostr: string;
  /** Where it was sent; null when there is no url (the test sends it itself). */
  url: string | null;
  /** The one try WeChat makes; null without a url. */
  delivered: PushAttempt | null;
  /** The answer was echostr exactly (what WeChat's console needs to save the URL); null without a url. */
  verified: boolean | null;
}

// ---- settings ----

const MODES: readonly PushMode[] = ["plaintext", "compatible", "safe"];
const FORMATS: readonly PushFormat[] = ["xml", "json"];
const MESSAGE_TYPES: readonly PushMessageType[] = ["text", "image", "event"];

function optionalChoice<T extends string>(body: Body, name: string, choices: readonly T[]): T | undefined {
  const value = optionalString(body, name);
  if (value === undefined || (choices as readonly string[]).includes(value)) return value as T | undefined;
  throw new ControlError(400, `${name} must be one of ${choices.join(", ")}`);
}

function optionalUrl(body: Body, name: string): string | null | undefined {
  if (body[name] === null) return null;
  const value = optionalString(body, name);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ControlError(400, `${name} must be an http(s) URL or null`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ControlError(400, `${name} must be an http(s) URL or null`);
  }
  return value;
}

/** PUT /__sim/apps/{appid}/push: fields left out keep their value (or default, for a first PUT). */
function putSettings(app: SimulatedApp, body: Body): AppPushSettings {
  const token = optionalString(body, "token");
  if (token === "") throw new ControlError(400, "token must not be empty");
  const base =
    app.push ?? (token === undefined ? undefined : { ...defaultPushSettings(app.settings.appid), token });
  if (!base) throw new ControlError(400, "token is required for an app's first push settings");
  const next: AppPushSettings = { ...base };
  if (token !== undefined) next.token = token;
  const url = optionalUrl(body, "url");
  if (url !== undefined) next.url = url;
  if (body.encodingAESKey === null) next.encodingAESKey = null;
  else {
    const key = optionalString(body, "encodingAESKey");
    if (key !== undefined && !isEncodingAESKey(key)) {
      throw new ControlError(400, "encodingAESKey must be 43 letters and digits");
    }
    if (key !== undefined) next.encodingAESKey = key;
  }
  next.mode = optionalChoice(body, "mode", MODES) ?? next.mode;
  next.format = optionalChoice(body, "format", FORMATS) ?? next.format;
  const originalId = optionalString(body, "originalId");
  if (originalId === "") throw new ControlError(400, "originalId must not be empty");
  if (originalId !== undefined) next.originalId = originalId;
  const deadlineMs = optionalInteger(body, "deadlineMs", 1);
  if (deadlineMs !== undefined && deadlineMs > PUSH_ANSWER_DEADLINE_MS) {
    throw new ControlError(400, `deadlineMs must be 1-${PUSH_ANSWER_DEADLINE_MS} (WeChat waits 5 s)`);
  }
  if (deadlineMs !== undefined) next.deadlineMs = deadlineMs;
  next.openidInQuery = optionalBoolean(body, "openidInQuery") ?? next.openidInQuery;
  if (next.mode !== "plaintext" && next.encodingAESKey === null) {
    throw new ControlError(400, `${next.mode} mode needs an encodingAESKey`);
  }
  const { url: nextUrl, token: nextToken, ...rest } = next;
  app.push = { url: nextUrl, token: nextToken, ...rest };
  return app.push;
}

// ---- messages ----

/** openids: WeChat's id alphabet, as in the users' control routes. */
const OPENID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_MSG_ID = 2n ** 64n - 1n;

function optionalMsgId(body: Body): bigint | undefined {
  const value = body.msgId;
  if (value === undefined) return undefined;
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !/^[0-9]{1,20}$/.test(text) || BigInt(text) > MAX_MSG_ID) {
    throw new ControlError(400, "msgId must be a 64-bit unsigned integer as a string of digits");
  }
  return BigInt(text);
}

function optionalNumber(body: Body, name: string): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new ControlError(400, `${name} must be a number`);
  return value;
}

function optionalExtra(body: Body): [string, FieldValue][] | undefined {
  const value = body.fields;
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ControlError(400, "fields must be an object {Name: text | number}");
  return Object.entries(value).map(([name, field]) => {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name))
      throw new ControlError(400, `fields.${name}: not a field name`);
    if (typeof field !== "string" && !(typeof field === "number" && Number.isFinite(field))) {
      throw new ControlError(400, `fields.${name} must be text or a number`);
    }
    return [name, field];
  });
}

function parseMessage(app: SimulatedApp, settings: AppPushSettings, body: Body): PushMessageSpec {
  const type = optionalChoice(body, "type", MESSAGE_TYPES);
  if (type === undefined) throw new ControlError(400, "type must be one of text, image, event");
  const fromUser = optionalString(body, "fromUser");
  if (fromUser !== undefined && !OPENID_PATTERN.test(fromUser)) {
    throw new ControlError(400, "fromUser must be 1-64 of [A-Za-z0-9_-]");
  }
  const event = optionalString(body, "event");
  if (event === "") throw new ControlError(400, "event must not be empty");
  const now = app.now();
  // A push comes from a user of the app: one is made for a new openid (and a subscribe or
  // unsubscribe event changes whether they follow the account).
  const subscribe =
    type === "event" ? ({ subscribe: 1, unsubscribe: 0 } as const)[event ?? "subscribe"] : undefined;
  const user = app.users.upsert(fromUser, subscribe === undefined ? {} : { subscribe }, now);
  return {
    type,
    toUser: settings.originalId,
    fromUser: user.openid,
    createTime: optionalInteger(body, "createTime", 0) ?? Math.floor(now / 1000),
    content: optionalString(body, "content"),
    picUrl: optionalString(body, "picUrl"),
    mediaId: optionalString(body, "mediaId"),
    msgId: optionalMsgId(body),
    event,
    eventKey: optionalString(body, "eventKey"),
    latitude: optionalNumber(body, "latitude"),
    longitude: optionalNumber(body, "longitude"),
    precision: optionalNumber(body, "precision"),
    extra: optionalExtra(body),
  };
}

function outcomeLine(delivery: AppPushDelivery): string {
  const last = delivery.attempts[delivery.attempts.length - 1];
  const said = last?.error ?? `${last?.status} ${JSON.stringify((last?.body ?? "").slice(0, 40))}`;
  return `${said} (${delivery.attempts.length} ${delivery.attempts.length === 1 ? "try" : "tries"})`;
}

/** POSTs a recorded push to its URL, filling in `delivered` when the tries end. */
async function deliver(
  state: SimulatorState,
  app: SimulatedApp,
  settings: AppPushSettings,
  record: AppPushRecord,
): Promise<AppPushDelivery | null> {
  if (record.url === null) return null;
  const delivery = await deliverPush(settings, record.url, record.envelope);
  record.delivered = delivery;
  const what = record.kind === "replay" ? "replay" : [record.msgType, record.event].filter(Boolean).join(" ");
  state.log?.(`push ${what} app=${app.settings.appid} -> ${outcomeLine(delivery)}`);
  return delivery;
}

async function pushMessage(state: SimulatorState, app: SimulatedApp, body: Body): Promise<AppPushAnswer> {
  const settings = app.push;
  if (!settings)
    throw new ControlError(400, `app ${app.settings.appid} has no push settings (PUT …/push first)`);
  const spec = parseMessage(app, settings, body);
  const { fields, msgId } = buildMessage(spec);
  const timestamp = optionalString(body, "timestamp") ?? String(Math.floor(app.now() / 1000));
  const { envelope, plaintext } = sealPush(settings, app.settings.appid, fields, {
    timestamp,
    nonce: optionalString(body, "nonce"),
    openid: spec.fromUser,
  });
  const record: AppPushRecord = {
    kind: "message",
    sentAt: app.now(),
    msgType: spec.type,
    event: spec.type === "event" ? (spec.event ?? "subscribe") : null,
    msgId: msgId === null ? null : msgId.toString(),
    createTime: spec.createTime,
    fromUser: spec.fromUser,
    plaintext,
    envelope,
    url: settings.url,
    delivered: settings.url === null ? null : "pending",
  };
  app.pushes.add(record);
  const delivered = await deliver(state, app, settings, record);
  return {
    ...envelope,
    ...(msgId === null ? {} : { msgId: msgId.toString() }),
    createTime: spec.createTime,
    fromUser: spec.fromUser,
    message: describeFields(fields),
    plaintext,
    delivered,
  };
}

function parseEnvelope(body: Body): AppPushEnvelope {
  const value = body.envelope;
  if (!isObject(value) || !isObject(value.query) || typeof value.body !== "string") {
    throw new ControlError(400, "envelope must be {query: {name: text}, body: text, contentType?}");
  }
  const query: Record<string, string> = {};
  for (const [name, field] of Object.entries(value.query)) {
    if (typeof field !== "string") throw new ControlError(400, `envelope.query.${name} must be text`);
    query[name] = field;
  }
  const contentType =
    optionalString(value, "contentType") ??
    PUSH_CONTENT_TYPES[value.body.trimStart().startsWith("{") ? "json" : "xml"];
  return { query, body: value.body, contentType };
}

async function replay(state: SimulatorState, app: SimulatedApp, body: Body): Promise<AppPushReplayAnswer> {
  const settings = app.push;
  if (!settings)
    throw new ControlError(400, `app ${app.settings.appid} has no push settings (PUT …/push first)`);
  const envelope = parseEnvelope(body);
  const url = optionalUrl(body, "url") ?? settings.url;
  if (url === null)
    throw new ControlError(400, "no url: the app's push settings have none and none was given");
  const record: AppPushRecord = {
    kind: "replay",
    sentAt: app.now(),
    msgType: null,
    event: null,
    msgId: null,
    createTime: null,
    fromUser: null,
    plaintext: null,
    envelope,
    url,
    delivered: "pending",
  };
  app.pushes.add(record);
  const delivered = (await deliver(state, app, settings, record)) as AppPushDelivery;
  return { ...envelope, url, delivered };
}

/** An echostr like WeChat's: a decimal number of up to 19 digits. */
function newEchostr(): string {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/**
 * The URL check (服务器配置 → 提交): GET ?signature&timestamp&nonce&echostr, which the server must
 * answer with echostr after checking the signature. One try, with the deadline.
 */
async function verifyUrl(app: SimulatedApp, body: Body): Promise<AppPushVerifyAnswer> {
  const settings = app.push;
  if (!settings)
    throw new ControlError(400, `app ${app.settings.appid} has no push settings (PUT …/push first)`);
  const timestamp = optionalString(body, "timestamp") ?? String(Math.floor(app.now() / 1000));
  const nonce = optionalString(body, "nonce") ?? newNonce();
  const echostr = optionalString(body, "echostr") ?? newEchostr();
  const query = { signature: messageSignature(settings.token, timestamp, nonce), timestamp, nonce, echostr };
  const url = optionalUrl(body, "url") ?? settings.url;
  if (url === null) return { query, echostr, url, delivered: null, verified: null };
  const delivered = await attempt(url, { query }, settings.deadlineMs);
  return { query, echostr, url, delivered, verified: delivered.status === 200 && delivered.body === echostr };
}

// ---- routing: /__sim/apps/{appid}/push[/message|/replay|/verify] ----

export async function routePush(
  state: SimulatorState,
  app: SimulatedApp,
  method: string,
  rest: readonly string[],
  readBody: () => Promise<Body>,
): Promise<Response> {
  const [action, ...more] = rest;
  if (more.length > 0) throw new ControlError(404, `no such control route …/push/${rest.join("/")}`);
  switch (`${method} ${action ?? ""}`) {
    case "PUT ":
      return json(putSettings(app, await readBody()));
    case "GET ": {
      const view: AppPushView = { settings: app.push, pushes: app.pushes.list() };
      return json(view);
    }
    case "DELETE ":
      app.push = null;
      return json({ settings: null });
    case "POST message":
      return json(await pushMessage(state, app, await readBody()));
    case "POST replay":
      return json(await replay(state, app, await readBody()));
    case "POST verify":
      return json(await verifyUrl(app, await readBody()));
    default:
      if (action === undefined || action === "message" || action === "replay" || action === "verify") {
        throw new ControlError(405, "method not allowed");
      }
      throw new ControlError(404, `no such control route …/push/${action}`);
  }
}

// ---- /__sim/slow-server ----

/** The slow server answers within a minute at most, so a forgotten request cannot hang forever. */
const SLOW_SERVER_MAX_MS = 60_000;

/**
 * A stand-in for an app's server that is slow: `?ms=` (default 0) later it answers `status`
 * (default 200) with `answer` (default "success"), unless the caller gave up first. Point an app's
 * push url at it to see WeChat's tries.
 */
export async function slowServer(req: Request, url: URL): Promise<Response> {
  const ms = Number(url.searchParams.get("ms") ?? "0");
  const status = Number(url.searchParams.get("status") ?? "200");
  if (!Number.isInteger(ms) || ms < 0 || ms > SLOW_SERVER_MAX_MS) {
    throw new ControlError(400, `ms must be an integer 0-${SLOW_SERVER_MAX_MS}`);
  }
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new ControlError(400, "status must be an HTTP status 200-599");
  }
  await req.arrayBuffer();
  const answered = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    req.signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!answered) return new Response(null, { status: 499 });
  return new Response(url.searchParams.get("answer") ?? "success", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

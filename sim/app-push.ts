// An app's own pushes (消息推送, WECHAT.md §17): WeChat POSTs each user message or event to the one
// server URL configured in the app's console, signed with the Token, and in safe mode encrypted
// with WXBizMsgCrypt for the app's own appid:
//
//   plaintext   ?signature&timestamp&nonce[&openid]                      the message
//   compatible  ?signature&timestamp&nonce[&openid]&encrypt_type=aes&msg_signature
//                                                                        the message + Encrypt
//   safe        same query                                               <xml><ToUserName/><Encrypt/></xml>
//                                                                        ({"ToUserName","Encrypt"} in JSON)
//
//   signature     = sha1(sort(token, timestamp, nonce))
//   msg_signature = sha1(sort(token, timestamp, nonce, Encrypt))
//
// WeChat waits 5 s for the answer; without one (or when it cannot connect) it tries again, three
// tries in all, with the same request. An answer of "" or "success" means "received, no reply"; a
// reply XML/JSON (encrypted in safe mode: <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>)
// is the passive reply shown to the user.

import { createHash } from "node:crypto";
import { type PushFields, type PushFormat, renderFields } from "./app-push-messages.ts";
import { PUSH_ANSWER_DEADLINE_MS, PUSH_TRIES } from "./limits.ts";
import { decryptMessage, encryptMessage, messageSignature } from "./msg-crypt.ts";

export type PushMode = "plaintext" | "compatible" | "safe";

/** What the app set in WeChat's console (开发 → 基本配置 / 消息推送), plus the simulator's own knobs. */
export interface AppPushSettings {
  /** The server URL (服务器地址); null = pushes are only built and recorded, for tests to deliver. */
  url: string | null;
  token: string;
  /** Required for compatible and safe mode. */
  encodingAESKey: string | null;
  mode: PushMode;
  format: PushFormat;
  /** The app's original id (原始ID, gh_…): every push's ToUserName. */
  originalId: string;
  /** How long each try waits for the answer: WeChat's 5000 ms unless a test shortens it. */
  deadlineMs: number;
  /** Official accounts add the sender's openid to the query; mini programs do not. */
  openidInQuery: boolean;
}

/** What WeChat sends: the query, the raw body and its Content-Type. */
export interface AppPushEnvelope {
  query: Record<string, string>;
  body: string;
  contentType: string;
}

/** One POST of a push: the receiver's answer, or why there was none; ms is how long it took. */
export interface PushAttempt {
  status?: number;
  body?: string;
  error?: string;
  ms: number;
}

/** How a push's delivery went, try by try. */
export interface AppPushDelivery {
  attempts: PushAttempt[];
  /**
   * What WeChat took from the answer that ended the tries, when it came with status 200: "" or
   * "success" (no reply), or the reply XML/JSON, decrypted when it was encrypted.
   */
  answer?: string;
  /** The answer was an encrypted reply (<Encrypt>…, or "Encrypt" in JSON). */
  replyEncrypted?: boolean;
  /** An encrypted reply's MsgSignature = sha1(sort(token, TimeStamp, Nonce, Encrypt)). */
  replySignatureValid?: boolean;
  /** The appid at the end of an encrypted reply's plaintext (it should be the app's). */
  replyAppid?: string;
  /** Why an encrypted reply could not be opened. */
  replyError?: string;
}

export const PUSH_CONTENT_TYPES: Record<PushFormat, string> = {
  xml: "text/xml",
  json: "application/json",
};

export function defaultPushSettings(appid: string): Omit<AppPushSettings, "token"> {
  return {
    url: null,
    encodingAESKey: null,
    mode: "plaintext",
    format: "xml",
    originalId: `gh_${createHash("sha1").update(appid).digest("hex").slice(0, 12)}`,
    deadlineMs: PUSH_ANSWER_DEADLINE_MS,
    openidInQuery: true,
  };
}

/** A nonce like WeChat's: a decimal number of up to 10 digits. */
export function newNonce(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0] ?? 0);
}

/**
 * The envelope WeChat sends for `fields` (the message, in WeChat's order) to the app `appid` with
 * `settings`, at unix second `timestamp`.
 */
export function sealPush(
  settings: AppPushSettings,
  appid: string,
  fields: PushFields,
  at: { timestamp: string; nonce?: string | undefined; openid?: string | undefined },
): { envelope: AppPushEnvelope; plaintext: string } {
  const { timestamp, nonce = newNonce() } = at;
  const plaintext = renderFields(fields, settings.format);
  const query: Record<string, string> = {
    // sha1 of the three sorted and joined: msg_signature's formula without the Encrypt text.
    signature: messageSignature(settings.token, timestamp, nonce),
    timestamp,
    nonce,
  };
  if (settings.openidInQuery && at.openid !== undefined) query.openid = at.openid;
  const contentType = PUSH_CONTENT_TYPES[settings.format];
  if (settings.mode === "plaintext") return { envelope: { query, body: plaintext, contentType }, plaintext };
  if (settings.encodingAESKey === null) throw new Error(`${settings.mode} mode needs an encodingAESKey`);
  const encrypt = encryptMessage(plaintext, appid, settings.encodingAESKey);
  query.encrypt_type = "aes";
  query.msg_signature = messageSignature(settings.token, timestamp, nonce, encrypt);
  const bodyFields: PushFields =
    settings.mode === "safe"
      ? [
          ["ToUserName", settings.originalId],
          ["Encrypt", encrypt],
        ]
      : [...fields, ["Encrypt", encrypt]];
  return { envelope: { query, body: renderFields(bodyFields, settings.format), contentType }, plaintext };
}

// ---- delivery ----

function errorText(error: unknown, deadlineMs: number): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${deadlineMs} ms`;
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : "";
    return `${error.message}${detail}`;
  }
  return String(error);
}

/**
 * One POST (or, without a body, the GET of the URL check); the deadline covers the whole answer,
 * body included, as WeChat's does.
 */
export async function attempt(
  url: string,
  envelope: { query: Record<string, string>; body?: string; contentType?: string },
  deadlineMs: number,
): Promise<PushAttempt> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const target = new URL(url);
    for (const [name, value] of Object.entries(envelope.query)) target.searchParams.set(name, value);
    const res = await fetch(
      target,
      envelope.body === undefined
        ? { method: "GET", signal: AbortSignal.timeout(deadlineMs) }
        : {
            method: "POST",
            headers: { "Content-Type": envelope.contentType ?? PUSH_CONTENT_TYPES.xml },
            body: envelope.body,
            signal: AbortSignal.timeout(deadlineMs),
          },
    );
    const body = await res.text();
    return { status: res.status, body, ms: ms() };
  } catch (error) {
    return { error: errorText(error, deadlineMs), ms: ms() };
  }
}

/** A field of an XML reply (CDATA or bare text); undefined if absent. */
function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${name}>`).exec(
    xml,
  );
  if (!match) return undefined;
  return match[1] ?? match[2] ?? "";
}

function jsonFields(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The encrypted reply's four parts, from XML or JSON; undefined when the answer is not one. */
function encryptedReply(
  answer: string,
): { encrypt: string; signature: string; timestamp: string; nonce: string } | undefined {
  const trimmed = answer.trim();
  let read: (name: string) => string | undefined;
  if (trimmed.startsWith("{")) {
    const fields = jsonFields(trimmed);
    read = (name) => {
      const value = fields?.[name];
      return typeof value === "string" || typeof value === "number" ? String(value) : undefined;
    };
  } else {
    read = (name) => xmlField(trimmed, name);
  }
  const encrypt = read("Encrypt");
  if (encrypt === undefined) return undefined;
  return {
    encrypt,
    signature: read("MsgSignature") ?? "",
    timestamp: read("TimeStamp") ?? "",
    nonce: read("Nonce") ?? "",
  };
}

/**
 * What WeChat makes of a 200 answer: plain, or an encrypted reply checked and opened (its trailing
 * appid is reported, not enforced).
 */
function readAnswer(settings: AppPushSettings, body: string): Omit<AppPushDelivery, "attempts"> {
  const reply = settings.encodingAESKey === null ? undefined : encryptedReply(body);
  if (!reply || settings.encodingAESKey === null) return { answer: body, replyEncrypted: false };
  const replySignatureValid =
    messageSignature(settings.token, reply.timestamp, reply.nonce, reply.encrypt) === reply.signature;
  try {
    const opened = decryptMessage(reply.encrypt, settings.encodingAESKey);
    return {
      answer: opened.message,
      replyEncrypted: true,
      replySignatureValid,
      replyAppid: opened.appid,
    };
  } catch (error) {
    return {
      answer: body,
      replyEncrypted: true,
      replySignatureValid,
      replyError: error instanceof Error ? error.message : String(error),
    };
  }
}

/**
 * POSTs the envelope to the app's URL like WeChat: each try waits `deadlineMs` for the answer; a
 * try without one (or that could not connect) is followed by another, PUSH_TRIES in all. Any HTTP
 * answer ends the tries. [UNCERTAIN] Whether WeChat also retries a 5xx answer is not documented;
 * the simulator does not.
 */
export async function deliverPush(
  settings: AppPushSettings,
  url: string,
  envelope: AppPushEnvelope,
): Promise<AppPushDelivery> {
  const attempts: PushAttempt[] = [];
  for (let i = 0; i < PUSH_TRIES; i++) {
    const tried = await attempt(url, envelope, settings.deadlineMs);
    attempts.push(tried);
    if (tried.status === undefined) continue;
    if (tried.status !== 200) return { attempts };
    return { attempts, ...readAnswer(settings, tried.body ?? "") };
  }
  return { attempts };
}

/** A push the app was sent (or would have been, without a URL), for GET /__sim/apps/{appid}/push. */
export interface AppPushRecord {
  /** "replay": an envelope a test had re-sent as is. */
  kind: "message" | "replay";
  /** App-clock ms when it was sent. */
  sentAt: number;
  /** MsgType, Event, MsgId (all its digits), CreateTime and FromUserName; null for a replay. */
  msgType: string | null;
  event: string | null;
  msgId: string | null;
  createTime: number | null;
  fromUser: string | null;
  /** The message before encryption; null for a replay. */
  plaintext: string | null;
  envelope: AppPushEnvelope;
  /** Where it was POSTed; null when it was only built. */
  url: string | null;
  /** null without a URL; "pending" while the tries are under way. */
  delivered: AppPushDelivery | null | "pending";
}

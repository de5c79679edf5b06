// What checking, opening and sealing a WeChat push needs the Token and EncodingAESKey for, shared by
// an app's own pushes (pushes/, keys in the appKey's PushInbox) and an authorizer's pushes through a
// third-party platform (component/, keys in the platform's keeper): the query's signatures, checked
// before the body is looked at beyond its Encrypt field; the decryption for the right appid; the
// sealed passive reply. Each caller keeps its keys in its own Durable Object and calls these there.

import { constantTimeEqual } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import { parseXml } from "../platform/xml.ts";
import { MsgCrypt, pushSignature } from "./msg-crypt.ts";

/**
 * How far WeChat's `timestamp` may be from the gateway's clock. A captured plaintext-mode request
 * (whose signature covers only token, timestamp and nonce) is refused after this; within it the
 * dedupe table (which remembers far longer, see pushes/inbox.ts) makes a replay deliver nothing.
 */
const PUSH_TIMESTAMP_WINDOW_SECONDS = 300;

/** The query WeChat signs a push with; every field as it arrived. */
export type PushQuery = {
  signature?: string | undefined;
  timestamp?: string | undefined;
  nonce?: string | undefined;
  encrypt_type?: string | undefined;
  msg_signature?: string | undefined;
};

export type PushFormat = "xml" | "json";

/** The push's credentials: the Token, the EncodingAESKey (null when not set) and the appid it is for. */
export type PushKeys = { token: string; encodingAESKey: string | null; appId: string };

export type PushRefusal = Failure<400 | 401>;

const refuse = (message: string): Failure<400> => ({ ok: false, status: 400, message });
const unauthorized = (message: string): Failure<401> => ({ ok: false, status: 401, message });

/** Safe (or compatible) mode: the body carries the message in its Encrypt field. */
export const isEncrypted = (query: PushQuery): boolean => query.encrypt_type === "aes";

function checkTimestamp(timestamp: string, nowMs: number): { ok: true } | Failure<401> {
  const seconds = /^[0-9]{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(Math.abs(nowMs / 1000 - seconds) <= PUSH_TIMESTAMP_WINDOW_SECONDS)) {
    return unauthorized(`timestamp is more than ${PUSH_TIMESTAMP_WINDOW_SECONDS} s from the gateway's clock`);
  }
  return { ok: true };
}

/** Whether `signature` is sha1(sort(token, timestamp, nonce)) and the timestamp is recent. */
export async function checkUrlSignature(
  token: string,
  query: PushQuery,
  nowMs: number,
): Promise<{ ok: true } | Failure<401>> {
  const { signature, timestamp, nonce } = query;
  if (!signature || !timestamp || !nonce) return unauthorized("signature, timestamp and nonce are required");
  const expected = await pushSignature([token, timestamp, nonce]);
  if (!(await constantTimeEqual(signature.toLowerCase(), expected))) {
    return unauthorized("signature does not match");
  }
  return checkTimestamp(timestamp, nowMs);
}

/**
 * What is checked before the body is read: the query's `signature` (always in plaintext mode, and
 * in safe mode when WeChat sends it), and in safe mode that msg_signature's parts are there and the
 * timestamp is recent.
 */
export async function checkPushQuery(
  token: string,
  query: PushQuery,
  nowMs: number,
): Promise<{ ok: true } | Failure<401>> {
  const encrypted = isEncrypted(query);
  if (!encrypted || query.signature !== undefined) {
    const url = await checkUrlSignature(token, query, nowMs);
    if (!url.ok) return url;
  }
  if (!encrypted) return { ok: true };
  if (!query.timestamp || !query.nonce || !query.msg_signature) {
    return unauthorized("timestamp, nonce and msg_signature are required in safe mode");
  }
  return checkTimestamp(query.timestamp, nowMs);
}

/** The Encrypt field of a safe-mode body, XML or JSON: the one thing read before msg_signature. */
export function encryptField(body: string): { ok: true; encrypt: string } | Failure<400> {
  const start = body.trimStart()[0];
  let encrypt: unknown;
  if (start === "<") {
    const parsed = parseXml(body);
    if (!parsed.ok) return refuse("the body is not readable XML");
    encrypt = parsed.root.children.find((element) => element.name === "Encrypt")?.text.trim();
  } else if (start === "{") {
    try {
      const parsed: unknown = JSON.parse(body);
      encrypt =
        typeof parsed === "object" && parsed !== null ? (parsed as { Encrypt?: unknown }).Encrypt : null;
    } catch {
      return refuse("the body is not readable JSON");
    }
  } else return refuse("the body is neither XML nor JSON");
  if (typeof encrypt !== "string" || encrypt === "") return refuse("the body has no Encrypt field");
  return { ok: true, encrypt };
}

/**
 * A safe-mode push after checkPushQuery: msg_signature over its Encrypt (401), then decrypted for
 * `keys.appId` (400 when it does not decrypt or names another appid).
 */
export async function decryptPush(
  keys: PushKeys,
  query: PushQuery,
  encrypt: string,
): Promise<{ ok: true; message: string } | PushRefusal> {
  const expected = await pushSignature([keys.token, query.timestamp ?? "", query.nonce ?? "", encrypt]);
  if (!(await constantTimeEqual((query.msg_signature ?? "").toLowerCase(), expected))) {
    return unauthorized("msg_signature does not match");
  }
  const crypt = keys.encodingAESKey
    ? await MsgCrypt.create(keys.token, keys.encodingAESKey, keys.appId)
    : null;
  if (!crypt) return refuse("safe mode needs the EncodingAESKey");
  const decrypted = await crypt.decrypt(encrypt);
  if (!decrypted.ok) return decrypted;
  return { ok: true, message: decrypted.message };
}

/** The passive reply as WeChat reads it in safe mode: the reply encrypted, signed, in the push's format. */
export async function sealReply(
  keys: PushKeys,
  format: PushFormat,
  reply: string,
  timestamp: string,
  nonce: string,
): Promise<string | null> {
  if (!keys.encodingAESKey) return null;
  const crypt = await MsgCrypt.create(keys.token, keys.encodingAESKey, keys.appId);
  if (!crypt) return null;
  if (format === "xml") return crypt.reply(reply, timestamp, nonce);
  const encrypt = await crypt.encrypt(reply);
  const signature = await pushSignature([keys.token, timestamp, nonce, encrypt]);
  return JSON.stringify({
    Encrypt: encrypt,
    MsgSignature: signature,
    TimeStamp: Number(timestamp),
    Nonce: nonce,
  });
}

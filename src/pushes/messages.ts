// Reading an app's push the way WeChat sends it: the signature is checked before the body is looked
// at (safe mode: the `signature` of the query first, then `msg_signature` over the Encrypt field,
// which is the one thing read from the body before it), then the message is decrypted (safe and
// compatible mode) and read as XML or JSON. Every refusal is a Failure (401 for a signature, 400 for
// anything unreadable), never a throw. JSON is read without ever turning a long integer (MsgId) into
// a JS number: the message reaches backends as WeChat's own text. The steps that need the Token and
// EncodingAESKey are in wechat/push-crypt.ts, which a platform's keeper also uses for its authorizers.

import { sha256Hex } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import { parseXml, type XmlElement } from "../platform/xml.ts";
import {
  checkPushQuery,
  decryptPush,
  encryptField,
  isEncrypted,
  type PushFormat,
  type PushKeys,
  type PushQuery,
  type PushRefusal,
} from "../wechat/push-crypt.ts";

export type OpenedPush = {
  format: PushFormat;
  /** The message as WeChat wrote it (decrypted in safe mode). */
  raw: string;
  /** The message's fields as JSON text: WeChat's own JSON, or the XML's elements. */
  messageJson: string;
  /** MsgId when there is one, else a digest of the sender, CreateTime and every other field. */
  dedupeKey: string;
  /** Safe (or compatible) mode: a passive reply must be encrypted. */
  encrypted: boolean;
};

const refuse = (message: string): Failure<400> => ({ ok: false, status: 400, message });

/**
 * JSON with every integer of 16 digits or more turned into a string before parsing, so that no
 * MsgId loses digits on the way to the dedupe key. Only for reading: backends get WeChat's text.
 */
function parseJsonKeepingLongIntegers(text: string): unknown {
  let out = "";
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    if (ch === "-" || (ch >= "0" && ch <= "9")) {
      let end = ch === "-" ? i + 1 : i;
      while (end < text.length && text[end]! >= "0" && text[end]! <= "9") end++;
      const digits = end - i - (ch === "-" ? 1 : 0);
      let tail = end;
      while (tail < text.length && /[0-9.eE+-]/.test(text[tail]!)) tail++;
      // A long integer (no fraction, no exponent) becomes a string of its digits.
      if (tail === end && digits >= 16) {
        out += `${text.slice(copied, i)}"${text.slice(i, end)}"`;
        copied = end;
      }
      i = tail - 1;
    }
  }
  return JSON.parse(out + text.slice(copied));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An XML message's elements as fields: text, or an object for nested elements, arrays for repeats. */
function xmlFields(element: XmlElement): Record<string, unknown> {
  const fields = new Map<string, unknown>();
  for (const child of element.children) {
    const value = child.children.length > 0 ? xmlFields(child) : child.text;
    const previous = fields.get(child.name);
    if (previous === undefined) fields.set(child.name, value);
    else fields.set(child.name, Array.isArray(previous) ? [...previous, value] : [previous, value]);
  }
  // fromEntries defines own properties: an element named __proto__ is just a field.
  return Object.fromEntries(fields);
}

type Envelope = { format: PushFormat; fields: Record<string, unknown> };

function readEnvelope(text: string): Envelope | Failure<400> {
  const start = text.trimStart()[0];
  if (start === "<") {
    const parsed = parseXml(text);
    if (!parsed.ok) return refuse("the body is not readable XML");
    return { format: "xml", fields: xmlFields(parsed.root) };
  }
  if (start === "{") {
    let parsed: unknown;
    try {
      parsed = parseJsonKeepingLongIntegers(text);
    } catch {
      return refuse("the body is not readable JSON");
    }
    if (!isObject(parsed)) return refuse("the body is not a JSON object");
    return { format: "json", fields: parsed };
  }
  return refuse("the body is neither XML nor JSON");
}

/** Canonical text of a value: object keys sorted, so two spellings of one message are one key. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(typeof value === "number" ? String(value) : value);
}

/**
 * What makes a push the same push: its MsgId when it has one (messages); an event has none, and is
 * known by its sender, CreateTime, MsgType, Event, EventKey and every other field it carries, so two
 * distinct events sharing a CreateTime (a LOCATION report and a click, an unsubscribe and a
 * location) are never taken for one another (WECHAT.md §17: WxJava#3445, weixin-java-tools#66).
 */
async function dedupeKeyOf(fields: Record<string, unknown>): Promise<string> {
  const msgId = fields.MsgId;
  if ((typeof msgId === "string" && /^[0-9]{1,32}$/.test(msgId.trim())) || Number.isSafeInteger(msgId)) {
    return `msg:${String(msgId).trim()}`;
  }
  const { FromUserName, CreateTime, MsgType, Event, EventKey, ...rest } = fields;
  const head = canonical([FromUserName, CreateTime, MsgType, Event, EventKey]);
  return `event:${await sha256Hex(`${head}\n${canonical(rest)}`)}`;
}

/**
 * The push after its signature checks: decrypted in safe or compatible mode (encrypt_type=aes),
 * read as XML or JSON. 401 before anything is decrypted when a signature does not match.
 */
export async function openPush(
  keys: PushKeys,
  query: PushQuery,
  body: string,
  nowMs: number,
): Promise<{ ok: true; push: OpenedPush } | PushRefusal> {
  const checked = await checkPushQuery(keys.token, query, nowMs);
  if (!checked.ok) return checked;
  const encrypted = isEncrypted(query);
  if (!encrypted) return readPush(body, false);
  const envelope = encryptField(body);
  if (!envelope.ok) return envelope;
  const decrypted = await decryptPush(keys, query, envelope.encrypt);
  if (!decrypted.ok) return decrypted;
  return readPush(decrypted.message, true);
}

/**
 * A push's message once its signatures were checked and it was decrypted (here, or for an
 * authorizer by its platform's keeper): read as XML or JSON, with the key that makes it one push.
 */
export async function readPush(
  raw: string,
  encrypted: boolean,
): Promise<{ ok: true; push: OpenedPush } | Failure<400>> {
  const message = readEnvelope(raw);
  if ("ok" in message) return message;
  const messageJson = message.format === "json" ? raw.trim() : JSON.stringify(message.fields);
  return {
    ok: true,
    push: {
      format: message.format,
      raw,
      messageJson,
      dedupeKey: await dedupeKeyOf(message.fields),
      encrypted,
    },
  };
}

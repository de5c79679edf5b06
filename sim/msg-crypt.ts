// WXBizMsgCrypt, WeChat's message encryption (WECHAT.md §17), on Node's own crypto (OpenSSL): the
// implementation independent of the gateway's Web Crypto one, which tests check it against.
//
//   AESKey    = base64(EncodingAESKey + "=")            32 bytes; the IV is its first 16
//   plaintext = random(16) ‖ len(msg) (4 bytes, big-endian) ‖ msg ‖ appid
//   cipher    = AES-256-CBC with PKCS#7 padding to a multiple of 32 bytes (not AES's 16), base64
//   msg_signature = sha1 of the four strings token, timestamp, nonce, Encrypt sorted and joined

import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** WeChat pads to 32 bytes, the key size, rather than the 16-byte AES block. */
const PAD_BLOCK = 32;
const RANDOM_PREFIX_BYTES = 16;
const LENGTH_BYTES = 4;
/** An EncodingAESKey: 43 characters of letters and digits. */
const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

export function isEncodingAESKey(value: string): boolean {
  return ENCODING_AES_KEY_PATTERN.test(value);
}

function aesKey(encodingAESKey: string): Buffer {
  if (!isEncodingAESKey(encodingAESKey)) throw new Error("EncodingAESKey must be 43 letters and digits");
  return Buffer.from(`${encodingAESKey}=`, "base64");
}

/**
 * The Encrypt text for `message` from `appid`. `random` (16 bytes; text is taken as UTF-8) makes
 * the output repeatable, as in WeChat's sample tests; by default it is random.
 */
export function encryptMessage(
  message: string,
  appid: string,
  encodingAESKey: string,
  random: Uint8Array | string = randomBytes(RANDOM_PREFIX_BYTES),
): string {
  const key = aesKey(encodingAESKey);
  const prefix = typeof random === "string" ? Buffer.from(random, "utf8") : Buffer.from(random);
  if (prefix.length !== RANDOM_PREFIX_BYTES) throw new Error("the random prefix must be 16 bytes");
  const text = Buffer.from(message, "utf8");
  const length = Buffer.alloc(LENGTH_BYTES);
  length.writeUInt32BE(text.length);
  const body = Buffer.concat([prefix, length, text, Buffer.from(appid, "utf8")]);
  const pad = PAD_BLOCK - (body.length % PAD_BLOCK);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([
    cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])),
    cipher.final(),
  ]).toString("base64");
}

export interface DecryptedMessage {
  message: string;
  /** The trailing appid: the component's for a third-party platform's pushes. */
  appid: string;
}

/** Opens an Encrypt text; throws on a wrong key, bad padding or a length that does not fit. */
export function decryptMessage(encrypt: string, encodingAESKey: string): DecryptedMessage {
  const key = aesKey(encodingAESKey);
  const bytes = Buffer.from(encrypt, "base64");
  if (bytes.length === 0 || bytes.length % 16 !== 0) throw new Error("Encrypt is not whole AES blocks");
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(bytes), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > padded.length) throw new Error("bad padding");
  if (!padded.subarray(padded.length - pad).every((b) => b === pad)) throw new Error("bad padding");
  const plain = padded.subarray(0, padded.length - pad);
  if (plain.length < RANDOM_PREFIX_BYTES + LENGTH_BYTES) throw new Error("plaintext too short");
  const length = plain.readUInt32BE(RANDOM_PREFIX_BYTES);
  const start = RANDOM_PREFIX_BYTES + LENGTH_BYTES;
  if (start + length > plain.length) throw new Error("message length does not fit");
  return {
    message: plain.subarray(start, start + length).toString("utf8"),
    appid: plain.subarray(start + length).toString("utf8"),
  };
}

/** msg_signature: sha1 hex of the strings sorted and joined (token, timestamp, nonce, Encrypt). */
export function messageSignature(...parts: string[]): string {
  return createHash("sha1")
    .update([...parts].sort().join(""))
    .digest("hex");
}

// WXBizMsgCrypt, WeChat's message encryption for pushes (a third-party platform's events, an app's
// pushes in safe mode), on Web Crypto. The key is base64(EncodingAESKey + "="), 32 bytes; the
// cipher is AES-256-CBC with the key's first 16 bytes as IV; the plaintext is 16 random bytes, the
// message length (4 bytes, big-endian), the message, then the appid it is meant for; and it is
// padded PKCS#7-style to a multiple of 32 bytes, not AES's 16. The signature is
// sha1(sort(token, timestamp, nonce, encrypt)) in hex.
//
// Web Crypto's AES-CBC only knows 16-byte PKCS#7: it would refuse a last block whose padding says
// 17–32. So decryption appends one crafted block that decrypts to a whole block of 16-byte padding
// (its ciphertext is E(0x10… XOR the last real block), made with one CBC encryption); Web Crypto
// then strips exactly that block, and the 32-byte padding is checked and removed here. Encryption
// pads to 32 here (a multiple of 16) and drops the block of 16-byte padding Web Crypto adds.

import { constantTimeEqual, hex } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";

/** WeChat's block for the padding: PKCS#7 to a multiple of 32 bytes. */
const WECHAT_PAD_BLOCK = 32;
const AES_BLOCK = 16;
/** The random prefix and the length field before the message. */
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
/** EncodingAESKey is 43 characters of [A-Za-z0-9]: base64 of 32 bytes without its "=". */
const ENCODING_AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;

export type MsgCryptFailure = Failure<400 | 401>;
export type Decrypted = { ok: true; message: string; appId: string };

function fromBase64(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** sha1(sort(parts).join("")) in lowercase hex: the push signature. */
export async function pushSignature(parts: string[]): Promise<string> {
  const joined = [...parts].sort().join("");
  return hex(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(joined)));
}

/** One platform's (or app's) message key and token. */
export class MsgCrypt {
  private constructor(
    private readonly token: string,
    private readonly key: CryptoKey,
    private readonly iv: Uint8Array,
    private readonly appId: string,
  ) {}

  /** Null when `encodingAESKey` is not 43 characters of [A-Za-z0-9]. */
  static async create(token: string, encodingAESKey: string, appId: string): Promise<MsgCrypt | null> {
    if (!ENCODING_AES_KEY_PATTERN.test(encodingAESKey)) return null;
    const raw = fromBase64(`${encodingAESKey}=`);
    if (raw?.length !== 32) return null;
    const key = await crypto.subtle.importKey("raw", raw, { name: "AES-CBC" }, false, ["encrypt", "decrypt"]);
    return new MsgCrypt(token, key, raw.slice(0, AES_BLOCK), appId);
  }

  /** Whether `signature` is sha1(sort(token, timestamp, nonce, encrypt)), compared in constant time. */
  async verify(signature: string, timestamp: string, nonce: string, encrypt: string): Promise<boolean> {
    const expected = await pushSignature([this.token, timestamp, nonce, encrypt]);
    return constantTimeEqual(signature.toLowerCase(), expected);
  }

  /** The message inside `encrypt` (base64), refused (400) unless it decrypts, is well formed and names this appid. */
  async decrypt(encrypt: string): Promise<Decrypted | MsgCryptFailure> {
    const refuse = (message: string): MsgCryptFailure => ({ ok: false, status: 400, message });
    const cipher = fromBase64(encrypt);
    if (!cipher || cipher.length === 0 || cipher.length % WECHAT_PAD_BLOCK !== 0) {
      return refuse("Encrypt is not base64 of whole 32-byte blocks");
    }
    const plain = await this.rawDecrypt(cipher);
    const pad = plain[plain.length - 1]!;
    if (pad < 1 || pad > WECHAT_PAD_BLOCK || plain.subarray(plain.length - pad).some((b) => b !== pad)) {
      return refuse("Encrypt does not decrypt with this EncodingAESKey");
    }
    const body = plain.subarray(0, plain.length - pad);
    if (body.length < RANDOM_BYTES + LENGTH_BYTES) return refuse("the decrypted message is too short");
    const length = new DataView(body.buffer, body.byteOffset + RANDOM_BYTES, LENGTH_BYTES).getUint32(0);
    const start = RANDOM_BYTES + LENGTH_BYTES;
    if (start + length > body.length) return refuse("the decrypted message's length is not its own");
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    let message: string;
    let appId: string;
    try {
      message = decoder.decode(body.subarray(start, start + length));
      appId = decoder.decode(body.subarray(start + length));
    } catch {
      return refuse("the decrypted message is not UTF-8");
    }
    if (!(await constantTimeEqual(appId, this.appId))) {
      return refuse("the message is meant for another appid");
    }
    return { ok: true, message, appId };
  }

  /** `message` encrypted for this appid (base64), for a reply or a test. */
  async encrypt(message: string): Promise<string> {
    const text = new TextEncoder().encode(message);
    const appId = new TextEncoder().encode(this.appId);
    const unpadded = RANDOM_BYTES + LENGTH_BYTES + text.length + appId.length;
    const pad = WECHAT_PAD_BLOCK - (unpadded % WECHAT_PAD_BLOCK);
    const plain = new Uint8Array(unpadded + pad);
    crypto.getRandomValues(plain.subarray(0, RANDOM_BYTES));
    new DataView(plain.buffer).setUint32(RANDOM_BYTES, text.length);
    plain.set(text, RANDOM_BYTES + LENGTH_BYTES);
    plain.set(appId, RANDOM_BYTES + LENGTH_BYTES + text.length);
    plain.fill(pad, unpadded);
    const cipher = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-CBC", iv: this.iv }, this.key, plain),
    );
    // Web Crypto appended a block of its own 16-byte padding: WeChat's padding is already in.
    return toBase64(cipher.subarray(0, plain.length));
  }

  /** The encrypted reply WeChat reads: Encrypt, MsgSignature, TimeStamp, Nonce. */
  async reply(message: string, timestamp: string, nonce: string): Promise<string> {
    const encrypt = await this.encrypt(message);
    const signature = await pushSignature([this.token, timestamp, nonce, encrypt]);
    return `<xml><Encrypt><![CDATA[${encrypt}]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature><TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`;
  }

  /** CBC decryption of whole blocks without removing any padding (see the file's comment). */
  private async rawDecrypt(cipher: Uint8Array): Promise<Uint8Array> {
    const last = cipher.subarray(cipher.length - AES_BLOCK);
    const fullPad = new Uint8Array(AES_BLOCK).fill(AES_BLOCK);
    // CBC-encrypting the padding block with the last ciphertext block as IV gives E(pad XOR last):
    // appended, it decrypts to exactly one block of 16-byte padding, which Web Crypto removes.
    const crafted = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-CBC", iv: last }, this.key, fullPad),
    );
    const extended = new Uint8Array(cipher.length + AES_BLOCK);
    extended.set(cipher);
    extended.set(crafted.subarray(0, AES_BLOCK), cipher.length);
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv: this.iv }, this.key, extended));
  }
}

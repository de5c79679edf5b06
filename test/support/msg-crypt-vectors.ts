// WXBizMsgCrypt vectors made by an independent implementation: Node's own crypto (OpenSSL), run in
// the test harness's global setup (Node), handed to the tests in workerd through vitest's provide.
// The gateway's implementation (src/wechat/msg-crypt.ts) works on Web Crypto, whose AES-CBC only
// knows 16-byte padding: these vectors cover every WeChat padding length from 1 to 32.

import { createCipheriv, createHash, randomBytes } from "node:crypto";

export type MsgCryptVector = {
  token: string;
  encodingAESKey: string;
  appId: string;
  timestamp: string;
  nonce: string;
  message: string;
  encrypt: string;
  signature: string;
  /** WeChat's PKCS#7 padding length in this vector (1–32). */
  pad: number;
};

const ENCODING_AES_KEY = "b0YGQ9uqYvXfYgV3lVLb2zS7TfH8WcqJ1kR6mN4pD5e";
const TOKEN = "vector-token";
const APPID = "wxvectorcomponent01";

function vector(message: string, timestamp: string, nonce: string): MsgCryptVector {
  const key = Buffer.from(`${ENCODING_AES_KEY}=`, "base64");
  const text = Buffer.from(message, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  const body = Buffer.concat([randomBytes(16), length, text, Buffer.from(APPID)]);
  const pad = 32 - (body.length % 32);
  const plain = Buffer.concat([body, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  const encrypt = Buffer.concat([cipher.update(plain), cipher.final()]).toString("base64");
  const signature = createHash("sha1")
    .update([TOKEN, timestamp, nonce, encrypt].sort().join(""))
    .digest("hex");
  return {
    token: TOKEN,
    encodingAESKey: ENCODING_AES_KEY,
    appId: APPID,
    timestamp,
    nonce,
    message,
    encrypt,
    signature,
    pad,
  };
}

/** One vector per padding length 1–32 (message lengths chosen to hit each), some with non-ASCII text. */
export function msgCryptVectors(): MsgCryptVector[] {
  const vectors: MsgCryptVector[] = [];
  const fixed = 16 + 4 + APPID.length;
  for (let pad = 1; pad <= 32; pad++) {
    // The plaintext before padding is 96 - pad bytes long, so WeChat's padding is `pad` bytes.
    const message = `padding ${pad}:`.padEnd(96 - fixed - pad, "x");
    vectors.push(vector(message, String(1700000000 + pad), `nonce${pad}`));
  }
  vectors.push(vector("<xml><Content><![CDATA[我是中文 ✓]]></Content></xml>", "1700000100", "utf8"));
  return vectors;
}

// JS-SDK signature (WeChat JS-SDK appendix 1): sha1 over the four fields sorted by name, joined as
// key=value with raw (unescaped) values.

import { hex } from "../platform/crypto.ts";

/** wx.config's nonceStr: WeChat's examples use 16 letters and digits. */
const NONCE_LENGTH = 16;
const NONCE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export type JsSdkSignatureInput = { ticket: string; noncestr: string; timestamp: number; url: string };

/** The page URL WeChat signs: everything before the first `#`. */
export function signedUrl(url: string): string {
  const hash = url.indexOf("#");
  return hash === -1 ? url : url.slice(0, hash);
}

export function signatureBase(input: JsSdkSignatureInput): string {
  // Already in ASCII order of the field names: jsapi_ticket < noncestr < timestamp < url.
  return `jsapi_ticket=${input.ticket}&noncestr=${input.noncestr}&timestamp=${input.timestamp}&url=${signedUrl(input.url)}`;
}

export async function jsSdkSignature(input: JsSdkSignatureInput): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(signatureBase(input)));
  return hex(digest);
}

export function newNonce(): string {
  // 62 letters: rejection-free bias of at most 4/256 per character is irrelevant for a nonce.
  const bytes = crypto.getRandomValues(new Uint8Array(NONCE_LENGTH));
  return [...bytes].map((b) => NONCE_ALPHABET[b % NONCE_ALPHABET.length]).join("");
}

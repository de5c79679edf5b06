// Generic crypto and byte encodings for keys, digests and tokens, on Web Crypto.

export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Base64url without padding (RFC 4648 §5), as in JWTs and URL-safe tokens. */
export function base64Url(bytes: ArrayBuffer | Uint8Array): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/**
 * FNV-1a, 32 bits: a fast, stable, non-cryptographic hash of a string, for spreading names over
 * buckets (schedule shards, refresh times). Never for anything an attacker may choose to collide.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: how the gateway signs what it
 * POSTs to the operator's services (verification codes, push deliveries), the Stripe scheme
 * receivers know. The timestamp in the signed text lets them refuse replays.
 */
export async function timestampedSignature(
  secret: string,
  body: string,
  nowSeconds: number,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${nowSeconds}.${body}`));
  return `t=${nowSeconds},v1=${hex(mac)}`;
}

/** Constant-time comparison of two strings: both are hashed first so their lengths match. */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}

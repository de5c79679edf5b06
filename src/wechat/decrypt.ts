// Mini-program encrypted data (wx.getUserInfo, getPhoneNumber...): AES-128-CBC with PKCS#7 padding,
// key = the user's session_key, and a watermark naming the appid it was encrypted for.

/** AES-128: the session_key and the iv are both 16 bytes. */
const AES_KEY_BYTES = 16;
const AES_BLOCK_BYTES = 16;
/** A phone number or profile is well under 2 KB; this bounds the work done for a bogus input. */
export const MAX_ENCRYPTED_DATA_CHARS = 16_384;

type DecryptField = "encryptedData" | "iv" | "sessionKey";

export type DecryptedData =
  | { ok: true; text: string; body: Record<string, unknown> }
  | { ok: false; field: DecryptField; reason: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard base64. A `+` that arrived unescaped in a query string has become a space on the way,
 * so spaces are read back as `+`.
 */
function decodeBase64(value: string): Uint8Array | null {
  const normalised = value.replaceAll(" ", "+");
  if (!BASE64.test(normalised)) return null;
  const binary = atob(normalised);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export async function decryptUserData(input: {
  encryptedData: string;
  iv: string;
  sessionKey: string;
  appId: string;
}): Promise<DecryptedData> {
  const key = decodeBase64(input.sessionKey);
  if (!key || key.byteLength !== AES_KEY_BYTES) {
    return { ok: false, field: "sessionKey", reason: "must be the base64 of a 16-byte session_key" };
  }
  const iv = decodeBase64(input.iv);
  if (!iv || iv.byteLength !== AES_BLOCK_BYTES) {
    return { ok: false, field: "iv", reason: "must be the base64 of 16 bytes" };
  }
  const data = decodeBase64(input.encryptedData);
  if (!data || data.byteLength === 0 || data.byteLength % AES_BLOCK_BYTES !== 0) {
    return { ok: false, field: "encryptedData", reason: "must be base64 of whole 16-byte AES blocks" };
  }
  let plain: ArrayBuffer;
  try {
    const aesKey = await crypto.subtle.importKey("raw", key, { name: "AES-CBC" }, false, ["decrypt"]);
    plain = await crypto.subtle.decrypt({ name: "AES-CBC", iv }, aesKey, data);
  } catch {
    // Bad PKCS#7 padding: the usual sign of a session_key that does not belong to this data.
    return {
      ok: false,
      field: "encryptedData",
      reason: "could not be decrypted with this sessionKey and iv (wrong key, iv or data)",
    };
  }
  let text: string;
  let body: unknown;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(plain);
    body = JSON.parse(text);
  } catch {
    return { ok: false, field: "encryptedData", reason: "decrypted to something that is not JSON" };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, field: "encryptedData", reason: "decrypted to something that is not a JSON object" };
  }
  const watermark = (body as { watermark?: { appid?: unknown } }).watermark;
  if (watermark?.appid !== input.appId) {
    return {
      ok: false,
      field: "encryptedData",
      reason: "its watermark.appid is not this app's appid (the data was encrypted for another app)",
    };
  }
  return { ok: true, text, body: body as Record<string, unknown> };
}

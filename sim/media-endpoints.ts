// Official-account temporary media: POST /cgi-bin/media/upload (multipart/form-data, the file in a
// part named "media") and GET /cgi-bin/media/get, which hands the same bytes back. The simulator
// keeps each file exactly as received, so a proxy in between can be checked byte for byte.
// Unlike WeChat it does not check the file's format (40005) and serves video as bytes too (WeChat
// answers {"video_url": ...} for video).

import { authenticateAccessToken } from "./access-token.ts";
import { MEDIA_MAX_BYTES } from "./limits.ts";
import { type MediaType, sha256Hex } from "./media-library.ts";
import { queryParam, type WeChatCall } from "./request.ts";
import {
  chunkedBytesResponse,
  randomBase64Url,
  WECHAT_ERRORS,
  wechatError,
  wechatJson,
} from "./responses.ts";
import type { SimulatorState } from "./state.ts";

const MEDIA_TYPES = Object.keys(MEDIA_MAX_BYTES) as MediaType[];

/** The multipart part that carries the file, as WeChat names it. */
const MEDIA_PART_NAME = "media";

/** 48 random bytes = 64 base64url characters, the length of real media_ids. */
const MEDIA_ID_RANDOM_BYTES = 48;

/** For a part that names no Content-Type at all (undici itself defaults to text/plain). */
const DEFAULT_MEDIA_CONTENT_TYPE = "application/octet-stream";

/** The upload's `media` file, or null when the body is not multipart or has no such file. */
async function mediaPart(call: WeChatCall): Promise<File | null> {
  const contentType = call.contentType ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return null;
  let form: FormData;
  try {
    // The web-standard multipart parser, run over the bytes exactly as they arrived.
    form = await new Response(call.bodyBytes, { headers: { "Content-Type": contentType } }).formData();
  } catch {
    return null;
  }
  // A part without a filename is a plain field, not a file.
  const part = form.get(MEDIA_PART_NAME);
  return part instanceof File && part.size > 0 ? part : null;
}

/**
 * Stores the file for 3 days and answers {"type", "media_id", "created_at"} (no errcode). Errors:
 * token (shared check), type not image/voice/video/thumb -> 40004, no multipart `media` file ->
 * 41005, bigger than the type allows -> 40006.
 */
export async function uploadMedia(state: SimulatorState, call: WeChatCall): Promise<Response> {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const type = MEDIA_TYPES.find((t) => t === call.query.get("type"));
  if (!type) return wechatError(WECHAT_ERRORS.invalidMediaType);
  const part = await mediaPart(call);
  if (!part) return wechatError(WECHAT_ERRORS.mediaDataMissing);
  if (part.size > MEDIA_MAX_BYTES[type]) return wechatError(WECHAT_ERRORS.invalidMediaSize);

  const app = auth.app;
  const now = app.now();
  const bytes = new Uint8Array(await part.arrayBuffer());
  const mediaId = randomBase64Url(MEDIA_ID_RANDOM_BYTES);
  app.media.add({
    mediaId,
    type,
    bytes,
    contentType: part.type || DEFAULT_MEDIA_CONTENT_TYPE,
    // A file sent with filename="" is still named in media/get's Content-Disposition.
    filename: part.name || mediaId,
    sha256: await sha256Hex(bytes),
    createdAt: now,
  });
  return wechatJson({ type, media_id: mediaId, created_at: Math.floor(now / 1000) });
}

/**
 * The stored bytes with their Content-Type, Content-Disposition and Content-Length. media_id
 * missing -> 41006; unknown, another app's, pushed out or older than 3 days -> 40007.
 */
export function getMedia(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const mediaId = queryParam(call.query, "media_id");
  if (mediaId === undefined) return wechatError(WECHAT_ERRORS.mediaIdMissing);
  const media = auth.app.media.find(mediaId, auth.app.now());
  if (!media) return wechatError(WECHAT_ERRORS.invalidMediaId);
  return chunkedBytesResponse(media.bytes, {
    "Content-Type": media.contentType,
    "Content-Disposition": contentDisposition(media.filename),
  });
}

/** Characters that cannot stand inside filename="..." (quotes, backslashes, non-ASCII, controls). */
const UNQUOTABLE_FILENAME_CHARACTERS = /[^\x20-\x7e]|["\\]/g;

/**
 * `attachment; filename="<filename>"`; a name that cannot be quoted as it is gets a "_"-for-each-
 * odd-character fallback there plus the exact name in filename*=UTF-8''... (RFC 6266), since
 * header values cannot carry it.
 */
function contentDisposition(filename: string): string {
  const quotable = filename.replace(UNQUOTABLE_FILENAME_CHARACTERS, "_");
  if (quotable === filename) return `attachment; filename="${filename}"`;
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${quotable}"; filename*=UTF-8''${encoded}`;
}

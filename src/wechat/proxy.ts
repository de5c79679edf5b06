// Forwarding for the transparent proxy: an SDK's request goes to WeChat as it came (method, body
// stream, content type) with the keeper's token in the query, and WeChat's answer comes back as
// WeChat sent it. A rejected token is reported once and the request repeated once.

import type { TokenSource } from "./business-calls.ts";
import { withDeadline } from "./deadline.ts";
import { TOKEN_REJECTED_ERRCODES } from "./errcodes.ts";

/** Uploads (media up to 10 MB, video up to 20 MB in some APIs) need longer than JSON calls. */
export const PROXY_TIMEOUT_MS = 30_000;
/** A JSON answer larger than this is passed through without looking for a token error. */
const MAX_INSPECTED_JSON_BYTES = 1_048_576;

/** Request headers an SDK's call may carry to WeChat; everything else (credentials, cookies, hop-by-hop) stays here. */
const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "accept-language", "user-agent"];
/** Response headers that describe the connection, not the answer (RFC 9110 §7.6.1), plus cookies. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "set-cookie",
]);

export type ProxiedRequest = {
  method: string;
  /** The canonical WeChat path (proxy-path.ts), e.g. /cgi-bin/message/custom/send. */
  path: string;
  /** The caller's query; its access_token is replaced. */
  query: URLSearchParams;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  /** The query parameter the token goes in: a platform's own calls take `component_access_token`. */
  tokenParam?: "access_token" | "component_access_token";
};

/**
 * A path that URL parsing would change on the way out. The route only forwards canonical paths
 * (proxy-path.ts), so this is a second line: never send WeChat another path than the one judged.
 */
export class UnforwardablePathError extends Error {}

/** `base` + `path` + `query` as fetch() will send it, checked to carry exactly `path` after base's own path. */
export function upstreamUrl(base: string, path: string, query: URLSearchParams): URL {
  const root = base.replace(/\/+$/, "");
  const url = new URL(`${root}${path}`);
  const basePath = new URL(root).pathname.replace(/\/$/, "");
  if (url.pathname !== `${basePath}${path}`) throw new UnforwardablePathError("URL parsing changes the path");
  url.search = query.toString();
  return url;
}

function upstreamHeaders(from: Headers): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = from.get(name);
    if (value !== null) headers.set(name, value);
  }
  return headers;
}

/** The same body for a first try and one retry; a known length is kept so WeChat sees Content-Length. */
function twoBodies(
  request: ProxiedRequest,
): [ReadableStream<Uint8Array> | null, ReadableStream<Uint8Array> | null] {
  if (!request.body) return [null, null];
  const length = Number(request.headers.get("content-length"));
  const [first, spare] = request.body.tee();
  const sized = (stream: ReadableStream<Uint8Array>) =>
    Number.isSafeInteger(length) && length > 0 ? stream.pipeThrough(new FixedLengthStream(length)) : stream;
  return [sized(first), sized(spare)];
}

function passBack(response: Response, body: BodyInit | null = response.body): Response {
  const headers = new Headers();
  for (const [name, value] of response.headers) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.set(name, value);
  }
  // fetch() decoded a compressed body, so its encoding and length no longer describe it.
  if (headers.has("content-encoding")) {
    headers.delete("content-encoding");
    headers.delete("content-length");
  }
  return new Response(body, { status: response.status, headers });
}

/** `url` is the checked upstream URL (upstreamUrl); its token parameter is set to `token` here. */
async function send(
  url: URL,
  request: ProxiedRequest,
  token: string,
  body: ReadableStream<Uint8Array> | null,
): Promise<Response> {
  url.searchParams.set(request.tokenParam ?? "access_token", token);
  // Until the headers are in; the body then streams to the caller without the deadline.
  return withDeadline(PROXY_TIMEOUT_MS, (signal) =>
    fetch(url, {
      method: request.method,
      headers: upstreamHeaders(request.headers),
      body,
      signal,
    }),
  );
}

/** The digits of a token-rejected errcode, to skip parsing the answers that cannot be one. */
const REJECTED_ERRCODE_DIGITS = /4(?:0001|0014|2001)/;

function rejectedToken(bytes: ArrayBuffer): boolean {
  // Most answers are successes: a scan of the decoded text spares them a JSON parse.
  const text = new TextDecoder().decode(bytes);
  if (!REJECTED_ERRCODE_DIGITS.test(text)) return false;
  try {
    const errcode = (JSON.parse(text) as { errcode?: unknown }).errcode;
    return typeof errcode === "number" && TOKEN_REJECTED_ERRCODES.has(errcode);
  } catch {
    return false;
  }
}

/**
 * Forwards `request` with the appid's token; throws UnforwardablePathError before sending anything
 * if URL parsing would change its path, and otherwise only when WeChat cannot be reached.
 */
export async function forwardToWeChat(
  base: string,
  tokens: TokenSource,
  token: string,
  request: ProxiedRequest,
): Promise<Response> {
  // Checked before the body is teed, so a refused path leaves nothing half-read.
  const url = upstreamUrl(base, request.path, request.query);
  const [first, spare] = twoBodies(request);
  const response = await send(url, request, token, first);
  const type = response.headers.get("content-type") ?? "";
  const length = Number(response.headers.get("content-length") ?? 0);
  const inspectable = /json|text\/plain/i.test(type) && length <= MAX_INSPECTED_JSON_BYTES;
  if (!inspectable) {
    await spare?.cancel();
    return passBack(response);
  }
  // Bytes, not text: they go back exactly as WeChat sent them, so Content-Length stays true.
  const bytes = await response.arrayBuffer();
  if (rejectedToken(bytes)) {
    const renewed = await tokens.rejected(token);
    if (renewed.ok && renewed.credential.value !== token) {
      const retried = await send(url, request, renewed.credential.value, spare);
      return passBack(retried);
    }
  }
  await spare?.cancel();
  return passBack(response, bytes);
}

// The one client for WeChat business APIs (everything but the token calls, which the keeper makes).
// It puts the current access_token in the query, retries "busy" with backoff, recovers once from a
// rejected token through the keeper, and tells images from JSON errors. It never logs a token.

import { GatewayError, orThrow } from "../platform/errors.ts";
import type { CredentialResult } from "./credential.ts";
import { isTimeout, withDeadline } from "./deadline.ts";
import { BUSY_ERRCODES, TOKEN_REJECTED_ERRCODES } from "./errcodes.ts";
import { businessFailure, type FailedCall } from "./failures.ts";
import { withRetries } from "./retry.ts";

/** Business calls may do real work (image generation), so they get longer than token calls. */
export const BUSINESS_TIMEOUT_MS = 10_000;
/** Attempts for "busy" (-1) and HTTP 5xx answers; WeChat asks callers to retry these later. */
export const BUSY_MAX_ATTEMPTS = 3;
export const BUSY_RETRY_BASE_MS = 200;
export const BUSY_RETRY_CAP_MS = 1_000;
/** Enough bytes to recognise JPEG, PNG and GIF signatures. */
const SNIFF_BYTES = 8;

/** Where the access_token comes from: the appid's keeper, seen through two calls. */
export type TokenSource = {
  current(): Promise<CredentialResult>;
  /** Compare-and-refresh: the keeper refreshes only if `token` is still its current one. */
  rejected(token: string): Promise<CredentialResult>;
};

export type BusinessCall = {
  method: "GET" | "POST";
  path: string;
  query?: Record<string, string>;
  /**
   * The JSON body exactly as the caller sent it (after validation), so field order, unknown fields
   * and big integers reach WeChat unchanged. Never carries the access_token.
   */
  jsonText?: string;
  /** `image`: a success is the image itself (the QR-code APIs). */
  expect: "json" | "image";
  /** For APIs whose 45009 is documented as a per-minute limit (getwxacodeunlimit). */
  quotaIsPerMinute?: boolean;
};

export type BusinessAnswer =
  | {
      kind: "json";
      /** WeChat's JSON exactly as sent, so big integers (msgid) keep every digit. */
      text: string;
      body: Record<string, unknown>;
    }
  | { kind: "image"; contentType: string; contentLength: string | null; stream: ReadableStream<Uint8Array> };

type Attempt = BusinessAnswer | FailedCall;

/**
 * Calls WeChat with the appid's current token. On 40001/40014/42001 it reports that token to the
 * keeper and retries exactly once with the token the keeper then holds (never if that is the same
 * token). Failures are thrown as GatewayError with WeChat's errcode/errmsg; successes are returned.
 */
export async function callBusinessApi(
  base: string,
  tokens: TokenSource,
  call: BusinessCall,
): Promise<BusinessAnswer> {
  const token = orThrow(await tokens.current()).credential.value;
  let attempt = await sendWhileBusy(base, token, call);
  if (attempt.kind === "errcode" && TOKEN_REJECTED_ERRCODES.has(attempt.errcode)) {
    const renewed = orThrow(await tokens.rejected(token)).credential.value;
    if (renewed !== token) attempt = await sendWhileBusy(base, renewed, call);
  }
  if (attempt.kind === "json" || attempt.kind === "image") return attempt;
  throw GatewayError.from(businessFailure(attempt, call));
}

function sendWhileBusy(base: string, token: string, call: BusinessCall): Promise<Attempt> {
  return withRetries(() => send(base, token, call), {
    maxAttempts: BUSY_MAX_ATTEMPTS,
    baseMs: BUSY_RETRY_BASE_MS,
    capMs: BUSY_RETRY_CAP_MS,
    retryable: (attempt) => {
      const busy =
        (attempt.kind === "errcode" && BUSY_ERRCODES.has(attempt.errcode)) ||
        (attempt.kind === "unreachable" && attempt.reason.startsWith("HTTP 5"));
      // A timeout or dropped connection on a POST may have been processed (a message sent), so only
      // answers that say "not done" (busy, 5xx) are retried, plus anything on an idempotent GET.
      return busy || (attempt.kind === "unreachable" && call.method === "GET");
    },
  });
}

async function send(base: string, token: string, call: BusinessCall): Promise<Attempt> {
  const query = new URLSearchParams(call.query);
  query.set("access_token", token);
  const url = `${base}${call.path}?${query}`;
  const init: RequestInit =
    call.method === "POST"
      ? {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: call.jsonText ?? "{}",
        }
      : { method: "GET" };
  try {
    return await withDeadline(BUSINESS_TIMEOUT_MS, async (signal) => {
      const response = await fetch(url, { ...init, signal });
      if (response.status >= 500) {
        await response.body?.cancel();
        return { kind: "unreachable", reason: `HTTP ${response.status} from WeChat` };
      }
      const contentType = (response.headers.get("content-type") ?? "").toLowerCase();
      // An image's headers are in: it streams to the caller after the deadline is cleared.
      if (call.expect === "image" && contentType.startsWith("image/")) {
        return imageAnswer(response, contentType, response.body ?? emptyStream());
      }
      if (call.expect === "image" && !isJsonType(contentType)) {
        const sniffed = await sniff(response.body ?? emptyStream());
        const imageType = imageTypeOf(sniffed.head);
        if (imageType) return imageAnswer(response, imageType, sniffed.stream);
        return readJson(await new Response(sniffed.stream).text());
      }
      return readJson(await response.text());
    });
  } catch (error) {
    return {
      kind: "unreachable",
      reason: isTimeout(error) ? "WeChat did not answer in time" : "the connection to WeChat failed",
    };
  }
}

function isJsonType(contentType: string): boolean {
  return contentType.includes("json") || contentType.startsWith("text/");
}

function imageAnswer(response: Response, contentType: string, stream: ReadableStream<Uint8Array>): Attempt {
  return {
    kind: "image",
    contentType,
    // Only valid when the bytes are passed on unchanged, which they are.
    contentLength: response.headers.get("content-length"),
    stream,
  };
}

function readJson(text: string): Attempt {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: "unreachable", reason: "WeChat's answer was not valid JSON" };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { kind: "unreachable", reason: "WeChat's answer was not a JSON object" };
  }
  const record = body as Record<string, unknown>;
  // Some APIs (jscode2session, user/info) leave errcode out on success.
  const errcode = typeof record.errcode === "number" ? record.errcode : 0;
  if (errcode !== 0) {
    return { kind: "errcode", errcode, errmsg: typeof record.errmsg === "string" ? record.errmsg : "" };
  }
  return { kind: "json", text, body: record };
}

/** JPEG, PNG or GIF by their signatures, for answers whose Content-Type says nothing useful. */
function imageTypeOf(head: Uint8Array): string | null {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return "image/jpeg";
  if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return "image/png";
  if (head[0] === 0x47 && head[1] === 0x49 && head[2] === 0x46 && head[3] === 0x38) return "image/gif";
  return null;
}

/** Reads the first bytes and hands back a stream that still yields all of them. */
async function sniff(
  body: ReadableStream<Uint8Array>,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < SNIFF_BYTES && !done) {
    const next = await reader.read();
    if (next.done) done = true;
    else {
      chunks.push(next.value);
      length += next.value.byteLength;
    }
  }
  const head = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    head.set(chunk, offset);
    offset += chunk.byteLength;
  }
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
      if (done) controller.close();
    },
    async pull(controller) {
      const next = await reader.read();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { head, stream };
}

function emptyStream(): ReadableStream<Uint8Array> {
  return new ReadableStream({ start: (controller) => controller.close() });
}

// The parts of an incoming WeChat API request the endpoints look at, and WeChat-style body parsing.

import { WECHAT_ERRORS, type WeChatErrorSpec, wechatError } from "./responses.ts";

export interface WeChatCall {
  readonly method: string;
  /** URL path, e.g. "/cgi-bin/token". */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The body decoded as UTF-8 (what the JSON APIs parse); binary bytes show as U+FFFD here. */
  readonly bodyText: string;
  /** The body exactly as received, for multipart uploads whose files are binary. */
  readonly bodyBytes: Uint8Array;
  /** The caller's IP as WeChat's whitelist check would see it. */
  readonly remoteIp: string;
  /** The request's Content-Type header, null when absent. */
  readonly contentType: string | null;
}

export type JsonFields = Record<string, unknown>;

export type JsonBodyResult = { ok: true; fields: JsonFields } | { ok: false; error: Response };

/** POST APIs take a JSON object: empty body -> 44002, anything else that is not a JSON object -> 47001. */
export function parseJsonBody(bodyText: string): JsonBodyResult {
  if (bodyText.trim() === "") return { ok: false, error: wechatError(WECHAT_ERRORS.emptyPostData) };
  const fields = tryParseJsonObject(bodyText);
  if (!fields) return { ok: false, error: wechatError(WECHAT_ERRORS.dataFormatError) };
  return { ok: true, fields };
}

/**
 * Like parseJsonBody, but with the errcode an API gives for a body that is not JSON
 * (the QR-code APIs say 40169 "...or the data is not json string" instead of 47001).
 */
export function parseJsonBodyOr(bodyText: string, notJson: WeChatErrorSpec): JsonBodyResult {
  const parsed = parseJsonBody(bodyText);
  if (parsed.ok || bodyText.trim() === "") return parsed;
  return { ok: false, error: wechatError(notJson) };
}

/** The body as a JSON object, or null if it is not one. */
export function tryParseJsonObject(bodyText: string): JsonFields | null {
  try {
    const value: unknown = JSON.parse(bodyText);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as JsonFields)
      : null;
  } catch {
    return null;
  }
}

/** Marks a JSON field that is present but of the wrong type (WeChat answers 47001). */
export const WRONG_TYPE: unique symbol = Symbol("wrong type");

/** A text field: its value, undefined when absent (or empty), or WRONG_TYPE. */
export function textField(fields: JsonFields, name: string): string | undefined | typeof WRONG_TYPE {
  const value = fields[name];
  if (value === undefined || value === null || value === "") return undefined;
  return typeof value === "string" ? value : WRONG_TYPE;
}

/** A query parameter, with an empty value treated as missing (as WeChat does for appid=). */
export function queryParam(query: URLSearchParams, name: string): string | undefined {
  const value = query.get(name);
  return value === null || value === "" ? undefined : value;
}

/** A JSON object field, or undefined when absent, null or not an object. */
export function objectField(fields: JsonFields, name: string): JsonFields | undefined {
  const value = fields[name];
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonFields)
    : undefined;
}

/** Length in characters as a person counts them (code points, so an emoji or a CJK character is one). */
export function characterCount(text: string): number {
  return [...text].length;
}

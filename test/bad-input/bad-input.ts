// What every property in this folder checks about an answer, and how it sends requests: each
// request must be answered within a deadline (a hang fails the property like a 500 does), and
// WeChat's call counters are compared around it.

import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { Answer } from "../support/gateway.ts";
import { type AppState, sim } from "../support/simulator.ts";

/** An answer slower than this is a hang: every request here is answered in a few milliseconds. */
export const HANG_MS = 5_000;

/** Runs of a property about one endpoint: the folder has about 300 of them and must stay fast. */
export const RUNS = 16;
/** Runs of a property that draws the endpoint, or several inputs, itself. */
export const WIDE_RUNS = 50;

export async function within<T>(what: string, promise: Promise<T>, ms = HANG_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Like `call` (a string body goes as-is, as application/json unless `headers` says otherwise), with
 * a deadline, and reading an image answer as bytes.
 */
export function ask(
  method: string,
  path: string,
  options: { token?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Answer<unknown>> {
  const headers = new Headers(options.headers);
  if (options.token) headers.set("Authorization", `Bearer ${options.token}`);
  if (options.body !== undefined && !headers.has("Content-Type"))
    headers.set("Content-Type", "application/json");
  return askRaw(method, path, { headers, ...(options.body === undefined ? {} : { body: options.body }) });
}

/** For what `ask` cannot send: repeated headers, byte or stream bodies, no Content-Type at all. */
export async function askRaw(
  method: string,
  path: string,
  init: { headers?: Headers; body?: BodyInit } = {},
): Promise<Answer<unknown>> {
  const what = `${method} ${path.slice(0, 120)}`;
  const response = await within(
    what,
    exports.default.fetch(new Request(`https://gateway.test${path}`, { method, ...init })),
  );
  if (/^image\//.test(response.headers.get("content-type") ?? "")) {
    const bytes = await within(what, response.arrayBuffer());
    return { status: response.status, body: `<${bytes.byteLength} image bytes>`, headers: response.headers };
  }
  const text = await within(what, response.text());
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // XML or plain text: the assertions say what was expected
  }
  return { status: response.status, body, headers: response.headers };
}

/** The request and the answer, for assertion messages (fast-check prints the generated input). */
export function said(request: string, answer: Answer<unknown>): string {
  const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
  return `${request.slice(0, 300)} -> ${answer.status} ${answer.headers.get("content-type")} ${body.slice(0, 400)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{"code": n, "data": ..., "error": "..."}` (+ WeChat's errcode/errmsg) in JSON, with code = status. */
export function expectEnvelope(answer: Answer<unknown>, request: string): Record<string, unknown> {
  const message = said(request, answer);
  expect(answer.headers.get("content-type") ?? "", message).toMatch(/^application\/json\b/i);
  expect(isRecord(answer.body), message).toBe(true);
  const body = answer.body as Record<string, unknown>;
  const { code, data, error, errcode, errmsg, ...unexpected } = body;
  expect(unexpected, message).toEqual({});
  expect(code, message).toBe(answer.status);
  expect(typeof error, message).toBe("string");
  if (answer.status >= 400) {
    expect(data, message).toBeNull();
    expect((error as string).length, message).toBeGreaterThan(0);
  } else {
    expect(error, message).toBe("");
  }
  if (errcode !== undefined || errmsg !== undefined) {
    expect(Number.isInteger(errcode), message).toBe(true);
    expect(typeof errmsg, message).toBe("string");
  }
  return body;
}

/** A refusal: a 4xx error envelope whose code is the HTTP status. */
export function expectRefusal(answer: Answer<unknown>, request: string): string {
  const message = said(request, answer);
  expect(answer.status, message).toBeGreaterThanOrEqual(400);
  expect(answer.status, message).toBeLessThan(500);
  return expectEnvelope(answer, request).error as string;
}

/** A 400 whose error names `field` first ("touser: ..."). */
export function expectFieldRefused(answer: Answer<unknown>, request: string, field: string): void {
  const error = expectRefusal(answer, request);
  expect(answer.status, said(request, answer)).toBe(400);
  expect(error.startsWith(`${field}: `), said(request, answer)).toBe(true);
}

/**
 * An answer to input the gateway passed on to WeChat: the envelope, never a 500. A 502/503 is
 * allowed only as WeChat's own verdict (it carries WeChat's errcode) or its unreachability.
 */
export function expectAnsweredWithoutCrash(answer: Answer<unknown>, request: string): void {
  const message = said(request, answer);
  expect(answer.status, message).not.toBe(500);
  if (answer.status === 200 && /^image\//.test(answer.headers.get("content-type") ?? "")) return;
  const body = expectEnvelope(answer, request);
  if (answer.status >= 500) {
    expect([502, 503], message).toContain(answer.status);
    expect(body.errcode !== undefined || answer.status === 503, message).toBe(true);
  }
}

export type WeChatCalls = AppState["calls"];

/** What the simulator has counted for each appid: business, token, stable, ticket calls and per path. */
export async function wechatCalls(appIds: string[]): Promise<Record<string, WeChatCalls>> {
  const states = await Promise.all(appIds.map((appId) => sim.state(appId)));
  return Object.fromEntries(states.map((state) => [state.appid, state.calls]));
}

/** Runs `act` and checks that no appid in `appIds` had any WeChat call counted meanwhile. */
export async function expectNoWeChatCall<T>(
  appIds: string[],
  request: string,
  act: () => Promise<T>,
): Promise<T> {
  const before = await wechatCalls(appIds);
  const result = await act();
  const after = await wechatCalls(appIds);
  expect(after, `${request.slice(0, 300)} reached WeChat`).toEqual(before);
  return result;
}

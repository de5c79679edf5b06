// Shared expectations for the §6 endpoint tests: how a failure that came from WeChat must look
// (SPEC §3) and when a daily quota resets.

import { expect } from "vitest";
import type { Answer, Envelope } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

/** WeChat's errmsg exactly: its text followed by the request id WeChat appends. */
export function wechatErrmsg(text: string): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`^${escaped} rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`);
}

/** The §3 error envelope with WeChat's errcode and errmsg, and an HTTP status equal to `code`. */
export function expectWeChatFailure(
  answer: Answer<Envelope<unknown>>,
  status: number,
  errcode: number,
  errmsg: string,
): void {
  expect(answer.status, `${errcode} ${errmsg}`).toBe(status);
  expect(answer.body, `${errcode} ${errmsg}`).toEqual({
    code: status,
    data: null,
    error: expect.stringMatching(/\S/),
    errcode,
    errmsg: expect.stringMatching(wechatErrmsg(errmsg)),
  });
}

/** Seconds until the next midnight in China (UTC+8), when WeChat's daily quotas reset. */
export function secondsToChinaMidnight(now = Date.now()): number {
  const day = 86_400_000;
  const offset = 8 * 3_600_000;
  const midnight = Math.floor((now + offset) / day) * day + day - offset;
  return Math.ceil((midnight - now) / 1000);
}

/**
 * Makes a call that WeChat answers with a daily-quota 45009 and checks the 429: WeChat's errcode and
 * errmsg, and a Retry-After of the seconds left until China midnight.
 */
export async function expectDailyQuotaAnswer(
  request: () => Promise<Answer<Envelope<unknown>>>,
  errmsg = "reach max api daily quota limit",
): Promise<void> {
  const before = secondsToChinaMidnight();
  const answer = await request();
  const after = secondsToChinaMidnight();
  expectWeChatFailure(answer, 429, 45009, errmsg);
  const retryAfter = Number(answer.headers.get("Retry-After"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeGreaterThanOrEqual(after);
  expect(retryAfter).toBeLessThanOrEqual(before);
}

/** How many requests the simulator received on one WeChat path for the app. */
export async function callsTo(appId: string, path: string): Promise<number> {
  return (await sim.state(appId)).calls.byPath[path] ?? 0;
}

/** The requests the simulator logged on one WeChat path for the app, oldest first. */
export async function requestsTo(appId: string, path: string) {
  return (await sim.requests(appId)).filter((request) => request.path === path);
}

/**
 * WeChat received exactly one POST to `path` for the appid, with the keeper's token in the query
 * (and nothing else there) and none in the body; answers that body as JSON.
 */
export async function theOneJsonPostTo(appId: string, path: string): Promise<unknown> {
  const sent = await requestsTo(appId, path);
  expect(sent).toHaveLength(1);
  expect(sent[0]).toMatchObject({
    method: "POST",
    query: {},
    accessTokenInQuery: true,
    bodyHasAccessToken: false,
  });
  return JSON.parse(sent[0]!.bodyText);
}

// The fault matrix: every fault the simulator can inject (sim/faults.ts) against every way the gateway
// talks to WeChat — the keeper's token refresh, a §6 gateway call, the transparent proxy. Each cell is
// a runner here; the *.test.ts files in this folder are tables over them (slow cells in files of their
// own, run concurrently, because each waits out a real timeout).
//
// What every cell checks, whatever the fault:
//  - the caller gets the right answer or the documented error (status, errcode, Retry-After), never a
//    bare 500 from the gateway and never a hang (each call is timed against the documented bound);
//  - no token is lost or overwritten: the token the gateway serves afterwards is one WeChat accepts
//    (useToken), and the keeper's held token is the one it held before, or a real new one — never the
//    garbage answer's "0_garbage".
//
// The documented behaviour each expectation comes from:
//  - src/wechat/credential-calls.ts: token calls time out after UPSTREAM_TIMEOUT_MS (5 s); busy (-1), HTTP 5xx,
//    timeouts, drops and unparsable answers are "transient" and retried, UPSTREAM_MAX_ATTEMPTS (4)
//    attempts with full-jitter backoff (base 200 ms, cap 2 s) per refresh.
//  - src/tokens/keeper.ts: a failed refresh keeps a still-serveable token (answer()); with none it answers
//    lastFailure(): 503 "WeChat is unreachable and no valid access_token is held[: reason]" with WeChat's
//    errcode when there was one and Retry-After until the backoff (policy.ts: 30 s, 60 s, …) ends.
//  - src/wechat/business-calls.ts: business calls time out after BUSINESS_TIMEOUT_MS (10 s); busy and HTTP 5xx
//    are retried up to BUSY_MAX_ATTEMPTS (3) with backoff (base 200 ms, cap 1 s); timeouts, drops and
//    unparsable answers are retried only for GET — a POST may have been done, so it fails at once.
//  - src/wechat/failures.ts: "unreachable" → 503 "WeChat could not be reached for {path}: {reason}";
//    busy → 503 "WeChat stayed busy for {path}" with errcode/errmsg; both with Retry-After: 1.
//  - src/wechat/proxy.ts + src/routes/proxy.ts: the proxy never retries a fault; WeChat's answer (busy,
//    an HTTP 500 page, garbage) comes back exactly as WeChat sent it; no answer before PROXY_TIMEOUT_MS
//    (30 s) or a dropped connection → HTTP 502 {"errcode":-1,"errmsg":"system error (gateway: WeChat
//    could not be reached)"}; a keeper with no token → WeChat's error shape (noToken()).

import { runDurableObjectAlarm } from "cloudflare:test";
import { expect } from "vitest";
import {
  BUSINESS_TIMEOUT_MS,
  BUSY_MAX_ATTEMPTS,
  BUSY_RETRY_BASE_MS,
  BUSY_RETRY_CAP_MS,
} from "../../src/wechat/business-calls.ts";
import { UPSTREAM_MAX_ATTEMPTS, UPSTREAM_TIMEOUT_MS } from "../../src/wechat/credential-calls.ts";
import { PROXY_TIMEOUT_MS } from "../../src/wechat/proxy.ts";
import { sdkClassicToken, viaProxy } from "../proxy/proxy-client.ts";
import {
  type Answer,
  admin,
  call,
  type Envelope,
  getToken,
  type RegisteredApp,
  registerApp,
  upstreamTokenCalls,
} from "../support/gateway.ts";
import { ageAccessToken, alarmOf, endBackoff, keeper } from "../support/keeper.ts";
import { type FaultSpec, sim, useToken } from "../support/simulator.ts";

// ---- the faults --------------------------------------------------------------------------------

export type Fault = "busy" | "http500" | "garbage" | "slow" | "drop";

/** The faults that answer at once; "slow" waits out a timeout and has files of its own. */
export const FAST_FAULTS = ["busy", "http500", "garbage", "drop"] as const satisfies readonly Fault[];

/** Just above each client's timeout, so every slow answer is abandoned (the simulator then drops it). */
export const SLOW_DELAY_MS = {
  token: UPSTREAM_TIMEOUT_MS + 500,
  business: BUSINESS_TIMEOUT_MS + 500,
  proxy: PROXY_TIMEOUT_MS + 500,
} as const;

/** The simulator's answers for these faults (sim/faults.ts GARBAGE_BODY, HTTP_500_BODY). */
export const GARBAGE_BODY = '{"access_token":"0_garbage","expires_in":72';
export const HTTP_500_BODY = "<html><body><h1>500 Internal Server Error</h1></body></html>";

/** A fault limited to `paths`, with the delay its client's timeout calls for. */
export function fault(kind: Fault, paths: string[], slowDelayMs: number): FaultSpec {
  return kind === "slow" ? { kind, paths, delayMs: slowDelayMs } : { kind, paths };
}

/** How the token client words each fault (credential-calls.ts); busy keeps WeChat's errcode and errmsg. */
const TOKEN_REASON: Record<Fault, RegExp> = {
  busy: /^system error rid: /,
  http500: /^WeChat answered HTTP 500$/,
  garbage: /^WeChat's answer was not valid JSON$/,
  drop: /^the connection to WeChat failed$/,
  slow: /^WeChat did not answer in time$/,
};

/** How a failed business call is worded (business-calls.ts send/readJson, failures.ts businessFailure). */
function businessError(kind: Fault, path: string): RegExp {
  const at = path.replaceAll("/", "\\/");
  const reason = {
    busy: "",
    http500: "HTTP 500 from WeChat",
    garbage: "WeChat's answer was not valid JSON",
    drop: "the connection to WeChat failed",
    slow: "WeChat did not answer in time",
  }[kind];
  return kind === "busy"
    ? new RegExp(`^WeChat stayed busy for ${at}$`)
    : new RegExp(`^WeChat could not be reached for ${at}: ${reason}$`);
}

// ---- time bounds: "never a hang" -----------------------------------------------------------------

/** Room for a loaded test machine on top of the documented waits. */
const SLACK_MS = 3_000;
/** credential-calls.ts: full-jitter backoff before attempts 2–4, each below min(2 s, 200 ms × 2^i). */
const TOKEN_BACKOFF_MS = [1, 2, 3].reduce((sum, i) => sum + Math.min(2_000, 200 * 2 ** i), 0);
/** business-calls.ts: backoff before attempts 2–3, each below min(cap 1 s, base 200 ms × 2^i). */
const BUSINESS_BACKOFF_MS = [1, 2].reduce(
  (sum, i) => sum + Math.min(BUSY_RETRY_CAP_MS, BUSY_RETRY_BASE_MS * 2 ** i),
  0,
);

/** The longest a call may take when `timeouts` attempts each wait out `timeoutMs`. */
function bound(timeouts: number, timeoutMs: number, backoffMs: number): number {
  return timeouts * timeoutMs + backoffMs + SLACK_MS;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  const value = await work();
  return { value, ms: Date.now() - start };
}

// ---- apps and shared checks ----------------------------------------------------------------------

/** Each cell's own app: appKey fault-{cell}, appId wxfault{cell without dashes} (the simulator is shared). */
export function faultApp(cell: string, options: Parameters<typeof registerApp>[2] = {}) {
  return registerApp(`fault-${cell}`, `wxfault${cell.replaceAll("-", "")}`, options);
}

export const STABLE_TOKEN_PATH = "/cgi-bin/stable_token";
export const URL_LINK_PATH = "/wxa/generate_urllink";
export const USER_INFO_PATH = "/cgi-bin/user/info";
export const DOMAIN_IP_PATH = "/cgi-bin/get_api_domain_ip";
const URL_LINK = /^https:\/\/wxaurl\.cn\/[0-9A-Za-z]{12}$/;

async function callsTo(appId: string, path: string): Promise<number> {
  return (await sim.state(appId)).calls.byPath[path] ?? 0;
}

/** A §3 error envelope with the documented status, never the gateway's own bare 500. */
function expectGatewayError(
  answer: Answer<unknown>,
  status: number,
  expected: { error: RegExp; errcode?: number; retryAfter?: number },
): void {
  expect(answer.status, "a bare 500 from the gateway").not.toBe(500);
  expect(answer.status).toBe(status);
  expect(answer.body).toEqual({
    code: status,
    data: null,
    error: expect.stringMatching(expected.error),
    ...(expected.errcode === undefined
      ? {}
      : { errcode: expected.errcode, errmsg: expect.stringMatching(/^system error rid: /) }),
  });
  const retryAfter = Number(answer.headers.get("Retry-After"));
  if (expected.retryAfter === undefined) expect(retryAfter).toBeGreaterThan(0);
  else expect(retryAfter).toBe(expected.retryAfter);
}

/**
 * The token the gateway serves now works at WeChat, and so does the keeper's held token (asked
 * directly, past any per-isolate memory); `held`, when given, is the one the keeper must still hold.
 */
async function expectWorkingToken(app: RegisteredApp, held?: string): Promise<string> {
  const served = await getToken(app);
  expect(served.status).toBe(200);
  const token = served.body.data.access_token;
  expect(token).not.toMatch(/garbage/);
  expect((await useToken(token)).errcode ?? 0, "WeChat accepts the served token").toBe(0);
  const kept = await keeper(app.appId).getAccessToken();
  if (!kept.ok) throw new Error(`the keeper holds no token: ${kept.status} ${kept.message}`);
  expect(kept.credential.value).not.toMatch(/garbage/);
  expect((await useToken(kept.credential.value)).errcode ?? 0, "WeChat accepts the held token").toBe(0);
  if (held !== undefined) expect(kept.credential.value, "the held token was replaced").toBe(held);
  return kept.credential.value;
}

type Status = { access_token: { last_error: { errcode: number | null; errmsg: string } | null } };

async function expectLastError(app: RegisteredApp, kind: Fault): Promise<void> {
  const status = await admin<Status>("GET", `/apps/${app.appKey}/status`);
  expect(status.body.data.access_token.last_error).toMatchObject({
    errcode: kind === "busy" ? -1 : null,
    errmsg: expect.stringMatching(TOKEN_REASON[kind]),
  });
}

// ---- (a) the token refresh -----------------------------------------------------------------------

/** keeper.ts lastFailure() for a transient failure with no serveable token. */
function expectNoTokenYet(answer: Answer<unknown>, kind: Fault, retryAfter?: number): void {
  expectGatewayError(answer, 503, {
    error:
      kind === "busy"
        ? /^WeChat is unreachable and no valid access_token is held$/
        : new RegExp(
            `^WeChat is unreachable and no valid access_token is held: ${TOKEN_REASON[kind].source.slice(1)}`,
          ),
    ...(kind === "busy" ? { errcode: -1 } : {}),
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
}

const tokenFault = (kind: Fault) => fault(kind, [STABLE_TOKEN_PATH], SLOW_DELAY_MS.token);
const tokenTimeouts = (kind: Fault, attempts: number) => (kind === "slow" ? attempts : 0);

/** A cold app whose first token call meets the fault once: the retry gets a token WeChat accepts. */
export async function coldRefreshFaultedOnce(kind: Fault, cell: string): Promise<void> {
  const app = await faultApp(cell);
  await sim.queueFault(app.appId, { ...tokenFault(kind), times: 1 });

  const { value: answer, ms } = await timed(() => getToken(app));

  expect(answer.status).toBe(200);
  expect(ms).toBeLessThan(bound(tokenTimeouts(kind, 1), UPSTREAM_TIMEOUT_MS, TOKEN_BACKOFF_MS));
  expect(await upstreamTokenCalls(app.appId)).toBe(2);
  expect(answer.body.data.access_token).toBe(await expectWorkingToken(app));
}

/**
 * A cold app whose every token call meets the fault: 4 attempts, then 503 with Retry-After 30 s;
 * reads during the backoff answer at once without calling WeChat; once WeChat is back and the
 * backoff is over, the next read gets a token.
 */
export async function coldRefreshFaultedEveryTime(kind: Fault, cell: string): Promise<void> {
  const app = await faultApp(cell);
  await sim.startOutage(app.appId, tokenFault(kind));

  const { value: down, ms } = await timed(() => getToken(app));

  expectNoTokenYet(down, kind, 30);
  expect(ms).toBeLessThan(
    bound(tokenTimeouts(kind, UPSTREAM_MAX_ATTEMPTS), UPSTREAM_TIMEOUT_MS, TOKEN_BACKOFF_MS),
  );
  expect(await upstreamTokenCalls(app.appId)).toBe(UPSTREAM_MAX_ATTEMPTS);
  await expectLastError(app, kind);

  const { value: again, ms: againMs } = await timed(() => getToken(app));
  expectNoTokenYet(again, kind);
  expect(againMs).toBeLessThan(SLACK_MS);
  expect(await upstreamTokenCalls(app.appId)).toBe(UPSTREAM_MAX_ATTEMPTS);

  await sim.endOutage(app.appId);
  await endBackoff(app.appId);
  const back = await getToken(app);
  expect(back.status).toBe(200);
  expect(await upstreamTokenCalls(app.appId)).toBe(UPSTREAM_MAX_ATTEMPTS + 1);
  expect(back.body.data.access_token).toBe(await expectWorkingToken(app));
}

/**
 * A held token whose renewal is due (200 s left, on the gateway's and WeChat's clocks): a read answers
 * at once with it and renews in the background, and the alarm finishes the renewal. Faulted once, the
 * retry brings a new token; faulted every time, the held token is kept and keeps working.
 */
export async function dueRefresh(kind: Fault, cell: string, times: "once" | "every"): Promise<void> {
  const app = await faultApp(cell);
  const held = (await getToken(app)).body.data.access_token;
  // WeChat renews a stable token only in its last 5 minutes: bring its clock there too.
  await sim.advance(app.appId, 7000);
  await ageAccessToken(app.appId, { secondsLeft: 200 });
  if (times === "once") await sim.queueFault(app.appId, { ...tokenFault(kind), times: 1 });
  else await sim.startOutage(app.appId, tokenFault(kind));

  const { value: read, ms } = await timed(() => getToken(app));
  expect(read.status).toBe(200);
  expect(read.body.data.access_token).toBe(held);
  expect(ms, "the read waited for WeChat").toBeLessThan(Math.min(SLACK_MS, UPSTREAM_TIMEOUT_MS));

  const { ms: alarmMs } = await timed(() => runDurableObjectAlarm(keeper(app.appId)));
  const attempts = times === "once" ? 2 : UPSTREAM_MAX_ATTEMPTS;
  const faulted = times === "once" ? 1 : UPSTREAM_MAX_ATTEMPTS;
  expect(alarmMs).toBeLessThan(bound(tokenTimeouts(kind, faulted), UPSTREAM_TIMEOUT_MS, TOKEN_BACKOFF_MS));
  expect(await upstreamTokenCalls(app.appId)).toBe(1 + attempts);

  if (times === "once") {
    const renewed = await expectWorkingToken(app);
    expect(renewed, "the renewal did not happen").not.toBe(held);
  } else {
    await expectWorkingToken(app, held);
    await expectLastError(app, kind);
    await sim.endOutage(app.appId);
  }
}

// ---- an outage longer than a token's life ---------------------------------------------------------

const TOKEN_LIFETIME_SECONDS = 600;

/**
 * WeChat goes down (token refreshes and business calls) while a token with a 600 s life is held.
 * With `renewalFailsFirst`, the alarm's renewal fails while the token still lives and the token keeps
 * being served. Past its life both the token read and a gateway call answer 503, the proxy answers in
 * WeChat's -1 shape, and nothing hammers WeChat; when WeChat comes back the keeper's own alarm (once
 * its backoff is over) fetches a fresh token that the next read serves without another call.
 */
export async function outageOutlivesTheToken(
  kind: Fault,
  cell: string,
  options: { renewalFailsFirst: boolean },
): Promise<void> {
  const app = await faultApp(cell, { simulator: { tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS } });
  const first = await getToken(app);
  const held = first.body.data.access_token;
  expect(first.body.data.expires_in).toBeLessThanOrEqual(TOKEN_LIFETIME_SECONDS);
  await sim.startOutage(app.appId, fault(kind, [STABLE_TOKEN_PATH, URL_LINK_PATH], SLOW_DELAY_MS.token));

  let elapsed = 0;
  if (options.renewalFailsFirst) {
    elapsed = 400;
    await sim.advance(app.appId, elapsed);
    await ageAccessToken(app.appId, { secondsLeft: TOKEN_LIFETIME_SECONDS - elapsed, ageSeconds: elapsed });
    expect(await runDurableObjectAlarm(keeper(app.appId))).toBe(true);
    await expectWorkingToken(app, held);
    await endBackoff(app.appId);
  }

  // The token's life runs out on both clocks: WeChat now calls it expired (42001).
  await sim.advance(app.appId, TOKEN_LIFETIME_SECONDS + 100 - elapsed);
  await ageAccessToken(app.appId, { secondsLeft: 0, ageSeconds: TOKEN_LIFETIME_SECONDS + 100 });
  expect((await useToken(held)).errcode).toBe(42001);
  const before = await upstreamTokenCalls(app.appId);

  const { value: down, ms } = await timed(() => getToken(app));
  expectNoTokenYet(down, kind, options.renewalFailsFirst ? 60 : 30);
  expect(ms).toBeLessThan(
    bound(tokenTimeouts(kind, UPSTREAM_MAX_ATTEMPTS), UPSTREAM_TIMEOUT_MS, TOKEN_BACKOFF_MS),
  );
  expect(await upstreamTokenCalls(app.appId)).toBe(before + UPSTREAM_MAX_ATTEMPTS);

  // While the backoff runs, reads, gateway calls and the proxy answer at once, without calling WeChat.
  const { value: link, ms: linkMs } = await timed(() => generateUrlLink(app));
  expectNoTokenYet(link, kind);
  expect(linkMs).toBeLessThan(SLACK_MS);
  // The proxy says it the way WeChat would (routes/proxy.ts noToken): HTTP 200 with errcode -1, to an
  // SDK asking for a token and to a call made with the API key alike; neither reaches WeChat.
  const domainIpCalls = await callsTo(app.appId, DOMAIN_IP_PATH);
  const sdk = await sdkClassicToken(app);
  expect(sdk.status).toBe(200);
  expect(sdk.body).toEqual({ errcode: -1, errmsg: expect.stringMatching(/^system error/) });
  const proxied = await viaProxy(app, DOMAIN_IP_PATH, { headers: { Authorization: `Bearer ${app.apiKey}` } });
  expect(proxied.status).toBe(200);
  expect(await proxied.json()).toEqual({ errcode: -1, errmsg: expect.stringMatching(/^system error/) });
  expect(await upstreamTokenCalls(app.appId)).toBe(before + UPSTREAM_MAX_ATTEMPTS);
  expect(await callsTo(app.appId, URL_LINK_PATH)).toBe(0);
  expect(await callsTo(app.appId, DOMAIN_IP_PATH)).toBe(domainIpCalls);

  // WeChat comes back; the keeper's alarm is already set for the end of its backoff.
  await sim.endOutage(app.appId);
  const alarmAt = await alarmOf(app.appId);
  expect(alarmAt).not.toBeNull();
  expect(alarmAt! - Date.now()).toBeLessThanOrEqual((options.renewalFailsFirst ? 60 : 30) * 1000);
  await endBackoff(app.appId);
  expect(await runDurableObjectAlarm(keeper(app.appId))).toBe(true);
  const renewedCalls = await upstreamTokenCalls(app.appId);
  expect(renewedCalls).toBe(before + UPSTREAM_MAX_ATTEMPTS + 1);

  const back = await getToken(app);
  expect(back.status).toBe(200);
  expect(back.body.data.access_token).not.toBe(held);
  expect(back.body.data.expires_in).toBeGreaterThan(TOKEN_LIFETIME_SECONDS - 30);
  expect(await expectWorkingToken(app)).toBe(back.body.data.access_token);
  expect(await upstreamTokenCalls(app.appId), "the read after the alarm called WeChat").toBe(renewedCalls);
  const linkBack = await generateUrlLink(app);
  expect(linkBack.status).toBe(200);
  expect(linkBack.body).toEqual({ code: 200, data: expect.stringMatching(URL_LINK), error: "" });
}

// ---- (b) a gateway call -----------------------------------------------------------------------------

export type GatewayApi = "UrlLinkGenerate (POST)" | "UserInfo (GET)";

const OPENID = "oFaultMatrixUser000001";
const UNIONID = "uFaultMatrixUnion00001";

function generateUrlLink(app: RegisteredApp) {
  return call<Envelope<string | null>>("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
    token: app.apiKey,
    body: { path: "pages/index/index" },
  });
}

function userInfo(app: RegisteredApp) {
  return call<Envelope<string | null>>("GET", `/Wechat/${app.appKey}/UserInfo?openid=${OPENID}`, {
    token: app.apiKey,
  });
}

const GATEWAY_APIS = {
  "UrlLinkGenerate (POST)": { method: "POST", path: URL_LINK_PATH, type: "miniprogram" },
  "UserInfo (GET)": { method: "GET", path: USER_INFO_PATH, type: "officialaccount" },
} as const;

/**
 * business-calls.ts sendWhileBusy: busy and HTTP 5xx say "not done" and are retried; a timeout, a dropped
 * connection or garbage is retried only on a GET (a POST may have been done, e.g. a link issued).
 */
export function expectedGatewayOutcome(kind: Fault, method: "GET" | "POST", times: "once" | "every") {
  const retried = kind === "busy" || kind === "http500" || method === "GET";
  if (!retried) return { status: 503, calls: 1 } as const;
  return times === "once"
    ? ({ status: 200, calls: 2 } as const)
    : ({ status: 503, calls: BUSY_MAX_ATTEMPTS } as const);
}

/**
 * A §6 call whose WeChat API meets the fault once or every time, with a token already held: the right
 * answer after a retry, or the documented 503; the token is untouched and no token call is made.
 */
export async function gatewayCall(
  kind: Fault,
  cell: string,
  api: GatewayApi,
  times: "once" | "every",
): Promise<void> {
  const { method, path, type } = GATEWAY_APIS[api];
  const app = await faultApp(cell, { type });
  if (method === "GET") await sim.putUser(app.appId, OPENID, { unionid: UNIONID });
  const held = (await getToken(app)).body.data.access_token;
  const spec = fault(kind, [path], SLOW_DELAY_MS.business);
  if (times === "once") await sim.queueFault(app.appId, { ...spec, times: 1 });
  else await sim.startOutage(app.appId, spec);
  const expected = expectedGatewayOutcome(kind, method, times);

  const { value: answer, ms } = await timed(() => (method === "GET" ? userInfo(app) : generateUrlLink(app)));

  if (expected.status === 200) {
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      code: 200,
      data: method === "GET" ? UNIONID : expect.stringMatching(URL_LINK),
      error: "",
    });
  } else {
    expectGatewayError(answer, 503, {
      error: businessError(kind, path),
      ...(kind === "busy" ? { errcode: -1 } : {}),
      retryAfter: 1,
    });
  }
  const timeouts = kind !== "slow" ? 0 : times === "once" ? 1 : expected.calls;
  expect(ms).toBeLessThan(bound(timeouts, BUSINESS_TIMEOUT_MS, BUSINESS_BACKOFF_MS));
  expect(await callsTo(app.appId, path)).toBe(expected.calls);
  if (method === "POST") {
    // Exactly one link when the answer was one, none otherwise: a POST is never done twice.
    expect((await sim.state(app.appId)).issued.today.links).toBe(expected.status === 200 ? 1 : 0);
  }
  if (times === "every") await sim.endOutage(app.appId);
  await expectWorkingToken(app, held);
  expect(await upstreamTokenCalls(app.appId), "a business fault made a token call").toBe(1);
}

// ---- (c) the proxy -----------------------------------------------------------------------------------

export type ProxyApi = "get_api_domain_ip (GET)" | "generate_urllink (POST)";

const PROXY_APIS = {
  "get_api_domain_ip (GET)": { path: DOMAIN_IP_PATH, body: undefined },
  "generate_urllink (POST)": { path: URL_LINK_PATH, body: '{"path":"pages/index/index"}' },
} as const;

function viaProxyWith(app: RegisteredApp, api: ProxyApi, token: string): Promise<Response> {
  const { path, body } = PROXY_APIS[api];
  return viaProxy(app, path, {
    query: { access_token: token },
    ...(body === undefined ? {} : { body, headers: { "Content-Type": "application/json" } }),
  });
}

const GATEWAY_UNREACHABLE = { errcode: -1, errmsg: "system error (gateway: WeChat could not be reached)" };

/**
 * An SDK's call through the proxy meets the fault once: WeChat's own answer comes back as it came
 * (busy's -1, the HTTP 500 page, the garbage), or 502 with WeChat's -1 shape when WeChat never
 * answered. Nothing is retried; the SDK's token still works and the next call goes through.
 */
export async function proxyCall(kind: Fault, cell: string, api: ProxyApi): Promise<void> {
  const { path } = PROXY_APIS[api];
  const app = await faultApp(cell);
  const sdkToken = (await sdkClassicToken(app)).body.access_token as string;
  await sim.queueFault(app.appId, { ...fault(kind, [path], SLOW_DELAY_MS.proxy), times: 1 });

  const { value: response, ms } = await timed(() => viaProxyWith(app, api, sdkToken));
  const text = await response.text();

  switch (kind) {
    case "busy":
      expect(response.status).toBe(200);
      expect(JSON.parse(text)).toEqual({ errcode: -1, errmsg: expect.stringMatching(/^system error rid: /) });
      break;
    case "http500":
      // WeChat's own 500, passed through: its HTML page, not the gateway's {"code":500,...} envelope.
      expect(response.status).toBe(500);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      expect(text).toBe(HTTP_500_BODY);
      break;
    case "garbage":
      expect(response.status).toBe(200);
      expect(text).toBe(GARBAGE_BODY);
      break;
    case "drop":
    case "slow":
      expect(response.status).toBe(502);
      expect(JSON.parse(text)).toEqual(GATEWAY_UNREACHABLE);
      break;
  }
  expect(ms).toBeLessThan(bound(kind === "slow" ? 1 : 0, PROXY_TIMEOUT_MS, 0));
  expect(await callsTo(app.appId, path), "the proxy retried a fault").toBe(1);
  if (api === "generate_urllink (POST)") expect((await sim.state(app.appId)).issued.today.links).toBe(0);

  // The SDK's token was not touched: the proxy hands out the same one, WeChat accepts it, and the
  // SDK's next call goes through.
  const again = await sdkClassicToken(app);
  expect(again.body.access_token).toBe(sdkToken);
  await expectWorkingToken(app, sdkToken);
  expect(await upstreamTokenCalls(app.appId), "a proxied fault made a token call").toBe(1);
  const next = await viaProxyWith(app, api, sdkToken);
  expect(next.status).toBe(200);
  expect(await next.json()).toMatchObject(
    api === "get_api_domain_ip (GET)"
      ? { ip_list: expect.any(Array) }
      : { errcode: 0, url_link: expect.stringMatching(URL_LINK) },
  );
}

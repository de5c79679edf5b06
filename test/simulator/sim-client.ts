// Small client for the WeChat simulator started by the test harness (env.WECHAT_API_BASE).
// Every test registers its own appid: the simulator process is shared by all test files.

import { env } from "cloudflare:workers";
import { expect } from "vitest";

export const SIM_BASE: string = env.WECHAT_API_BASE;
export const SECRET = "sim-test-secret";

export interface WeChatAnswer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  ticket?: string;
  ip_list?: string[];
  quota?: { daily_limit: number; used: number; remain: number };
}

export interface AppOptions {
  secret?: string;
  tokenLifetimeSeconds?: number;
  whitelisted?: boolean;
  quotas?: { token?: number; stableNormal?: number; stableForce?: number; ticket?: number };
}

export interface FaultSpec {
  kind: "busy" | "busy1000" | "http500" | "garbage" | "slow" | "drop" | "errcode";
  times?: number;
  paths?: string[];
  delayMs?: number;
  errcode?: number;
  errmsg?: string;
}

interface TokenView {
  token: string;
  issuedAt: number;
  expiresAt: number;
  expiresInSeconds: number;
}
type Counts = Record<"token" | "stableNormal" | "stableForce" | "ticket" | "business", number>;

export interface AppState {
  appid: string;
  now: number;
  clockOffsetSeconds: number;
  calls: Counts;
  callsToday: Counts;
  tokenCallsInFlight: number;
  maxConcurrentTokenCalls: number;
  tokens: Record<
    "classic" | "stable",
    { current: TokenView | null; previous: { token: string; graceUntil: number } | null }
  >;
  ticket: { ticket: string; issuedAt: number; expiresAt: number } | null;
}

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { "Content-Type": "application/json" };
  }
  return fetch(`${SIM_BASE}/__sim${path}`, init);
}

async function controlOk<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await control(method, path, body);
  if (!res.ok) throw new Error(`${method} /__sim${path} -> ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A control call whose outcome the test inspects itself (the body is always read). */
async function controlRaw(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await control(method, path, body);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const sim = {
  raw: controlRaw,
  registerApp: (appid: string, options: AppOptions = {}) =>
    controlOk<unknown>("PUT", `/apps/${appid}`, { secret: SECRET, ...options }),
  state: (appid: string) => controlOk<AppState>("GET", `/apps/${appid}`),
  advance: (appid: string, seconds: number) =>
    controlOk<unknown>("POST", `/apps/${appid}/advance`, { seconds }),
  invalidate: (appid: string, slot?: "classic" | "stable" | "all") =>
    controlOk<unknown>("POST", `/apps/${appid}/invalidate`, slot ? { slot } : {}),
  queueFault: (appid: string, fault: FaultSpec) => controlOk<unknown>("POST", `/apps/${appid}/faults`, fault),
  clearFaults: (appid: string) => controlOk<unknown>("DELETE", `/apps/${appid}/faults`),
  startOutage: (appid: string, fault: FaultSpec) => controlOk<unknown>("PUT", `/apps/${appid}/outage`, fault),
  endOutage: (appid: string) => controlOk<unknown>("DELETE", `/apps/${appid}/outage`),
};

export function classicTokenUrl(appid: string, secret = SECRET): string {
  const query = new URLSearchParams({ grant_type: "client_credential", appid, secret });
  return `${SIM_BASE}/cgi-bin/token?${query}`;
}

export async function fetchClassicToken(
  appid: string,
  secret = SECRET,
  init?: RequestInit,
): Promise<WeChatAnswer> {
  return (await fetch(classicTokenUrl(appid, secret), init)).json();
}

export function stableTokenRequest(appid: string, options: { forceRefresh?: boolean; secret?: string } = {}) {
  const body: Record<string, unknown> = {
    grant_type: "client_credential",
    appid,
    secret: options.secret ?? SECRET,
  };
  if (options.forceRefresh !== undefined) body.force_refresh = options.forceRefresh;
  return new Request(`${SIM_BASE}/cgi-bin/stable_token`, { method: "POST", body: JSON.stringify(body) });
}

export async function fetchStableToken(
  appid: string,
  options: { forceRefresh?: boolean; secret?: string } = {},
): Promise<WeChatAnswer> {
  return (await fetch(stableTokenRequest(appid, options))).json();
}

/** A cheap real business API: succeeds only with a working access_token. */
export async function useToken(token: string | undefined): Promise<WeChatAnswer> {
  const query = token === undefined ? "" : `?access_token=${encodeURIComponent(token)}`;
  return (await fetch(`${SIM_BASE}/cgi-bin/get_api_domain_ip${query}`)).json();
}

/** errcode of a business call made with the token: 0 when it works. */
export async function errcodeWith(token: string | undefined): Promise<number> {
  return (await useToken(token)).errcode ?? 0;
}

export async function fetchTicket(token: string, type = "jsapi"): Promise<WeChatAnswer> {
  const query = new URLSearchParams({ access_token: token, type });
  return (await fetch(`${SIM_BASE}/cgi-bin/ticket/getticket?${query}`)).json();
}

export async function postBusiness(path: string, token: string, body: unknown): Promise<WeChatAnswer> {
  const res = await fetch(`${SIM_BASE}${path}?access_token=${encodeURIComponent(token)}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return res.json();
}

/** WeChat error messages end with a request id like "rid: 655d9278-7c157f97-69055077". */
export const RID_SUFFIX = / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/**
 * expires_in counts whole seconds left and real milliseconds pass between calls, so a value
 * computed from an advanced clock may read one second lower than the exact arithmetic.
 */
export function expectSecondsLeft(actual: number | undefined, expected: number): void {
  expect(actual).toBeGreaterThanOrEqual(expected - 1);
  expect(actual).toBeLessThanOrEqual(expected);
}

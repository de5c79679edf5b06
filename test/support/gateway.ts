// Drives the gateway the way a user does: over HTTP, through the admin API and API keys.

import { exports } from "cloudflare:workers";
import type { TokenMode } from "../../src/wechat/app-kinds.ts";
import { SECRET, sim } from "./simulator.ts";

export const ADMIN_TOKEN = "test-admin-token";

export type Envelope<T = unknown> = {
  code: number;
  data: T;
  error: string;
  errcode?: number;
  errmsg?: string;
};

export type TokenData = {
  access_token: string;
  expires_in: number;
  expires_time: string;
  create_time: string;
};

export type Answer<T = unknown> = { status: number; body: T; headers: Headers };

export async function call<T = Envelope>(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] ??= "application/json";
  }
  const response = await exports.default.fetch(
    new Request(`https://gateway.test${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
  );
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // XML or plain text: leave it as text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export const admin = <T = unknown>(method: string, path: string, body?: unknown) =>
  call<Envelope<T>>(method, `/admin${path}`, { token: ADMIN_TOKEN, body });

export type RegisteredApp = { appKey: string; appId: string; apiKey: string; keyId: string };

/**
 * Registers `appId` with the simulator and the gateway and creates an API key.
 * Every test passes its own appKey/appId: storage is per test file, the simulator is shared.
 */
export async function registerApp(
  appKey: string,
  appId: string,
  options: {
    tokenMode?: TokenMode;
    type?: "miniprogram" | "officialaccount";
    simulator?: object;
  } = {},
): Promise<RegisteredApp> {
  await sim.registerApp(appId, options.simulator ?? {});
  const put = await admin("PUT", `/apps/${appKey}`, {
    appId,
    appSecret: SECRET,
    type: options.type ?? "miniprogram",
    tokenMode: options.tokenMode ?? "stable",
  });
  if (put.status !== 201 && put.status !== 200)
    throw new Error(`register ${appKey}: ${JSON.stringify(put.body)}`);
  const key = await admin<{ id: string; key: string }>("POST", `/apps/${appKey}/keys`);
  if (key.status !== 201) throw new Error(`key for ${appKey}: ${JSON.stringify(key.body)}`);
  return { appKey, appId, apiKey: key.body.data.key, keyId: key.body.data.id };
}

export function getToken(app: RegisteredApp) {
  return call<Envelope<TokenData>>("GET", `/Wechat/${app.appKey}/AccessToken`, { token: app.apiKey });
}

export function reportToken(app: RegisteredApp, accessToken: string) {
  return call<Envelope<TokenData>>("POST", `/Wechat/${app.appKey}/AccessToken/Refresh`, {
    token: app.apiKey,
    body: { access_token: accessToken },
  });
}

/** Upstream token calls the simulator has seen for an appid (classic + stable, incl. failed ones). */
export async function upstreamTokenCalls(appId: string): Promise<number> {
  const state = await sim.state(appId);
  return state.calls.token + state.calls.stableNormal + state.calls.stableForce;
}

/** A request to the gateway: a JSON body (a string is sent as it is) and an optional Bearer token. */
export function gatewayRequest(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Request {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["Content-Type"] = "application/json";
  }
  return new Request(`https://gateway.test${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
}

/** The gateway's Response itself, for answers that are not JSON (images) or whose exact bytes matter. */
export function fetchGateway(
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<Response> {
  return exports.default.fetch(gatewayRequest(method, path, options));
}

/** A mini-program user signed in through JSCode2Session, as QR-Auth's user endpoints see them. */
export type MiniProgramLogin = { session: string; openid: string; unionid: string | null };

export async function miniProgramLogin(
  app: RegisteredApp,
  options: { openid?: string; unionid?: string | null } = {},
): Promise<MiniProgramLogin> {
  const code = await sim.loginCode(app.appId, options);
  const answer = await call<Envelope<string>>(
    "GET",
    `/Wechat/${app.appKey}/JSCode2Session?js_code=${code.code}`,
  );
  if (answer.status !== 200) throw new Error(`login: ${JSON.stringify(answer.body)}`);
  return { session: answer.body.data, openid: code.openid, unionid: code.unionid };
}

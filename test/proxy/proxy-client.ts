// Calls the gateway's /proxy/{appKey} the way a WeChat SDK calls api.weixin.qq.com.

import { exports } from "cloudflare:workers";
import type { RegisteredApp } from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";

export type WeChatJson = Record<string, unknown> & { errcode?: number; errmsg?: string };

export function proxyUrl(app: RegisteredApp, path: string, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `https://gateway.test/proxy/${app.appKey}${path}${search ? `?${search}` : ""}`;
}

export async function viaProxy(
  app: RegisteredApp,
  path: string,
  options: {
    method?: string;
    query?: Record<string, string>;
    body?: BodyInit;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  return exports.default.fetch(
    new Request(proxyUrl(app, path, options.query), {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
    }),
  );
}

export async function viaProxyJson(
  app: RegisteredApp,
  path: string,
  options: Parameters<typeof viaProxy>[2] = {},
): Promise<{ status: number; body: WeChatJson }> {
  const response = await viaProxy(app, path, options);
  return { status: response.status, body: (await response.json()) as WeChatJson };
}

/** What an SDK does to "refresh": the classic token call with its appid and secret. */
export function sdkClassicToken(app: RegisteredApp, secret = SECRET) {
  return viaProxyJson(app, "/cgi-bin/token", {
    query: { grant_type: "client_credential", appid: app.appId, secret },
  });
}

/** The stable-token call, forced or not, as newer SDKs make it. */
export function sdkStableToken(app: RegisteredApp, forceRefresh: boolean, secret = SECRET) {
  return viaProxyJson(app, "/cgi-bin/stable_token", {
    body: JSON.stringify({
      grant_type: "client_credential",
      appid: app.appId,
      secret,
      force_refresh: forceRefresh,
    }),
    headers: { "Content-Type": "application/json" },
  });
}

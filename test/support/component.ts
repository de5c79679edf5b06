// Third-party platforms in the gateway under test: registered with the simulator's Open Platform
// and the admin API, with pushes delivered to the events endpoint the way WeChat POSTs them (the
// simulator cannot reach the worker under test, so tests deliver its pushes themselves).

import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { type Answer, admin, call, type RegisteredApp } from "./gateway.ts";
import {
  type AuthorizationGrant,
  COMPONENT_AES_KEY,
  COMPONENT_SECRET,
  COMPONENT_TOKEN,
  type PushEnvelope,
  pushRequest,
  sim,
} from "./simulator.ts";

export type RegisteredPlatform = { componentKey: string; componentAppId: string; apiKey: string };

/** Registers the platform with the simulator and the gateway, and makes a component API key. */
export async function registerPlatform(
  componentKey: string,
  componentAppId: string,
): Promise<RegisteredPlatform> {
  await sim.registerComponent(componentAppId);
  const put = await admin("PUT", `/components/${componentKey}`, {
    componentAppId,
    componentAppSecret: COMPONENT_SECRET,
    token: COMPONENT_TOKEN,
    encodingAESKey: COMPONENT_AES_KEY,
  });
  if (put.status !== 201 && put.status !== 200)
    throw new Error(`register ${componentKey}: ${JSON.stringify(put.body)}`);
  const key = await admin<{ id: string; key: string }>("POST", `/components/${componentKey}/keys`);
  if (key.status !== 201) throw new Error(`key for ${componentKey}: ${JSON.stringify(key.body)}`);
  return { componentKey, componentAppId, apiKey: key.body.data.key };
}

/** POSTs a push to the platform's events endpoint as WeChat would; answers status and text. */
export async function deliver(
  componentKey: string,
  push: PushEnvelope,
): Promise<{ status: number; text: string }> {
  const response = await exports.default.fetch(
    pushRequest(`https://gateway.test/component/${componentKey}/events`, push),
  );
  return { status: response.status, text: await response.text() };
}

/**
 * An authorization event as WeChat pushes it, with the CreateTime the test chooses (the
 * simulator's own pushes carry its clock's): authorized / updateauthorized with `code`, or
 * unauthorized.
 */
export async function authorizationEvent(
  platform: RegisteredPlatform,
  event:
    | {
        infoType: "authorized" | "updateauthorized";
        authorizerAppId: string;
        createTime: number;
        code: string;
      }
    | { infoType: "unauthorized"; authorizerAppId: string; createTime: number },
): Promise<PushEnvelope> {
  const fields: [string, string | number][] = [
    ["AppId", platform.componentAppId],
    ["CreateTime", event.createTime],
    ["InfoType", event.infoType],
    ["AuthorizerAppid", event.authorizerAppId],
  ];
  if (event.infoType !== "unauthorized") {
    fields.push(["AuthorizationCode", event.code], ["AuthorizationCodeExpiredTime", event.createTime + 3600]);
  }
  const xml = `<xml>${fields
    .map(([name, value]) =>
      typeof value === "number" ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`,
    )
    .join("")}</xml>`;
  const sealed = await sim.sealMessage({
    token: COMPONENT_TOKEN,
    encodingAESKey: COMPONENT_AES_KEY,
    appid: platform.componentAppId,
    xml,
    timestamp: String(event.createTime),
  });
  return { query: sealed.query, body: sealed.body };
}

/** A new verify ticket from the simulator, delivered; answers the ticket and the gateway's answer. */
export async function pushTicket(platform: RegisteredPlatform) {
  const pushed = await sim.pushVerifyTicket(platform.componentAppId);
  const answer = await deliver(platform.componentKey, { query: pushed.query, body: pushed.body });
  return { ticket: pushed.ticket, answer, push: { query: pushed.query, body: pushed.body } };
}

export type ComponentToken = {
  component_access_token: string;
  expires_in: number;
  expires_time: string;
  create_time: string;
};

export const componentToken = (platform: RegisteredPlatform, key = platform.apiKey) =>
  call<{ code: number; data: ComponentToken; error: string }>(
    "GET",
    `/Component/${platform.componentKey}/AccessToken`,
    { token: key },
  );

export type ComponentStatus = {
  verify_ticket: { held: boolean; valid: boolean; create_time: string | null; age_seconds: number | null };
  push_request: { time: string; error: string | null } | null;
  component_access_token: { held: boolean; refresh_count: number; upstream_calls_today: number };
  authorizers: Record<string, number>;
};

export const componentStatus = (componentKey: string): Promise<Answer<{ data: ComponentStatus }>> =>
  admin<ComponentStatus>("GET", `/components/${componentKey}/status`);

export type AuthorizerListEntry = {
  authorizerAppId: string;
  state: "authorized" | "unauthorized" | "needs_reauthorization";
  funcInfo: number[];
  authorizedAt: string | null;
  appKeys: string[];
};

export const authorizersPage = (componentKey: string, query = "") =>
  admin<{ authorizers: AuthorizerListEntry[]; cursor: string | null }>(
    "GET",
    `/components/${componentKey}/authorizers${query}`,
  );

/** The authorizers index's entry for `authorizerAppId`, or null. */
export async function authorizerEntry(
  platform: RegisteredPlatform,
  authorizerAppId: string,
): Promise<AuthorizerListEntry | null> {
  const { entries } = await runInDurableObject(
    env.TOKEN_KEEPER.getByName(platform.componentAppId),
    async (instance) => {
      const page = await instance.authorizers(null, 500);
      return { entries: page.ok ? page.entries : [] };
    },
  );
  const found = entries.find((entry) => entry.authorizerAppId === authorizerAppId);
  return found ? { ...found, authorizedAt: null } : null;
}

/**
 * Waits until the exchange an authorization push started (after the gateway answered WeChat)
 * has finished: the authorizer is in the index and its own keeper holds a token.
 */
export async function untilExchanged(platform: RegisteredPlatform, authorizerAppId: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const status = await env.TOKEN_KEEPER.getByName(authorizerAppId).status();
    if (status.configured && status.accessToken.held) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${authorizerAppId} was not exchanged for ${platform.componentKey}`);
}

/**
 * A platform with a verify ticket, and `authorizerAppId` authorized through WeChat's push (the
 * simulator's authorized event delivered to the gateway) and exchanged by the gateway.
 */
export async function authorizeThroughPush(
  platform: RegisteredPlatform,
  authorizerAppId: string,
  grant: Omit<AuthorizationGrant, "authorizerAppid"> = {},
) {
  const authorized = await sim.authorizeApp(platform.componentAppId, {
    authorizerAppid: authorizerAppId,
    ...grant,
  });
  const answer = await deliver(platform.componentKey, authorized.push);
  if (answer.text !== "success") throw new Error(`authorized push: ${answer.status} ${answer.text}`);
  await untilExchanged(platform, authorizerAppId);
  return authorized;
}

/** Binds `appKey` to the authorized `authorizerAppId` and makes an API key for it. */
export async function bindAuthorizer(
  platform: RegisteredPlatform,
  appKey: string,
  authorizerAppId: string,
  type: "miniprogram" | "officialaccount" = "miniprogram",
): Promise<RegisteredApp> {
  const put = await admin("PUT", `/apps/${appKey}`, {
    appId: authorizerAppId,
    component: platform.componentKey,
    type,
  });
  if (put.status !== 201 && put.status !== 200)
    throw new Error(`bind ${appKey}: ${JSON.stringify(put.body)}`);
  const key = await admin<{ id: string; key: string }>("POST", `/apps/${appKey}/keys`);
  if (key.status !== 201) throw new Error(`key for ${appKey}: ${JSON.stringify(key.body)}`);
  return { appKey, appId: authorizerAppId, apiKey: key.body.data.key, keyId: key.body.data.id };
}

/** A registered platform with a verify ticket and an authorizer bound to `appKey`. */
export async function boundAuthorizer(
  componentKey: string,
  componentAppId: string,
  appKey: string,
  authorizerAppId: string,
): Promise<{ platform: RegisteredPlatform; app: RegisteredApp }> {
  const platform = await registerPlatform(componentKey, componentAppId);
  await pushTicket(platform);
  await authorizeThroughPush(platform, authorizerAppId);
  return { platform, app: await bindAuthorizer(platform, appKey, authorizerAppId) };
}

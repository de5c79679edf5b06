// An app's pushes in the gateway under test: the app registered with push settings (in the
// simulator's console and the gateway's), pushes built by the simulator and delivered to
// /push/{appKey} the way WeChat POSTs them (the simulator cannot reach the worker under test),
// and the stand-in backends of support/push-targets-server.ts that record what reaches them.

import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  type QueueResult,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { expect, inject, vi } from "vitest";
import worker from "../../src/index.ts";
import { admin, registerApp } from "./gateway.ts";
import type { ReceivedDelivery, ScriptedAnswer } from "./push-targets-server.ts";
import {
  type AppPushAnswer,
  type AppPushEnvelope,
  appPushRequest,
  type PushFormat,
  type PushMessageInput,
  type PushMode,
  sim,
} from "./simulator.ts";

export const PUSH_TOKEN = "pushtesttoken";
export const PUSH_AES_KEY = "PushTestEncodingAESKey0123456789abcdefghijk";
const TARGETS: string = inject("pushTargetsUrl");

export type PushView = {
  url: string;
  tokenSet: true;
  encodingAESKeySet: boolean;
  targets: { url: string; reply?: boolean }[];
  deliverySecret?: string;
};

/** A recording backend named `name` (distinct per test): its URL. */
export const targetUrl = (name: string) => `${TARGETS}/targets/${name}`;

/** What the backend `name` answers to its next deliveries, in order (then 200 "ok"). */
export async function scriptTarget(name: string, responses: ScriptedAnswer[]): Promise<void> {
  await fetch(`${TARGETS}/script/${name}`, { method: "PUT", body: JSON.stringify({ responses }) });
}

export async function receivedBy(name: string): Promise<ReceivedDelivery[]> {
  return (await fetch(`${TARGETS}/received/${name}`)).json();
}

/** Waits until the backend `name` has `count` deliveries (the queue delivers within seconds). */
export async function waitForDeliveries(name: string, count: number): Promise<ReceivedDelivery[]> {
  let received: ReceivedDelivery[] = [];
  await vi.waitFor(
    async () => {
      received = await receivedBy(name);
      expect(received.length).toBeGreaterThanOrEqual(count);
    },
    { timeout: 15_000, interval: 200 },
  );
  return received;
}

export type PushApp = { appKey: string; appId: string; push: PushView };

/**
 * Registers the app with push settings in the gateway (targets: recording backends by name, the
 * one ending in "!" is the replier) and in the simulator's console (mode, format).
 */
export async function registerPushApp(
  appKey: string,
  appId: string,
  options: { targets: string[]; mode?: PushMode; format?: PushFormat; encodingAESKey?: boolean },
): Promise<PushApp> {
  await registerApp(appKey, appId);
  const mode = options.mode ?? "plaintext";
  const withKey = options.encodingAESKey ?? mode !== "plaintext";
  await sim.setPush(appId, {
    token: PUSH_TOKEN,
    encodingAESKey: withKey ? PUSH_AES_KEY : null,
    mode,
    format: options.format ?? "xml",
  });
  const put = await admin<{ push: PushView }>("PUT", `/apps/${appKey}`, {
    appId,
    push: {
      token: PUSH_TOKEN,
      ...(withKey ? { encodingAESKey: PUSH_AES_KEY } : {}),
      targets: options.targets.map((name) =>
        name.endsWith("!") ? { url: targetUrl(name.slice(0, -1)), reply: true } : { url: targetUrl(name) },
      ),
    },
  });
  if (put.status !== 200) throw new Error(`push for ${appKey}: ${JSON.stringify(put.body)}`);
  return { appKey, appId, push: put.body.data.push };
}

/** A push built by the simulator as WeChat sends it (not delivered). */
export const wechatPush = (appId: string, message: PushMessageInput): Promise<AppPushAnswer> =>
  sim.pushMessage(appId, message);

/** POSTs a push envelope to the gateway's /push/{appKey} as WeChat does. */
export async function deliverPush(
  appKey: string,
  push: AppPushEnvelope,
): Promise<{ status: number; text: string; contentType: string | null }> {
  const response = await exports.default.fetch(appPushRequest(`https://gateway.test/push/${appKey}`, push));
  return {
    status: response.status,
    text: await response.text(),
    contentType: response.headers.get("Content-Type"),
  };
}

export type DeliveryEntry = {
  id: string;
  target: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
};

export const deliveries = (appKey: string, query = "") =>
  admin<{ deliveries: DeliveryEntry[]; cursor: string | null }>(
    "GET",
    `/apps/${appKey}/push/deliveries${query}`,
  );

/** A delivery as the queue carries it, read back from what a backend received. */
export function queuedFrom(appKey: string, url: string, received: ReceivedDelivery) {
  return { appKey, id: received.headers["x-gateway-delivery"]!, url, body: received.body };
}

/** Runs the Worker's queue() handler on one message of `queue`, as try number `attempts`. */
export async function consume(
  queue: "push-deliveries" | "push-deliveries-failed",
  body: ReturnType<typeof queuedFrom>,
  attempts: number,
): Promise<QueueResult> {
  const batch = createMessageBatch(queue, [
    { id: `test-${attempts}-${body.id}`, timestamp: Date.now(), attempts, body },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  return getQueueResult(batch, ctx);
}

// ---- an authorizer's pushes through its third-party platform ----

/** Binds `appKey` to the platform's authorized `authorizerAppId` with push targets (by name). */
export async function bindAuthorizerWithPush(
  platform: { componentKey: string },
  appKey: string,
  authorizerAppId: string,
  targets: string[],
): Promise<PushView> {
  const put = await admin<{ push: PushView }>("PUT", `/apps/${appKey}`, {
    appId: authorizerAppId,
    component: platform.componentKey,
    type: "officialaccount",
    push: { token: PUSH_TOKEN, targets: targets.map((name) => ({ url: targetUrl(name) })) },
  });
  if (put.status !== 200 && put.status !== 201)
    throw new Error(`push for ${appKey}: ${JSON.stringify(put.body)}`);
  return put.body.data.push;
}

export type AuthorizerPush = { query: Record<string, string>; body: string };

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An authorizer's message as WeChat pushes it through the platform: sealed by the simulator with
 * the platform's Token and EncodingAESKey for the component appid (WECHAT.md §17), with both the
 * URL signature and msg_signature in the query.
 */
export async function platformSealedPush(
  componentAppId: string,
  xml: string,
  keys: { token: string; encodingAESKey: string },
): Promise<AuthorizerPush> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const sealed = await sim.sealMessage({ ...keys, appid: componentAppId, xml, timestamp });
  const signature = await sha1Hex([keys.token, sealed.query.timestamp, sealed.query.nonce].sort().join(""));
  return { query: { ...sealed.query, signature }, body: sealed.body };
}

/** A text message from a user to the authorizer, as WeChat's XML. */
export const textMessageXml = (toUser: string, msgId: string, content: string) =>
  `<xml><ToUserName><![CDATA[${toUser}]]></ToUserName><FromUserName><![CDATA[o_authorizer_user]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;

/** POSTs (or with `method: "GET"`, sends the URL check of) `/component/{componentKey}/messages/{appid}`. */
export async function deliverAuthorizerPush(
  componentKey: string,
  appid: string,
  push: AuthorizerPush,
  method: "GET" | "POST" = "POST",
): Promise<{ status: number; text: string }> {
  const url = new URL(`https://gateway.test/component/${componentKey}/messages/${appid}`);
  for (const [name, value] of Object.entries(push.query)) url.searchParams.set(name, value);
  const response = await exports.default.fetch(
    new Request(
      url,
      method === "POST" ? { method, headers: { "Content-Type": "text/xml" }, body: push.body } : {},
    ),
  );
  return { status: response.status, text: await response.text() };
}

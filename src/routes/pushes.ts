// WeChat's pushes (消息推送) to an app: the server URL WeChat is configured with (GET: the URL
// check; POST: messages and events), and the admin calls for the delivery secret and the delivery
// log. The appKey's PushInbox checks, decides and queues; this file answers WeChat, and calls the
// reply target while WeChat waits.

import { createRoute, z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import { bodyLimit } from "hono/body-limit";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { post } from "../pushes/delivery.ts";
import { inboxFor, type PushInbox, type PushState, type Received } from "../pushes/inbox.ts";
import {
  DELIVERY_ID_PATTERN,
  DELIVERY_LIST_DEFAULT,
  DeliveryListQuerySchema,
  DeliveryPageSchema,
  DeliverySecretSchema,
  type PushView,
} from "../pushes/schemas.ts";
import { findApp } from "../registry/apps.ts";
import { findComponent } from "../registry/components.ts";
import { AppKeyParams, ComponentKeyParams, type StoredComponent } from "../registry/schemas.ts";
import { keeperFor } from "../tokens/keeper.ts";
import type { PushFormat } from "../wechat/push-crypt.ts";
import { ADMIN_ROUTE, requireAdmin } from "./auth.ts";
import { errorResponses, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

/**
 * WeChat's pushes are a few KB (a text message is at most 2,048 characters, encrypted and
 * base64'd in safe mode). 32 KB bounds what an unauthenticated caller makes the gateway read, and
 * keeps a delivery (the message and its raw text) well under a queue message's 128 KB.
 */
const PUSH_BODY_LIMIT_BYTES = 32 * 1024;
/**
 * WeChat drops the connection after 5 s. The reply target gets what is left of 4 s from the push's
 * arrival: the last second is for recording the call, sealing the reply and the way back to WeChat.
 */
const REPLY_DEADLINE_MS = 4_000;
/** A passive reply is a short XML or JSON message; anything longer is not one WeChat takes. */
const REPLY_MAX_CHARS = 16 * 1024;
/** What stops WeChat's retries and tells it there is no reply. */
const NO_REPLY = "success";

const PushQuerySchema = z.object({
  signature: z.string().optional().openapi({ description: "sha1(sort(Token, timestamp, nonce))" }),
  timestamp: z.string().optional(),
  nonce: z.string().optional(),
  openid: z.string().optional(),
  encrypt_type: z.string().optional().openapi({ description: "`aes` in safe and compatible mode" }),
  msg_signature: z
    .string()
    .optional()
    .openapi({ description: "Safe mode: sha1(sort(Token, timestamp, nonce, Encrypt))" }),
});

/** WeChat's URL check (the signed GET made when the URL is saved in its console). */
const UrlCheckQuerySchema = PushQuerySchema.extend({ echostr: z.string().optional() });
const ECHOSTR_ANSWER = { description: "echostr", content: { "text/plain": { schema: z.string() } } };
/** What WeChat gets for a push: `success`, or the replier's answer in the push's format. */
const PUSH_ANSWER = {
  description: "`success`, or the passive reply",
  content: {
    "text/plain": { schema: z.string() },
    "text/xml": { schema: z.string() },
    "application/json": { schema: z.string() },
  },
};

const verifyUrl = createRoute({
  method: "get",
  path: "/push/{appKey}",
  tags: ["Pushes"],
  summary: "WeChat's server URL check",
  description:
    "WeChat checks the URL entered in its console (服务器地址) with a GET: `echostr` is answered as plain text when `signature` is sha1(sort(Token, timestamp, nonce)) and the timestamp is within 5 minutes; 401 otherwise.",
  request: { params: AppKeyParams, query: UrlCheckQuerySchema },
  responses: {
    200: ECHOSTR_ANSWER,
    ...errorResponses(400, 401, 404),
  },
});

const receivePush = createRoute({
  method: "post",
  path: "/push/{appKey}",
  tags: ["Pushes"],
  summary: "WeChat's pushes: messages and events",
  description:
    "XML or JSON, plaintext, compatible or safe mode. The signature (and in safe mode msg_signature) is checked before anything else (401, nothing delivered); then the message is decrypted and read (400). Each push is delivered once to every target through a queue, however often WeChat sends it; the answer is `success`, or the reply target's answer (encrypted in safe mode) when it answers within the deadline.",
  request: { params: AppKeyParams, query: PushQuerySchema },
  responses: {
    200: PUSH_ANSWER,
    ...errorResponses(400, 401, 404, 413, 503),
  },
});

/** An authorizer's appid as the path names it (WeChat replaces $APPID$ with it). */
const AuthorizerPushParams = ComponentKeyParams.extend({
  appid: z
    .string()
    .regex(/^wx[A-Za-z0-9_-]{1,62}$/, "must be a WeChat appid (starts with wx)")
    .openapi({ example: "wx4f4bc4dec97d474b" }),
});

const verifyAuthorizerUrl = createRoute({
  method: "get",
  path: "/component/{componentKey}/messages/{appid}",
  tags: ["Pushes"],
  summary: "WeChat's server URL check for a platform's authorizers",
  description:
    "The 消息与事件接收URL of a third-party platform is `https://<gateway>/component/{componentKey}/messages/$APPID$`. `echostr` is answered as plain text when `signature` is sha1(sort(the platform's Token, timestamp, nonce)) and the timestamp is within 5 minutes; 401 otherwise.",
  request: {
    params: AuthorizerPushParams,
    query: UrlCheckQuerySchema,
  },
  responses: {
    200: ECHOSTR_ANSWER,
    ...errorResponses(400, 401, 404),
  },
});

const receiveAuthorizerPush = createRoute({
  method: "post",
  path: "/component/{componentKey}/messages/{appid}",
  tags: ["Pushes"],
  summary: "An authorizer's pushes through its third-party platform",
  description:
    "Signed and encrypted with the platform's Token and EncodingAESKey (the trailing appid is the component appid); checked in the platform's keeper before anything else (401, nothing delivered), then decrypted (400). `{appid}` must be an authorizer of the platform in state authorized (403). The push then goes, once, to the targets of every appKey bound to that appid with push settings, as through `/push/{appKey}`; with none, the answer is `success` and nothing is delivered. A passive reply is sealed with the platform's keys.",
  request: { params: AuthorizerPushParams, query: PushQuerySchema },
  responses: {
    200: PUSH_ANSWER,
    ...errorResponses(400, 401, 403, 404, 413, 503),
  },
});

const rotateSecret = createRoute({
  method: "post",
  path: "/admin/apps/{appKey}/push/secret",
  ...ADMIN_ROUTE,
  summary: "A new delivery secret (shown once)",
  description: "The previous secret signs nothing from now on, including retries of earlier deliveries.",
  request: { params: AppKeyParams },
  responses: {
    200: jsonContent(okEnvelope(DeliverySecretSchema), "The new secret"),
    ...errorResponses(401, 404, 503),
  },
});

const listDeliveries = createRoute({
  method: "get",
  path: "/admin/apps/{appKey}/push/deliveries",
  ...ADMIN_ROUTE,
  summary: "Recent deliveries, newest first",
  description: `\`?state=failed\` lists what the queue gave up on (kept 7 days, retryable); delivered ones are kept 24 hours. At most \`limit\` (1–500, default ${DELIVERY_LIST_DEFAULT}) per page; pass the answer's \`cursor\` back for the next.`,
  request: { params: AppKeyParams, query: DeliveryListQuerySchema },
  responses: {
    200: jsonContent(okEnvelope(DeliveryPageSchema), "One page"),
    ...errorResponses(400, 401, 404, 503),
  },
});

const retryDelivery = createRoute({
  method: "post",
  path: "/admin/apps/{appKey}/push/deliveries/{id}/retry",
  ...ADMIN_ROUTE,
  summary: "Send a failed delivery again (same id)",
  request: {
    params: AppKeyParams.extend({ id: z.string().regex(DELIVERY_ID_PATTERN, "must be a delivery id") }),
  },
  responses: {
    200: jsonContent(okEnvelope(z.object({ queued: z.literal(true) })), "Queued again"),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

/**
 * The settings as the admin API shows them, with the URL to paste into WeChat's console: an app's
 * own server URL, or for an app served through a third-party platform the platform's 消息与事件接收URL
 * (one for all its authorizers; WeChat replaces $APPID$).
 */
export function presentPush(
  requestUrl: string,
  app: { appKey: string; component?: string | undefined },
  state: PushState,
): PushView {
  const origin = new URL(requestUrl).origin;
  return {
    url: app.component
      ? `${origin}/component/${app.component}/messages/$APPID$`
      : `${origin}/push/${app.appKey}`,
    tokenSet: true,
    encodingAESKeySet: state.encodingAESKeySet,
    targets: state.targets,
    ...(state.deliverySecret === undefined ? {} : { deliverySecret: state.deliverySecret }),
  };
}

/**
 * A passive reply as WeChat reads it: XML or JSON as the reply target wrote it (or sealed). Typed
 * as the route's text answer, which the OpenAPI document describes with its three content types.
 */
function replyAnswer(text: string, contentType: string): TypedResponse<string, 200, "text"> {
  return new Response(text, { headers: { "Content-Type": contentType } }) as unknown as TypedResponse<
    string,
    200,
    "text"
  >;
}

/** A nonce for an encrypted reply: 10 random digits, as WeChat's own. */
function replyNonce(): string {
  return [...crypto.getRandomValues(new Uint8Array(10))].map((b) => b % 10).join("");
}

export const pushRoutes = newRouter();
pushRoutes.use(
  "/push/:appKey",
  bodyLimit({
    maxSize: PUSH_BODY_LIMIT_BYTES,
    onError: () => {
      throw new GatewayError(413, `a push is at most ${PUSH_BODY_LIMIT_BYTES} bytes`);
    },
  }),
);
pushRoutes.use(
  "/component/:componentKey/messages/:appid",
  bodyLimit({
    maxSize: PUSH_BODY_LIMIT_BYTES,
    onError: () => {
      throw new GatewayError(413, `a push is at most ${PUSH_BODY_LIMIT_BYTES} bytes`);
    },
  }),
);
pushRoutes.use("/admin/*", requireAdmin);

pushRoutes.openapi(verifyUrl, async (c) => {
  const { appKey } = c.req.valid("param");
  const { echostr, ...query } = c.req.valid("query");
  orThrow(await inboxFor(c.env, appKey).verifyUrl(query));
  if (echostr === undefined) throw new GatewayError(400, "echostr: required");
  return c.text(echostr, 200);
});

pushRoutes.openapi(receivePush, async (c) => {
  const started = Date.now();
  const { appKey } = c.req.valid("param");
  const query = c.req.valid("query");
  const inbox = inboxFor(c.env, appKey);
  const received = orThrow(await inbox.receive(query, await c.req.text(), started));
  return answerWeChat(received, started, inbox, (format, message, timestamp, nonce) =>
    inbox.sealReply(format, message, timestamp, nonce),
  );
});

/** Seals a passive reply for WeChat (safe mode) with the keys of whoever holds them; null: none held. */
type Sealer = (format: PushFormat, reply: string, timestamp: string, nonce: string) => Promise<string | null>;

/**
 * WeChat's answer to a queued push: `success`, or the reply target's answer when it comes within
 * the deadline (sealed in safe mode). The inbox hears how the call went: late, failed or unusable,
 * the target gets the push through the queue, with the same id.
 */
async function answerWeChat(
  received: Received,
  started: number,
  inbox: DurableObjectStub<PushInbox>,
  seal: Sealer,
): Promise<TypedResponse<string, 200, "text">> {
  if (received.outcome === "duplicate" || received.reply === null) return plainSuccess();
  const reply = received.reply;
  const left = REPLY_DEADLINE_MS - (Date.now() - started);
  let text: string | null = null;
  let status: number | null = null;
  if (left > 0) {
    const answer = await post(reply, reply.signature, left);
    status = answer.status;
    if (answer.response && status !== null && status >= 200 && status < 300) {
      try {
        text = await answer.response.text();
      } catch {
        // The deadline passed while the body was on its way: late, like no answer.
      }
    } else await answer.response?.body?.cancel();
  }
  const usable = text !== null && text.length <= REPLY_MAX_CHARS;
  await inbox.replied(reply.id, status, usable);
  const message = usable ? text!.trim() : "";
  if (message === "" || message === NO_REPLY) return plainSuccess();
  const contentType = received.format === "json" ? "application/json" : "text/xml";
  if (!received.encrypted) return replyAnswer(message, contentType);
  const sealed = await seal(received.format, message, String(Math.floor(Date.now() / 1000)), replyNonce());
  if (sealed === null) return plainSuccess();
  return replyAnswer(sealed, contentType);
}

const plainSuccess = () => replyAnswer(NO_REPLY, "text/plain; charset=UTF-8");

// ---- an authorizer's pushes through its third-party platform ---------------------------------

/**
 * `/component/{componentKey}/messages/{appid}`: the platform's keeper checks and decrypts (the
 * platform's keys never leave it) and names the appKeys bound to the authorizer; each of those with
 * push settings gets the push through its own PushInbox, exactly like `/push/{appKey}`.
 */
pushRoutes.openapi(verifyAuthorizerUrl, async (c) => {
  const { componentKey } = c.req.valid("param");
  const { echostr, ...query } = c.req.valid("query");
  const component = await platformOf(c.env, componentKey);
  orThrow(await keeperFor(c.env, component.componentAppId).checkAuthorizerUrl(query));
  if (echostr === undefined) throw new GatewayError(400, "echostr: required");
  return c.text(echostr, 200);
});

pushRoutes.openapi(receiveAuthorizerPush, async (c) => {
  const started = Date.now();
  const { componentKey, appid } = c.req.valid("param");
  const query = c.req.valid("query");
  const component = await platformOf(c.env, componentKey);
  const keeper = keeperFor(c.env, component.componentAppId);
  const opened = orThrow(await keeper.openAuthorizerPush(appid, query, await c.req.text(), started));
  const appKeys = [...new Set(opened.appKeys)].sort();
  const results = await Promise.all(
    appKeys.map(async (appKey) => {
      const inbox = inboxFor(c.env, appKey);
      return { inbox, received: await inbox.receiveDecrypted(opened.message, started) };
    }),
  );
  // An appKey without push settings (404) gets nothing; any other refusal is WeChat's answer.
  const refused = results.find(({ received }) => !received.ok && received.status !== 404);
  if (refused) orThrow(refused.received);
  const queued = results.flatMap(({ inbox, received }) => (received.ok ? [{ inbox, received }] : []));
  if (queued.length === 0) {
    // Only identifiers: never the message.
    console.log(
      JSON.stringify({
        event: "authorizer_push_undelivered",
        componentKey,
        authorizerAppId: appid,
        boundAppKeys: appKeys.length,
      }),
    );
    return plainSuccess();
  }
  // One passive reply reaches WeChat: the first appKey's (in appKey order) whose reply target there
  // is; any other reply target gets the push through its queue at once.
  const [answering, ...others] = queued.filter(
    ({ received }) => received.outcome === "queued" && received.reply !== null,
  );
  await Promise.all(
    others.map(({ inbox, received }) =>
      received.outcome === "queued" && received.reply ? inbox.replied(received.reply.id, null, false) : null,
    ),
  );
  if (!answering) return plainSuccess();
  return answerWeChat(answering.received, started, answering.inbox, (format, message, timestamp, nonce) =>
    keeper.sealAuthorizerReply(format, message, timestamp, nonce),
  );
});

async function platformOf(env: Env, componentKey: string): Promise<StoredComponent> {
  const component = await findComponent(env.REGISTRY, componentKey);
  if (!component) throw new GatewayError(404, `no platform is registered as ${componentKey}`);
  return component;
}

async function requireApp(env: Env, appKey: string): Promise<void> {
  if (!(await findApp(env.REGISTRY, appKey, true)))
    throw new GatewayError(404, `no app is registered as ${appKey}`);
}

pushRoutes.openapi(rotateSecret, async (c) => {
  const { appKey } = c.req.valid("param");
  await requireApp(c.env, appKey);
  const { deliverySecret } = orThrow(await inboxFor(c.env, appKey).rotateSecret());
  return ok(c, { deliverySecret });
});

pushRoutes.openapi(listDeliveries, async (c) => {
  const { appKey } = c.req.valid("param");
  const { state, cursor, limit } = c.req.valid("query");
  await requireApp(c.env, appKey);
  const page = await inboxFor(c.env, appKey).deliveries(state, cursor, limit ?? DELIVERY_LIST_DEFAULT);
  return ok(c, { deliveries: page.deliveries, cursor: page.cursor });
});

pushRoutes.openapi(retryDelivery, async (c) => {
  const { appKey, id } = c.req.valid("param");
  await requireApp(c.env, appKey);
  orThrow(await inboxFor(c.env, appKey).retry(id));
  return ok(c, { queued: true as const });
});

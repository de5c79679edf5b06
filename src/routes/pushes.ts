// WeChat's pushes (消息推送) to an app: the server URL WeChat is configured with (GET: the URL
// check; POST: messages and events), and the admin calls for the delivery secret and the delivery
// log. The appKey's PushInbox checks, decides and queues; this file answers WeChat, and calls the
// reply target while WeChat waits.

import { createRoute, z } from "@hono/zod-openapi";
import type { TypedResponse } from "hono";
import { bodyLimit } from "hono/body-limit";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { post } from "../pushes/delivery.ts";
import { inboxFor, type PushState } from "../pushes/inbox.ts";
import {
  DELIVERY_ID_PATTERN,
  DELIVERY_LIST_DEFAULT,
  DeliveryListQuerySchema,
  DeliveryPageSchema,
  DeliverySecretSchema,
  type PushView,
} from "../pushes/schemas.ts";
import { findApp } from "../registry/apps.ts";
import { AppKeyParams } from "../registry/schemas.ts";
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

const verifyUrl = createRoute({
  method: "get",
  path: "/push/{appKey}",
  tags: ["Pushes"],
  summary: "WeChat's server URL check",
  description:
    "WeChat checks the URL entered in its console (服务器地址) with a GET: `echostr` is answered as plain text when `signature` is sha1(sort(Token, timestamp, nonce)) and the timestamp is within 5 minutes; 401 otherwise.",
  request: { params: AppKeyParams, query: PushQuerySchema.extend({ echostr: z.string().optional() }) },
  responses: {
    200: { description: "echostr", content: { "text/plain": { schema: z.string() } } },
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
    200: {
      description: "`success`, or the passive reply",
      content: {
        "text/plain": { schema: z.string() },
        "text/xml": { schema: z.string() },
        "application/json": { schema: z.string() },
      },
    },
    ...errorResponses(400, 401, 404, 413, 503),
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

/** The settings as the admin API shows them, with the URL to paste into WeChat's console. */
export function presentPush(requestUrl: string, appKey: string, state: PushState): PushView {
  return {
    url: `${new URL(requestUrl).origin}/push/${appKey}`,
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
  if (received.outcome === "duplicate" || received.reply === null) return c.text(NO_REPLY, 200);

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
  // Late, failed or unusable: the target gets the push through the queue, with the same id.
  await inbox.replied(reply.id, status, usable);
  const message = usable ? text!.trim() : "";
  if (message === "" || message === NO_REPLY) return c.text(NO_REPLY, 200);
  const contentType = received.format === "json" ? "application/json" : "text/xml";
  if (!received.encrypted) return replyAnswer(message, contentType);
  const sealed = await inbox.sealReply(
    received.format,
    message,
    String(Math.floor(Date.now() / 1000)),
    replyNonce(),
  );
  if (sealed === null) return c.text(NO_REPLY, 200);
  return replyAnswer(sealed, contentType);
});

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

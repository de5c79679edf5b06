// A third-party platform's own endpoints: the 授权事件接收URL WeChat pushes to (verify tickets,
// authorizations), the component_access_token for the provider's own open-platform calls, and the
// proxy that forwards those calls with it. The platform's keeper (named by its component appid)
// holds the secrets and decides; these routes only find the platform and pass requests on.

import { createRoute, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { readSettings } from "../platform/settings.ts";
import { chinaIso, secondsUntil } from "../platform/time.ts";
import { completeAuthorization } from "../registry/authorizations.ts";
import { checkComponentKey, findComponent } from "../registry/components.ts";
import { ComponentKeyParams, type StoredComponent } from "../registry/schemas.ts";
import { currentToken, forgetToken, tokenSourceFor } from "../tokens/current-token.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { ERRCODE } from "../wechat/errcodes.ts";
import { forwardToWeChat, UnforwardablePathError } from "../wechat/proxy.ts";
import { canonicalWeChatPath } from "../wechat/proxy-path.ts";
import { bearerToken } from "./auth.ts";
import { errorResponses, type GatewayEnv, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

/**
 * WeChat's pushes are a few hundred bytes (an event's XML, encrypted and base64'd); 16 KB leaves
 * room for any event and is all an unauthenticated caller can make the gateway read.
 */
const EVENT_BODY_LIMIT_BYTES = 16 * 1024;
/** The platform's own API calls (authorizer info, options, code templates) are small JSON. */
const COMPONENT_PROXY_BODY_LIMIT_BYTES = 1024 * 1024;
/** The open-platform family the component proxy reaches. */
const COMPONENT_PATH_PREFIX = "/cgi-bin/component/";
/** Answered from the keeper: forwarding it would issue a token behind the keeper's back. */
const COMPONENT_TOKEN_PATH = "/cgi-bin/component/api_component_token";

/** `/Component/{componentKey}/…`: a component API key of that platform (never an app's key). */
const requireComponentKey: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const presented = bearerToken(c.req.header("Authorization"));
  if (!presented) throw new GatewayError(401, "Authorization: Bearer <component API key> is required");
  const component = await checkComponentKey(c.env.REGISTRY, presented);
  if (!component) throw new GatewayError(401, "the component API key is not valid");
  if (component.componentKey !== c.req.param("componentKey")) {
    throw new GatewayError(403, "this API key is not allowed for this componentKey");
  }
  c.set("component", component);
  await next();
};

const ComponentAccessTokenSchema = z
  .object({
    component_access_token: z.string(),
    expires_in: z.number().int().openapi({ description: "seconds left" }),
    expires_time: z.string().openapi({ example: "2026-11-21T15:04:05+08:00" }),
    create_time: z.string().openapi({ example: "2026-11-21T13:04:05+08:00" }),
  })
  .openapi("ComponentAccessToken");

const getComponentToken = createRoute({
  method: "get",
  path: "/Component/{componentKey}/AccessToken",
  tags: ["Tokens"],
  summary: "A third-party platform's current component_access_token",
  description:
    "Kept by the platform's keeper like an app's token (single flight, renewed ahead of expiry, persisted); fetched with the newest verify ticket. Needs a component API key (POST /admin/components/{componentKey}/keys).",
  security: [{ ApiKey: [] }],
  request: { params: ComponentKeyParams },
  responses: {
    200: jsonContent(okEnvelope(ComponentAccessTokenSchema), "The current token"),
    ...errorResponses(401, 403, 404, 429, 502, 503),
  },
});

const receiveEvent = createRoute({
  method: "post",
  path: "/component/{componentKey}/events",
  tags: ["Tokens"],
  summary: "The platform's 授权事件接收URL: WeChat's encrypted pushes",
  description:
    "Enter `https://<gateway>/component/{componentKey}/events` in the Open Platform console. The signature is checked first (401, nothing changes), then the body is decrypted and must name the platform (400). Verify tickets are kept (the newest by CreateTime); the answer is the plain text `success`.",
  request: {
    params: ComponentKeyParams,
    query: z.object({
      timestamp: z.string().optional(),
      nonce: z.string().optional(),
      encrypt_type: z.string().optional(),
      msg_signature: z.string().optional(),
    }),
  },
  responses: {
    200: { description: "`success`", content: { "text/plain": { schema: z.literal("success") } } },
    ...errorResponses(400, 401, 404, 413),
  },
});

export const componentRoutes = newRouter();
componentRoutes.use("/Component/:componentKey/AccessToken", requireComponentKey);
componentRoutes.use(
  "/component/:componentKey/events",
  bodyLimit({
    maxSize: EVENT_BODY_LIMIT_BYTES,
    onError: () => {
      throw new GatewayError(413, `a push is at most ${EVENT_BODY_LIMIT_BYTES} bytes`);
    },
  }),
);

componentRoutes.openapi(getComponentToken, async (c) => {
  const component = c.var.component;
  const credential = orThrow(await currentToken(c.env, component.componentAppId)).credential;
  const now = Date.now();
  return ok(c, {
    component_access_token: credential.value,
    expires_in: secondsUntil(credential.expiresAt, now),
    expires_time: chinaIso(credential.expiresAt),
    create_time: chinaIso(credential.createdAt),
  });
});

componentRoutes.openapi(receiveEvent, async (c) => {
  const { componentKey } = c.req.valid("param");
  const query = c.req.valid("query");
  const component = await findComponent(c.env.REGISTRY, componentKey);
  if (!component) throw new GatewayError(404, `no platform is registered as ${componentKey}`);
  if (!query.timestamp || !query.nonce || !query.msg_signature) {
    throw new GatewayError(401, "timestamp, nonce and msg_signature are required");
  }
  const body = await c.req.text();
  const received = orThrow(
    await keeperFor(c.env, component.componentAppId).receiveComponentEvent(
      { timestamp: query.timestamp, nonce: query.nonce, msgSignature: query.msg_signature },
      body,
    ),
  );
  // A revoked app's token must not be handed out from this isolate's memory either.
  if (received.infoType === "unauthorized" && received.authorizerAppId) forgetToken(received.authorizerAppId);
  if (received.authorizationCode) {
    // WeChat waits 5 s at most: the exchange (once per code, shared with the redirect) runs after the answer.
    c.executionCtx.waitUntil(completeAuthorization(c.env, component, received.authorizationCode));
  }
  return c.text("success", 200);
});

// ---- /proxy/component/{componentKey}/… ----------------------------------------------------------

/** WeChat's error shape: an SDK reads errcode. */
const wechatError = (
  c: Context,
  errcode: number,
  errmsg: string,
  status: 200 | 400 | 403 | 413 | 502 = 200,
) => c.json({ errcode, errmsg }, status);

/** The path after /proxy/component/{componentKey}, as it arrived (escapes and all). */
function rawComponentPath(url: string): string {
  const pathStart = url.indexOf("/", url.indexOf("://") + 3);
  const ends = [url.indexOf("?", pathStart), url.indexOf("#", pathStart)].filter((at) => at !== -1);
  const path = url.slice(pathStart, ends.length > 0 ? Math.min(...ends) : undefined);
  return `/${path.split("/").slice(4).join("/")}`;
}

/** The caller is the platform's server: its component API key, or a component_access_token the keeper issued. */
async function mayUsePlatform(c: Context<GatewayEnv>, component: StoredComponent): Promise<boolean> {
  const presented = bearerToken(c.req.header("Authorization"));
  if (presented)
    return (await checkComponentKey(c.env.REGISTRY, presented))?.componentKey === component.componentKey;
  const token = c.req.query("component_access_token");
  return token !== undefined && (await keeperFor(c.env, component.componentAppId).recognizesToken(token));
}

/** `/proxy/component/…` is the platform's proxy; the apps' proxy never sees that first segment. */
const PLATFORM_PROXY_SEGMENT = "component";

const platformCallBodies = bodyLimit({
  maxSize: COMPONENT_PROXY_BODY_LIMIT_BYTES,
  onError: (c) => wechatError(c, ERRCODE.CONTENT_TOO_LARGE, "content size out of limit", 413),
});

export const componentProxyRoutes = new Hono<GatewayEnv>();

// The same pattern as the apps' proxy (/proxy/:appKey/*), which this runs before: a second pattern
// /proxy/component/:componentKey/* beside it is one Hono's RegExpRouter cannot compile, and its
// fallback (a trie walked on every request) was the largest JavaScript cost in a CPU profile of a
// proxied call.
componentProxyRoutes.all("/proxy/:appKey/*", async (c, next) => {
  if (c.req.param("appKey") !== PLATFORM_PROXY_SEGMENT) return next();
  const refused = await platformCallBodies(c, async () => {
    c.res = await answerPlatformCall(c);
  });
  return refused ?? c.res;
});

/** A call under /proxy/component/{componentKey}/…, its body within the limit. */
async function answerPlatformCall(c: Context<GatewayEnv>): Promise<Response> {
  const canonical = canonicalWeChatPath(rawComponentPath(c.req.url));
  if (!canonical.ok) {
    return wechatError(
      c,
      ERRCODE.API_UNAUTHORIZED,
      `api unauthorized (gateway: the path holds ${canonical.reason})`,
      400,
    );
  }
  const path = canonical.path;
  if (!path.startsWith(COMPONENT_PATH_PREFIX)) {
    return wechatError(
      c,
      ERRCODE.API_UNAUTHORIZED,
      `api unauthorized (gateway: only ${COMPONENT_PATH_PREFIX} is forwarded)`,
      403,
    );
  }
  const spellsTokenPath = path.toLowerCase().startsWith(COMPONENT_TOKEN_PATH);
  if (spellsTokenPath && path !== COMPONENT_TOKEN_PATH) {
    return wechatError(
      c,
      ERRCODE.API_UNAUTHORIZED,
      "api unauthorized (gateway: another spelling of the token path)",
      400,
    );
  }
  const component = await findComponent(c.env.REGISTRY, c.req.path.split("/")[3] ?? "");
  if (!component)
    return wechatError(
      c,
      ERRCODE.INVALID_APPID,
      "invalid appid (gateway: no platform is registered as this componentKey)",
    );
  if (!(await mayUsePlatform(c, component))) {
    return wechatError(
      c,
      ERRCODE.INVALID_CREDENTIAL,
      "invalid credential (gateway: no component API key and no component_access_token it issued)",
    );
  }
  const token = await currentToken(c.env, component.componentAppId);
  if (!token.ok)
    return wechatError(
      c,
      token.errcode ?? ERRCODE.SYSTEM_BUSY,
      token.errmsg || `system error (gateway: ${token.message})`,
    );
  if (path === COMPONENT_TOKEN_PATH) {
    return c.json({
      component_access_token: token.credential.value,
      expires_in: secondsUntil(token.credential.expiresAt, Date.now()),
    });
  }
  try {
    return await forwardToWeChat(
      readSettings(c.env).tokenApiBase,
      tokenSourceFor(c.env, component.componentAppId),
      token.credential.value,
      {
        method: c.req.method,
        path,
        query: new URL(c.req.url).searchParams,
        headers: c.req.raw.headers,
        body: c.req.raw.body,
        tokenParam: "component_access_token",
      },
    );
  } catch (error) {
    if (error instanceof UnforwardablePathError) {
      return wechatError(
        c,
        ERRCODE.API_UNAUTHORIZED,
        "api unauthorized (gateway: URL parsing would change the path)",
        400,
      );
    }
    console.log(
      JSON.stringify({
        event: "component_proxy_upstream_failed",
        componentKey: component.componentKey,
        path,
      }),
    );
    return wechatError(c, ERRCODE.SYSTEM_BUSY, "system error (gateway: WeChat could not be reached)", 502);
  }
}

// /proxy/{appKey}/… mirrors api.weixin.qq.com so that an unchanged WeChat SDK shares the
// appid's one token by changing only its API host. Answers are WeChat's own shapes, because an SDK
// parses them: token calls are answered from the keeper and never reach WeChat; everything else is
// forwarded with the keeper's token. Every decision is made on the canonical path, the one WeChat
// receives (../wechat/proxy-path.ts), and a path that has none is refused first of all.

import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { readSettings } from "../platform/settings.ts";
import { secondsUntil } from "../platform/time.ts";
import { checkApiKey, findApp } from "../registry/apps.ts";
import { apiKeyId } from "../registry/keys.ts";
import { AppKeySchema, type AppRecord, DEFAULT_PROXY } from "../registry/schemas.ts";
import { currentTicket, currentToken, isIssuedToken, tokenSourceFor } from "../tokens/current-token.ts";
import { keeperFor } from "../tokens/keeper.ts";
import type { KeeperFailure } from "../wechat/credential.ts";
import { ERRCODE } from "../wechat/errcodes.ts";
import { forwardToWeChat, UnforwardablePathError } from "../wechat/proxy.ts";
import {
  canonicalWeChatPath,
  keeperPathSpelledBy,
  LOGIN_PATH,
  STABLE_TOKEN_PATH,
  TICKET_PATH,
  TOKEN_PATH,
} from "../wechat/proxy-path.ts";
import { bearerToken } from "./auth.ts";
import type { GatewayEnv } from "./envelope.ts";

/** WeChat's largest uploads (video material) are 20 MB; multipart overhead on top. */
const PROXY_BODY_LIMIT_BYTES = 25 * 1024 * 1024;

/**
 * stable_token's body is four short fields (under 200 bytes from any SDK); 4 KB leaves room for
 * whitespace and fields an SDK adds, and is all a caller without credentials can make the gateway
 * read and parse, since the credentials are inside the body.
 */
export const TOKEN_CALL_BODY_LIMIT_BYTES = 4 * 1024;

/** The WeChat ticket types: jsapi is the keeper's (cached), wx_card is forwarded. */
const JSAPI_TICKET = "jsapi";
const CARD_TICKET = "wx_card";

type ProxyEnv = {
  Bindings: GatewayEnv["Bindings"];
  Variables: GatewayEnv["Variables"] & {
    /** The canonical WeChat path (proxy-path.ts), set before anything else looks at the request. */
    wechatPath: string;
  };
};

type ProxyContext = Context<ProxyEnv>;

/** WeChat's error shape; HTTP 200 like WeChat unless the status says more (an SDK reads errcode). */
function wechatError(
  c: ProxyContext,
  errcode: number,
  errmsg: string,
  status: 200 | 400 | 403 | 404 | 413 | 502 = 200,
) {
  return c.json({ errcode, errmsg }, status);
}

/**
 * A path refused as spelled, before auth and the allow-list. 48001 ("api unauthorized") is what
 * WeChat says of an API a caller may not use, which SDKs already report, and the gateway will not
 * reach a path it cannot judge; HTTP 400 (not the allow-list's 403) because the request itself is
 * malformed: no SDK builds such a path, so none is confused by the status.
 */
const refusedPath = (c: ProxyContext, why: string) =>
  wechatError(
    c,
    ERRCODE.API_UNAUTHORIZED,
    `api unauthorized (gateway: ${why}; the proxy forwards canonical paths only)`,
    400,
  );

const tooLarge = (c: ProxyContext) =>
  wechatError(c, ERRCODE.CONTENT_TOO_LARGE, "content size out of limit", 413);

/** WeChat's answer to a token, login or ticket path called with the wrong method. */
const requireMethod = (c: ProxyContext, method: "GET" | "POST") =>
  method === "GET"
    ? wechatError(c, ERRCODE.REQUIRE_GET, "require GET method")
    : wechatError(c, ERRCODE.REQUIRE_POST, "require POST method");

const invalidCredential = (c: ProxyContext, why: string) =>
  wechatError(
    c,
    ERRCODE.INVALID_CREDENTIAL,
    `invalid credential, access_token is invalid or not latest (gateway: ${why})`,
  );

/** A keeper that has no token to give, said the way WeChat would. */
function noToken(c: ProxyContext, failure: KeeperFailure) {
  return wechatError(
    c,
    failure.errcode ?? ERRCODE.SYSTEM_BUSY,
    failure.errmsg || `system error (gateway: ${failure.message})`,
  );
}

async function hasApiKey(c: ProxyContext, appKey: string): Promise<boolean> {
  const presented = bearerToken(c.req.header("Authorization"));
  if (!presented || !apiKeyId(presented)) return false;
  const check = await checkApiKey(c.env.REGISTRY, presented);
  return check.ok && check.appKey === appKey;
}

/** `path` is canonical (proxy-path.ts): a prefix match on it is a match on what WeChat receives. */
function allowed(app: AppRecord, path: string): boolean {
  const prefixes = app.proxy?.allowedPrefixes ?? DEFAULT_PROXY.allowedPrefixes;
  return prefixes.some((prefix) => path.startsWith(prefix));
}

type Credentials = { appid: string | null; secret: string | null; grantType: string | null };

async function tokenCallCredentials(c: ProxyContext, path: string): Promise<Credentials | "not-json"> {
  if (path === TOKEN_PATH) {
    return {
      appid: c.req.query("appid") ?? null,
      secret: c.req.query("secret") ?? null,
      grantType: c.req.query("grant_type") ?? null,
    };
  }
  let body: Record<string, unknown>;
  try {
    body = (await c.req.json()) as Record<string, unknown>;
  } catch {
    return "not-json";
  }
  const text = (v: unknown) => (typeof v === "string" ? v : null);
  return { appid: text(body?.appid), secret: text(body?.secret), grantType: text(body?.grant_type) };
}

/**
 * GET /cgi-bin/token and POST /cgi-bin/stable_token: the shared token, with expires_in = its
 * seconds left. The SDK's own appid and secret (or an API key) are checked; force_refresh is
 * ignored, so no SDK can make WeChat issue a token behind the keeper's back.
 */
async function answerTokenCall(c: ProxyContext, app: AppRecord, path: string) {
  const credentials = await tokenCallCredentials(c, path);
  if (credentials === "not-json") return wechatError(c, ERRCODE.DATA_FORMAT_ERROR, "data format error");
  const byApiKey = await hasApiKey(c, app.appKey);
  if (!byApiKey) {
    if (credentials.grantType !== "client_credential")
      return wechatError(c, ERRCODE.INVALID_GRANT_TYPE, "invalid grant_type");
    if (!credentials.appid) return wechatError(c, ERRCODE.APPID_MISSING, "appid missing");
    if (!credentials.secret) return wechatError(c, ERRCODE.APPSECRET_MISSING, "appsecret missing");
  }
  const keeper = keeperFor(c.env, app.appId);
  if (credentials.appid !== null && credentials.appid !== app.appId)
    return wechatError(c, ERRCODE.INVALID_APPID, "invalid appid");
  if (!byApiKey && app.component) {
    // No AppSecret exists here to present: the platform holds the app's refresh token instead.
    return wechatError(
      c,
      ERRCODE.INVALID_APPSECRET,
      "invalid appsecret (gateway: this app is served through a third-party platform and has no AppSecret; call with an API key)",
    );
  }
  if (!byApiKey && !(await keeper.checkCredentials(app.appId, credentials.secret ?? ""))) {
    return wechatError(c, ERRCODE.INVALID_APPSECRET, "invalid appsecret");
  }
  const token = await keeper.getAccessToken();
  if (!token.ok) return noToken(c, token);
  return c.json(
    {
      access_token: token.credential.value,
      expires_in: secondsUntil(token.credential.expiresAt, Date.now()),
    },
    200,
  );
}

/** Who may use the app's token: an API key, or a token the keeper handed out (current or in grace). */
async function callerMayUseToken(c: ProxyContext, app: AppRecord): Promise<string | null> {
  if (await hasApiKey(c, app.appKey)) return null;
  const presented = c.req.query("access_token");
  if (!presented) return "no API key and no access_token";
  if (!(await isIssuedToken(c.env, app.appId, presented))) return "not a token this gateway issued";
  return null;
}

const WeChatErrorSchema = z
  .object({
    errcode: z.number().int().openapi({ example: 40001 }),
    errmsg: z.string().openapi({ example: "invalid credential, access_token is invalid or not latest" }),
  })
  .openapi("WeChatError");

const wechatErrorContent = (description: string) => ({
  description,
  content: { "application/json": { schema: WeChatErrorSchema } },
});

/**
 * The catch-all, described for the OpenAPI document. The proxy itself is a plain route: it answers
 * WeChat's own shapes, which an SDK parses, so it has no envelope to validate against.
 */
export const proxyOperations = (["get", "post"] as const).map((method) =>
  createRoute({
    method,
    path: "/proxy/{appKey}/{wechatPath}",
    tags: ["Proxy"],
    security: [{ ApiKey: [] }, { WeChatAccessToken: [] }],
    summary: `Mirror of ${method.toUpperCase()} https://api.weixin.qq.com/{wechatPath}`,
    description: [
      "Set an unchanged WeChat SDK's API host to `https://<gateway>/proxy/{appKey}`. `wechatPath` may contain slashes (`cgi-bin/message/custom/send`).",
      "`GET cgi-bin/token` and `POST cgi-bin/stable_token` with the app's own appid and secret are answered from the keeper (the shared token, never a new one); `GET cgi-bin/ticket/getticket?type=jsapi` from its cache; `GET sns/jscode2session` is made by the keeper with the stored secret.",
      "Everything else is forwarded with the keeper's token in place of the caller's `access_token`, and repeated once after a passive refresh on 40001/40014/42001. Paths outside the app's `proxy.allowedPrefixes` get 403 with errcode 48001; bodies over 25 MB (over 4 KB on the token paths) get 413 with 45002.",
      "The path is made canonical first, before any credential is looked at: escapes of letters, digits and `-._~` are decoded and empty segments dropped; a path holding a control character, a backslash, an escaped slash, a dot segment or any other character, raw or escaped, gets 400 with errcode 48001, and so does any other spelling (case, a trailing slash, a longer path) of the token, login and ticket paths. Those four paths with another method get WeChat's 43001/43002.",
    ].join("\n\n"),
    request: {
      params: z.object({
        appKey: AppKeySchema,
        wechatPath: z.string().openapi({ example: "cgi-bin/get_api_domain_ip" }),
      }),
    },
    responses: {
      200: {
        description:
          "WeChat's answer as WeChat sent it (JSON, an image or a media file); failures the gateway answers itself use WeChat's shape too: errcode 40001 (caller not allowed), 40013/40125 (token paths: wrong appid/secret).",
        content: { "application/json": { schema: WeChatErrorSchema.partial().loose() } },
      },
      400: wechatErrorContent(
        "A path that is not canonical, or another spelling of a token, login or ticket path (errcode 48001)",
      ),
      403: wechatErrorContent("Outside the app's proxy allow-list (errcode 48001)"),
      413: wechatErrorContent("Body over 25 MB, or over 4 KB on a token path (errcode 45002)"),
    },
  }),
);

/**
 * The request's path after /proxy/{appKey} exactly as it arrived. Hono's c.req.path is decoded
 * already ("%0A" is a line feed there), which is what let respellings through. Hono matched the two
 * leading segments on its decoded copy, which has the same segments: decoding never makes a "/".
 */
function rawWeChatPath(url: string): string {
  const pathStart = url.indexOf("/", url.indexOf("://") + 3);
  if (pathStart === -1) return "/";
  const ends = [url.indexOf("?", pathStart), url.indexOf("#", pathStart)].filter((at) => at !== -1);
  const path = url.slice(pathStart, ends.length > 0 ? Math.min(...ends) : undefined);
  return `/${path.split("/").slice(3).join("/")}`;
}

export const proxyRoutes = new Hono<ProxyEnv>();

const tokenCallBodies = bodyLimit({ maxSize: TOKEN_CALL_BODY_LIMIT_BYTES, onError: tooLarge });
const forwardedBodies = bodyLimit({ maxSize: PROXY_BODY_LIMIT_BYTES, onError: tooLarge });

// First of all, before the registry, auth and the allow-list: the path is made canonical (or the
// request refused), and the body limit chosen for it.
proxyRoutes.use("/proxy/:appKey/*", async (c, next) => {
  const canonical = canonicalWeChatPath(rawWeChatPath(c.req.url));
  if (!canonical.ok) return refusedPath(c, `the path holds ${canonical.reason}`);
  const path = canonical.path;
  const keeperPath = keeperPathSpelledBy(path);
  if (keeperPath !== null && keeperPath !== path) {
    return refusedPath(c, `another spelling of ${keeperPath} is never forwarded`);
  }
  c.set("wechatPath", path);
  const tokenCall = path === TOKEN_PATH || path === STABLE_TOKEN_PATH;
  return (tokenCall ? tokenCallBodies : forwardedBodies)(c, next);
});

proxyRoutes.all("/proxy/:appKey/*", async (c) => {
  const appKey = c.req.param("appKey");
  const path = c.get("wechatPath");
  const method = c.req.method;
  // No spelling of the token paths is ever forwarded: with another method they are refused.
  if (path === TOKEN_PATH && method !== "GET") return requireMethod(c, "GET");
  if (path === STABLE_TOKEN_PATH && method !== "POST") return requireMethod(c, "POST");
  if ((path === LOGIN_PATH || path === TICKET_PATH) && method !== "GET") return requireMethod(c, "GET");

  const app = await findApp(c.env.REGISTRY, appKey);
  // HTTP 200 like WeChat: some SDKs turn any other status into an error message with the URL,
  // which for token calls holds the AppSecret.
  if (!app)
    return wechatError(
      c,
      ERRCODE.INVALID_APPID,
      "invalid appid (gateway: no app is registered as this appKey)",
    );

  if (path === TOKEN_PATH || path === STABLE_TOKEN_PATH) return answerTokenCall(c, app, path);

  if (path === LOGIN_PATH) {
    // WeChat's answer carries the user's session_key, so the caller must be the app's own
    // server: its appid and secret, an API key, or a token this gateway issued (WxJava adds one).
    // The call itself is made by the keeper with the stored secret.
    const appid = c.req.query("appid");
    if (appid !== undefined && appid !== app.appId)
      return wechatError(c, ERRCODE.INVALID_APPID, "invalid appid");
    const secret = c.req.query("secret");
    const token = c.req.query("access_token");
    const trusted =
      (await hasApiKey(c, app.appKey)) ||
      (secret !== undefined && (await keeperFor(c.env, app.appId).checkCredentials(app.appId, secret))) ||
      (token !== undefined && (await isIssuedToken(c.env, app.appId, token)));
    if (!trusted) return wechatError(c, ERRCODE.INVALID_APPSECRET, "invalid appsecret");
    if (!allowed(app, path))
      return wechatError(
        c,
        ERRCODE.API_UNAUTHORIZED,
        "api unauthorized (gateway: not in this app's proxy allow-list)",
        403,
      );
    const answer = await keeperFor(c.env, app.appId).forwardLogin(
      c.req.query("js_code") ?? "",
      c.req.query("grant_type") ?? "authorization_code",
    );
    return c.body(answer.text, answer.status as 200, { "Content-Type": answer.contentType });
  }

  const refusal = await callerMayUseToken(c, app);
  if (refusal) return invalidCredential(c, refusal);
  if (!allowed(app, path))
    return wechatError(
      c,
      ERRCODE.API_UNAUTHORIZED,
      "api unauthorized (gateway: not in this app's proxy allow-list)",
      403,
    );

  const query = new URL(c.req.url).searchParams;
  if (path === TICKET_PATH) {
    // One type, and only the two WeChat has: a second type, or a spelling of jsapi WeChat might
    // accept, would otherwise be forwarded and fetch a jsapi ticket behind the keeper's back.
    const types = query.getAll("type");
    const type = types[0] ?? JSAPI_TICKET;
    if (types.length > 1 || (type.toLowerCase() !== JSAPI_TICKET && type !== CARD_TICKET)) {
      return wechatError(c, ERRCODE.INVALID_ARGS, "invalid args (gateway: one type, jsapi or wx_card)");
    }
    if (type.toLowerCase() === JSAPI_TICKET) {
      const ticket = await currentTicket(c.env, app.appId);
      if (!ticket.ok) return noToken(c, ticket);
      return c.json(
        {
          errcode: 0,
          errmsg: "ok",
          ticket: ticket.credential.value,
          expires_in: secondsUntil(ticket.credential.expiresAt, Date.now()),
        },
        200,
      );
    }
  }

  const token = await currentToken(c.env, app.appId);
  if (!token.ok) return noToken(c, token);
  try {
    return await forwardToWeChat(
      readSettings(c.env).apiBase,
      tokenSourceFor(c.env, app.appId),
      token.credential.value,
      {
        method,
        path,
        query,
        headers: c.req.raw.headers,
        body: c.req.raw.body,
      },
    );
  } catch (error) {
    if (error instanceof UnforwardablePathError) return refusedPath(c, "URL parsing would change the path");
    console.log(JSON.stringify({ event: "proxy_upstream_failed", appKey, path }));
    return wechatError(c, ERRCODE.SYSTEM_BUSY, "system error (gateway: WeChat could not be reached)", 502);
  }
});

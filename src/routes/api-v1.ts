// What every API v1 endpoint (the WeChat operations under /Wechat/{appKey}/) shares: the app-type
// check, the request body limit, the call to WeChat through the appid's keeper, and answering
// WeChat's JSON inside the envelope without re-encoding it.

import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler, TypedResponse } from "hono";
import { bodyLimit } from "hono/body-limit";
import { GatewayError } from "../platform/errors.ts";
import { readSettings } from "../platform/settings.ts";
import { findApp } from "../registry/apps.ts";
import { tokenSourceFor } from "../tokens/current-token.ts";
import type { AppType } from "../wechat/app-kinds.ts";
import { type BusinessAnswer, type BusinessCall, callBusinessApi } from "../wechat/business-calls.ts";
import { requireApiKey } from "./auth.ts";
import type { GatewayEnv } from "./envelope.ts";

/** Every API v1 request is a few KB at most (msg_sec_check content: 2500 characters). */
export const GATEWAY_BODY_LIMIT_BYTES = 64 * 1024;

const TYPE_NAMES: Record<AppType, string> = {
  miniprogram: "a mini program",
  officialaccount: "an official account",
};

/** Official-account operations on a mini program (and the reverse) would only confuse WeChat. */
export function requireAppType(type: AppType): MiddlewareHandler<GatewayEnv> {
  return async (c, next) => {
    const app = c.var.app;
    if (app.type !== type) {
      throw new GatewayError(
        400,
        `this operation is for ${TYPE_NAMES[type]}; ${app.appKey} is registered as ${TYPE_NAMES[app.type]}`,
      );
    }
    await next();
  };
}

/** Public endpoints (the credential is in the request itself): only the appKey is looked up. */
export const requireKnownApp: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const appKey = c.req.param("appKey") ?? "";
  const app = await findApp(c.env.REGISTRY, appKey);
  if (!app) throw new GatewayError(404, `no app is registered as ${appKey}`);
  c.set("appKey", appKey);
  c.set("app", app);
  await next();
};

export const limitBody: MiddlewareHandler<GatewayEnv> = bodyLimit({
  maxSize: GATEWAY_BODY_LIMIT_BYTES,
  onError: () => {
    throw new GatewayError(413, `the request body is larger than ${GATEWAY_BODY_LIMIT_BYTES} bytes`);
  },
});

/**
 * The middlewares of an API-key endpoint for one app type, in the order they must run. The body
 * limit is not among them: index.ts applies it to every route but the proxy and the legacy one.
 */
export function gatewayGuards(type: AppType): MiddlewareHandler<GatewayEnv>[] {
  return [requireApiKey((c) => c.req.param("appKey") ?? null), requireAppType(type)];
}

/**
 * The JSON body exactly as the caller sent it, so field order, unknown fields and big integers
 * reach WeChat unchanged; only an `access_token` field is dropped, because the token belongs in
 * the query and must be the keeper's. Handlers call this after the route's schema accepted the
 * body (Hono keeps the text it parsed, so nothing is read twice).
 */
export async function acceptedBodyText(c: Context<GatewayEnv>): Promise<string> {
  const text = await c.req.text();
  // The route's schema parsed it already; only a body that may name the token (spelled out or
  // escaped, as in "access\u005ftoken") is parsed again.
  if (text !== "" && !text.includes("access_token") && !text.includes("\\u")) return text;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // No body at all (and so no Content-Type to make the validator read one).
    throw new GatewayError(400, "body: must be a JSON object");
  }
  if (!Object.hasOwn(body, "access_token")) return text;
  const { access_token: _dropped, ...rest } = body;
  return JSON.stringify(rest);
}

export async function callWeChatAsApp(c: Context<GatewayEnv>, call: BusinessCall): Promise<BusinessAnswer> {
  const { appId } = c.var.app;
  try {
    return await callBusinessApi(readSettings(c.env).apiBase, tokenSourceFor(c.env, appId), call);
  } catch (error) {
    if (error instanceof GatewayError) {
      // Identifiers and outcome only: never the token, the body or WeChat's errmsg (it can echo input).
      console.log(
        JSON.stringify({
          event: "wechat_call_failed",
          appKey: c.var.appKey,
          appId,
          path: call.path,
          status: error.status,
          errcode: error.errcode,
        }),
      );
    }
    throw error;
  }
}

/**
 * The route's typed JSON answer. `data` is typed `never` (assignable to any route's data type)
 * because the JSON text is WeChat's, checked only to be JSON: the OpenAPI schema documents it.
 */
type SplicedEnvelope = TypedResponse<{ code: 200; data: never; error: "" }, 200, "json">;

/**
 * A success envelope around JSON text that is already valid JSON (it was parsed once), spliced in
 * rather than re-encoded so that integers beyond 2^53 (WeChat's msgid) keep every digit.
 */
export function envelopeAround(jsonText: string): SplicedEnvelope {
  const response = new Response(`{"code":200,"data":${jsonText},"error":""}`, {
    headers: { "content-type": "application/json; charset=utf-8" },
  });
  return response as unknown as SplicedEnvelope;
}

/** A JSON success: `data` is WeChat's answer exactly as sent. */
export function wechatJsonEnvelope(answer: BusinessAnswer): SplicedEnvelope {
  if (answer.kind !== "json") throw new GatewayError(502, "WeChat answered an image where JSON was expected");
  return envelopeAround(answer.text);
}

/** The one field of WeChat's answer that the endpoint returns (url_link, openlink, unionid...). */
export function pickString(answer: BusinessAnswer, field: string): string {
  const value = answer.kind === "json" ? answer.body[field] : undefined;
  if (typeof value !== "string" || value === "") {
    throw new GatewayError(502, `WeChat's answer did not contain ${field}`);
  }
  return value;
}

/** WeChat's own result object, described loosely: its fields are WeChat's to add. */
export const WeChatResultSchema = z
  .looseObject({ errcode: z.number().int(), errmsg: z.string() })
  .openapi("WeChatResult", {
    description: "WeChat's JSON as sent (integers such as msgid keep all their digits)",
    example: { errcode: 0, errmsg: "ok" },
  });

export function imageResponse(answer: BusinessAnswer): Response {
  if (answer.kind !== "image")
    throw new GatewayError(502, "WeChat answered JSON where an image was expected");
  const headers = new Headers({ "content-type": answer.contentType, "cache-control": "no-store" });
  if (answer.contentLength) headers.set("content-length", answer.contentLength);
  return new Response(answer.stream, { headers });
}

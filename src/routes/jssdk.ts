// JS-SDK: the wx.config parameters for a web page, signed with the appid's cached jsapi_ticket.

import { createRoute, z } from "@hono/zod-openapi";
import { orThrow } from "../platform/errors.ts";
import { AppKeyParams } from "../registry/schemas.ts";
import { currentTicket } from "../tokens/current-token.ts";
import { jsSdkSignature, newNonce } from "../wechat/jssdk.ts";
import { gatewayGuards } from "./api-v1.ts";
import { errorResponses, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

/** Browsers and WeChat handle URLs far longer than this, but a signed page URL never needs more. */
const MAX_PAGE_URL_CHARS = 4096;

const JsConfigQuery = z.object({
  url: z
    .string()
    .max(MAX_PAGE_URL_CHARS)
    .regex(/^https?:\/\/[^\s]+$/i, "must be the page's full http(s) URL")
    .openapi({
      description: "The full URL of the page calling wx.config (URL-encoded); anything after # is dropped.",
      example: "https://shop.example.com/cart?from=menu",
    }),
  jsApiList: z
    .string()
    .regex(/^[A-Za-z]+(,[A-Za-z]+)*$/, "must be comma-separated JS API names")
    .max(2048)
    .optional()
    .openapi({
      description: "Echoed back as an array for wx.config",
      example: "updateAppMessageShareData,chooseImage",
    }),
});

const JsConfigSchema = z
  .object({
    noncestr: z.string(),
    timestamp: z.number().int().openapi({ description: "unix seconds" }),
    signature: z.string().openapi({ description: "sha1 hex over jsapi_ticket, noncestr, timestamp and url" }),
    appKey: z.string(),
    appId: z.string(),
    jsApiList: z.array(z.string()),
  })
  .openapi("JsConfig");

const jsConfig = createRoute({
  method: "get",
  path: "/Wechat/{appKey}/JSConfig",
  tags: ["JS-SDK"],
  security: [{ ApiKey: [] }],
  summary: "wx.config parameters for a page URL",
  description:
    "Signs the page URL (without its fragment) with the appid's cached jsapi_ticket, a fresh nonce and the current time. Pass `nonceStr: data.noncestr` and the other fields to wx.config. The ticket is refetched whenever the access_token it came with is replaced.",
  request: { params: AppKeyParams, query: JsConfigQuery },
  responses: {
    200: jsonContent(okEnvelope(JsConfigSchema), "What wx.config needs"),
    ...errorResponses(400, 401, 403, 404, 429, 502, 503),
  },
});

export const jssdkRoutes = newRouter();
jssdkRoutes.use("/Wechat/:appKey/JSConfig", ...gatewayGuards("officialaccount"));

jssdkRoutes.openapi(jsConfig, async (c) => {
  const { url, jsApiList } = c.req.valid("query");
  const ticket = orThrow(await currentTicket(c.env, c.var.app.appId)).credential;
  const noncestr = newNonce();
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = await jsSdkSignature({ ticket: ticket.value, noncestr, timestamp, url });
  return ok(c, {
    noncestr,
    timestamp,
    signature,
    appKey: c.var.appKey,
    appId: c.var.app.appId,
    jsApiList: jsApiList ? jsApiList.split(",") : [],
  });
});

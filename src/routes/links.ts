// Ways into the mini program from outside: URL Links, URL Schemes and mini-program codes (images).

import { createRoute, z } from "@hono/zod-openapi";
import { AppKeyParams } from "../registry/schemas.ts";
import {
  EnvVersionSchema,
  LINK_MAX_EXPIRE_DAYS,
  LineColorSchema,
  LinkQuerySchema,
  PagePathSchema,
  WidthSchema,
  WXACODE_PATH_MAX_BYTES,
  WXACODE_SCENE_MAX_CHARS,
  WXACODE_SCENE_PATTERN,
} from "../wechat/fields.ts";
import { acceptedBodyText, callWeChatAsApp, gatewayGuards, imageResponse, pickString } from "./api-v1.ts";
import { errorResponses, jsonBody, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

const tags = ["Links and codes"];
const security = [{ ApiKey: [] }];
const wechatErrors = errorResponses(400, 401, 403, 404, 413, 429, 502, 503);

/** Expiry fields shared by URL Links and URL Schemes. */
const expiry = {
  expire_type: z
    .union([z.literal(0), z.literal(1)], "must be 0 (expire_time) or 1 (expire_interval)")
    .optional(),
  expire_time: z
    .number()
    .int()
    .positive()
    .optional()
    .openapi({ description: "unix seconds, at most 30 days ahead" }),
  expire_interval: z
    .number()
    .int()
    .min(1, `must be 1–${LINK_MAX_EXPIRE_DAYS} days`)
    .max(LINK_MAX_EXPIRE_DAYS, `must be 1–${LINK_MAX_EXPIRE_DAYS} days`)
    .optional(),
};

function requireIntervalForTypeOne(
  body: { expire_type?: 0 | 1 | undefined; expire_interval?: number | undefined },
  ctx: z.RefinementCtx,
) {
  if (body.expire_type === 1 && body.expire_interval === undefined) {
    ctx.addIssue({ code: "custom", path: ["expire_interval"], message: "is required when expire_type is 1" });
  }
}

const UrlLinkSchema = z
  .looseObject({
    path: z.union([z.literal(""), PagePathSchema]).optional(),
    query: LinkQuerySchema.optional(),
    env_version: EnvVersionSchema.optional(),
    ...expiry,
  })
  .superRefine(requireIntervalForTypeOne)
  .openapi("UrlLinkGenerate", { description: "WeChat's generate_urllink body; other fields pass through." });

const urlLinkGenerate = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/UrlLinkGenerate",
  tags,
  security,
  summary: "Generate a URL Link (https://wxaurl.cn/…)",
  description:
    "POST /wxa/generate_urllink; `data` is the url_link. 40165 (path not a published page), 40212 (query), 85401 (expiry) and 85079 (no published release) come back with WeChat's errcode.",
  request: { params: AppKeyParams, body: jsonBody(UrlLinkSchema) },
  responses: {
    200: jsonContent(
      okEnvelope(z.string().openapi({ example: "https://wxaurl.cn/BQZRrcFCPvg" })),
      "The url_link",
    ),
    ...wechatErrors,
  },
});

const SchemeSchema = z
  .looseObject({
    jump_wxa: z
      .looseObject({
        path: z.union([z.literal(""), PagePathSchema]).optional(),
        query: LinkQuerySchema.optional(),
        env_version: EnvVersionSchema.optional(),
      })
      .optional(),
    ...expiry,
  })
  .superRefine((body, ctx) => {
    requireIntervalForTypeOne(body, ctx);
    // WeChat answers 47001 "data format error" for this common mistake; say what is wrong instead.
    if ("env_version" in body) {
      ctx.addIssue({ code: "custom", path: ["env_version"], message: "belongs inside jump_wxa" });
    }
  })
  .openapi("GenerateScheme", { description: "WeChat's generatescheme body; other fields pass through." });

const generateScheme = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/GenerateScheme",
  tags,
  security,
  summary: "Generate a URL Scheme (weixin://dl/business/?t=…)",
  description: "POST /wxa/generatescheme; `data` is the openlink.",
  request: { params: AppKeyParams, body: jsonBody(SchemeSchema) },
  responses: {
    200: jsonContent(
      okEnvelope(z.string().openapi({ example: "weixin://dl/business/?t=8sg7zkhUnKg" })),
      "The openlink",
    ),
    ...wechatErrors,
  },
});

/** Appearance fields shared by both code APIs. */
const appearance = {
  env_version: EnvVersionSchema.optional(),
  width: WidthSchema.optional(),
  auto_color: z.boolean().optional(),
  line_color: LineColorSchema.optional(),
  is_hyaline: z.boolean().optional().openapi({ description: "transparent background (a PNG)" }),
};

const UnlimitedCodeSchema = z
  .looseObject({
    scene: z
      .string()
      .min(1, "is required")
      .max(WXACODE_SCENE_MAX_CHARS, `must be at most ${WXACODE_SCENE_MAX_CHARS} characters`)
      .regex(WXACODE_SCENE_PATTERN, "may contain only letters, digits and !#$&'()*+,/:;=?@-._~")
      .openapi({ example: "order=42" }),
    page: PagePathSchema.optional(),
    check_path: z.boolean().optional(),
    ...appearance,
  })
  .openapi("WXACodeGetUnlimited");

const CodeSchema = z
  .looseObject({
    path: z
      .string()
      .min(1, "is required")
      .refine(
        (v) => new TextEncoder().encode(v).byteLength <= WXACODE_PATH_MAX_BYTES,
        `must be at most ${WXACODE_PATH_MAX_BYTES} bytes`,
      )
      .openapi({ example: "pages/order/detail?id=42" }),
    ...appearance,
  })
  .openapi("WXACodeGet");

const imageContent = {
  description: "The image as WeChat sent it (image/jpeg, or image/png when is_hyaline), streamed",
  content: {
    "image/jpeg": { schema: z.string().openapi({ format: "binary" }) },
    "image/png": { schema: z.string().openapi({ format: "binary" }) },
  },
};

const wxaCodeGetUnlimited = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/WXACodeGetUnlimited",
  tags,
  security,
  summary: "A mini-program code for a scene (unlimited count)",
  description:
    "POST /wxa/getwxacodeunlimit. Answers the image itself with WeChat's Content-Type; errors are the JSON envelope (41030 page, 40129/40169 scene, 45009 the 5000-a-minute limit → 429).",
  request: { params: AppKeyParams, body: jsonBody(UnlimitedCodeSchema) },
  responses: { 200: imageContent, ...wechatErrors },
});

const wxaCodeGet = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/WXACodeGet",
  tags,
  security,
  summary: "A mini-program code for a path (100,000 in total)",
  description:
    "POST /wxa/getwxacode. Answers the image itself; errors are the JSON envelope (45009 daily cap → 429, 45029 lifetime cap → 502).",
  request: { params: AppKeyParams, body: jsonBody(CodeSchema) },
  responses: { 200: imageContent, ...wechatErrors },
});

export const linkRoutes = newRouter();
for (const path of ["UrlLinkGenerate", "GenerateScheme", "WXACodeGetUnlimited", "WXACodeGet"]) {
  linkRoutes.use(`/Wechat/:appKey/${path}`, ...gatewayGuards("miniprogram"));
}

linkRoutes.openapi(urlLinkGenerate, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/wxa/generate_urllink",
    jsonText,
    expect: "json",
  });
  return ok(c, pickString(answer, "url_link"));
});

linkRoutes.openapi(generateScheme, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/wxa/generatescheme",
    jsonText,
    expect: "json",
  });
  return ok(c, pickString(answer, "openlink"));
});

linkRoutes.openapi(wxaCodeGetUnlimited, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/wxa/getwxacodeunlimit",
    jsonText,
    expect: "image",
    quotaIsPerMinute: true,
  });
  return imageResponse(answer);
});

linkRoutes.openapi(wxaCodeGet, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/wxa/getwxacode",
    jsonText,
    expect: "image",
  });
  return imageResponse(answer);
});

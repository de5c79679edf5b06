// Messages to users and checks of what users write: subscribe messages (mini program and
// official account) and text content security.

import { createRoute, z } from "@hono/zod-openapi";
import { AppKeyParams } from "../registry/schemas.ts";
import {
  charCount,
  MSG_SEC_CHECK_MAX_CHARS,
  ONE_TIME_CONTENT_MAX_CHARS,
  ONE_TIME_TITLE_MAX_CHARS,
  TemplateDataSchema,
  WeChatIdSchema,
} from "../wechat/fields.ts";
import {
  acceptedBodyText,
  callWeChatAsApp,
  gatewayGuards,
  WeChatResultSchema,
  wechatJsonEnvelope,
} from "./api-v1.ts";
import { errorResponses, jsonBody, jsonContent, newRouter, okEnvelope } from "./envelope.ts";

const tags = ["Messages"];
const security = [{ ApiKey: [] }];
const wechatErrors = errorResponses(400, 401, 403, 404, 413, 429, 502, 503);

const SubscribeSendSchema = z
  .looseObject({
    touser: WeChatIdSchema.openapi({ description: "The recipient's openid" }),
    template_id: WeChatIdSchema,
    data: TemplateDataSchema,
    page: z.string().max(1024).optional(),
    miniprogram_state: z.enum(["developer", "trial", "formal"]).optional(),
    lang: z.string().max(16).optional(),
  })
  .openapi("SubscribeSend", {
    description: "WeChat's subscribeMessage.send body; fields not listed are passed through unchanged.",
  });

const subscribeSend = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/SubscribeSend",
  tags,
  security,
  summary: "Send a mini-program subscribe message",
  description:
    "POST /cgi-bin/message/subscribe/send. `data` is WeChat's answer (with msgid, every digit kept). 43101 (the user has not accepted, or has no authorization left), 47003 (a value breaks its placeholder's rules), 40037 (template_id) and 41030 (page) come back as 400 with WeChat's errcode/errmsg.",
  request: { params: AppKeyParams, body: jsonBody(SubscribeSendSchema) },
  responses: { 200: jsonContent(okEnvelope(WeChatResultSchema), "WeChat's result"), ...wechatErrors },
});

const OneTimeSubscribeSchema = z
  .looseObject({
    touser: WeChatIdSchema.openapi({ description: "The recipient's openid" }),
    template_id: WeChatIdSchema,
    scene: z.union([z.string().min(1).max(64), z.number().int()]).openapi({
      description: "The scene value the user authorized the message under",
    }),
    title: z
      .string()
      .min(1, "is required")
      .refine(
        (v) => charCount(v) <= ONE_TIME_TITLE_MAX_CHARS,
        `must be at most ${ONE_TIME_TITLE_MAX_CHARS} characters`,
      ),
    data: z.looseObject({
      content: z.looseObject({
        value: z
          .string()
          .refine(
            (v) => charCount(v) <= ONE_TIME_CONTENT_MAX_CHARS,
            `must be at most ${ONE_TIME_CONTENT_MAX_CHARS} characters`,
          ),
      }),
    }),
    url: z.string().max(1024).optional(),
    miniprogram: z
      .looseObject({ appid: WeChatIdSchema, pagepath: z.string().min(1, "is required") })
      .optional(),
  })
  .openapi("OneTimeSubscribe", {
    description: "WeChat's template/subscribe body; fields not listed are passed through unchanged.",
  });

const subscribeMsg = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/SubscribeMSG",
  tags,
  security,
  summary: "Send an official-account one-time subscribe message",
  description:
    "POST /cgi-bin/message/template/subscribe. Each authorization (per user and scene) allows one message; without one WeChat answers 43101 (400 here).",
  request: { params: AppKeyParams, body: jsonBody(OneTimeSubscribeSchema) },
  responses: { 200: jsonContent(okEnvelope(WeChatResultSchema), "WeChat's result"), ...wechatErrors },
});

const MsgSecCheckSchema = z
  .looseObject({
    content: z
      .string()
      .min(1, "is required")
      .refine(
        (v) => charCount(v) <= MSG_SEC_CHECK_MAX_CHARS,
        `must be at most ${MSG_SEC_CHECK_MAX_CHARS} characters`,
      ),
    version: z.literal(2, "must be 2 (the v1 API is no longer updated)"),
    scene: z
      .number()
      .int()
      .min(1, "must be 1 (profile), 2 (comment), 3 (forum) or 4 (social log)")
      .max(4, "must be 1 (profile), 2 (comment), 3 (forum) or 4 (social log)"),
    openid: WeChatIdSchema.openapi({
      description: "The author; must have used the mini program in the last 2 hours",
    }),
    title: z.string().optional(),
    nickname: z.string().optional(),
    signature: z.string().optional(),
  })
  .openapi("MsgSecCheck");

const msgSecCheck = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/MsgSecCheck",
  tags,
  security,
  summary: "Check text for risky content (msg_sec_check v2)",
  description:
    "POST /wxa/msg_sec_check. `data` is WeChat's JSON as it is: a risky text still has errcode 0, so decide on `data.result.suggest` (pass, review or risky).",
  request: { params: AppKeyParams, body: jsonBody(MsgSecCheckSchema) },
  responses: { 200: jsonContent(okEnvelope(WeChatResultSchema), "WeChat's verdict"), ...wechatErrors },
});

export const messageRoutes = newRouter();
messageRoutes.use("/Wechat/:appKey/SubscribeSend", ...gatewayGuards("miniprogram"));
messageRoutes.use("/Wechat/:appKey/SubscribeMSG", ...gatewayGuards("officialaccount"));
messageRoutes.use("/Wechat/:appKey/MsgSecCheck", ...gatewayGuards("miniprogram"));

messageRoutes.openapi(subscribeSend, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/cgi-bin/message/subscribe/send",
    jsonText,
    expect: "json",
  });
  return wechatJsonEnvelope(answer);
});

messageRoutes.openapi(subscribeMsg, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/cgi-bin/message/template/subscribe",
    jsonText,
    expect: "json",
  });
  return wechatJsonEnvelope(answer);
});

messageRoutes.openapi(msgSecCheck, async (c) => {
  const jsonText = await acceptedBodyText(c);
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/wxa/msg_sec_check",
    jsonText,
    expect: "json",
  });
  return wechatJsonEnvelope(answer);
});

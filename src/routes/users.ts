// Who the user is: mini-program login (JSCode2Session), decrypting what the mini program hands
// over (Decrypt), and an official-account follower's unionid (UserInfo).

import { createRoute, z } from "@hono/zod-openapi";
import { AppKeyParams } from "../admin/schemas.ts";
import { GatewayError } from "../errors.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { isSessionToken, LOGIN_SESSION_TTL_SECONDS } from "../tokens/sessions.ts";
import { decryptUserData, MAX_ENCRYPTED_DATA_CHARS } from "../wechat/decrypt.ts";
import { OpenIdSchema } from "../wechat/fields.ts";
import { errorResponses, jsonContent, newRouter, okEnvelope } from "./envelope.ts";
import { clientAddress, limitCaller } from "./rate-limit.ts";
import {
  callWeChat,
  envelopeAround,
  gatewayGuards,
  limitBody,
  pickString,
  requireAppType,
  requireKnownApp,
} from "./wechat.ts";

const tags = ["Users"];
const security = [{ ApiKey: [] }];

const LoginQuery = z.object({
  js_code: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, "must be the code from wx.login")
    .openapi({ description: "The code from wx.login (valid 5 minutes, single use)." }),
});

const jsCode2Session = createRoute({
  method: "get",
  path: "/Wechat/{appKey}/JSCode2Session",
  tags,
  summary: "Mini-program login: exchange a wx.login code for a session token",
  description: `Public: the code is the credential. Calls /sns/jscode2session and answers an opaque session token (\`wgs_…\`, valid ${LOGIN_SESSION_TTL_SECONDS / 3600} h) that the mini program sends as Bearer to the QR-Auth user endpoints and may pass to Decrypt as sessionKey. WeChat's session_key never leaves the gateway. A bad or expired code is 400 with errcode 40029, a reused one 40163.`,
  request: { params: AppKeyParams, query: LoginQuery },
  responses: {
    200: jsonContent(okEnvelope(z.string().openapi({ example: "wgs_…" })), "The session token"),
    ...errorResponses(400, 404, 429, 502, 503),
  },
});

const DecryptQuery = z.object({
  encryptedData: z.string().min(1, "is required").max(MAX_ENCRYPTED_DATA_CHARS),
  iv: z.string().min(1, "is required").max(64),
  sessionKey: z.string().min(1, "is required").max(128).openapi({
    description: "The user's session token from JSCode2Session, or a raw base64 session_key.",
  }),
});

const DecryptedSchema = z.looseObject({}).openapi({ description: "The decrypted JSON, watermark included" });

const decrypt = createRoute({
  method: "get",
  path: "/Wechat/{appKey}/Decrypt",
  tags,
  security,
  summary: "Decrypt mini-program encrypted data (AES-128-CBC)",
  description:
    "Decrypts wx.getUserInfo / getPhoneNumber style data with the session key and iv, and checks that watermark.appid is this app's appid. Bad base64, a wrong key (bad padding), or a foreign watermark is a 400 naming the field. Remember to URL-encode the base64 values (`+`, `/`, `=`).",
  request: { params: AppKeyParams, query: DecryptQuery },
  responses: {
    200: jsonContent(okEnvelope(DecryptedSchema), "Decrypted"),
    ...errorResponses(400, 401, 403, 404),
  },
});

const UserInfoQuery = z.object({
  openid: OpenIdSchema,
  lang: z.enum(["zh_CN", "zh_TW", "en"]).optional(),
});

const userInfo = createRoute({
  method: "get",
  path: "/Wechat/{appKey}/UserInfo",
  tags,
  security,
  summary: "An official-account user's unionid",
  description:
    "Calls /cgi-bin/user/info and answers the unionid. 404 when WeChat returns none (the account is not bound to an Open Platform account, or the user does not follow it).",
  request: { params: AppKeyParams, query: UserInfoQuery },
  responses: {
    200: jsonContent(
      okEnvelope(z.string().openapi({ example: "o6_bmasdasdsad6_2sgVt7hMZOPfL" })),
      "The unionid",
    ),
    ...errorResponses(400, 401, 403, 404, 429, 502, 503),
  },
});

export const userRoutes = newRouter();
userRoutes.use("/Wechat/:appKey/JSCode2Session", limitBody, requireKnownApp, requireAppType("miniprogram"));
userRoutes.use("/Wechat/:appKey/Decrypt", ...gatewayGuards("miniprogram"));
userRoutes.use("/Wechat/:appKey/UserInfo", ...gatewayGuards("officialaccount"));

userRoutes.openapi(jsCode2Session, async (c) => {
  const { js_code } = c.req.valid("query");
  // Public, and each call costs an upstream call: limited per client address and appKey.
  await limitCaller(
    c.env.LOGIN_LIMITER,
    `login:${c.var.appKey}:${clientAddress(c.req.raw.headers)}`,
    "logins",
  );
  const result = await keeperFor(c.env, c.var.app.appId).signIn(c.var.appKey, js_code);
  if (!result.ok) throw GatewayError.from(result);
  return c.json({ code: 200 as const, data: result.sessionToken, error: "" as const }, 200);
});

userRoutes.openapi(decrypt, async (c) => {
  const query = c.req.valid("query");
  let sessionKey = query.sessionKey;
  if (isSessionToken(sessionKey)) {
    const found = await keeperFor(c.env, c.var.app.appId).loginSession(sessionKey);
    if (!found.ok) throw new GatewayError(400, "sessionKey: the session is unknown or has expired");
    sessionKey = found.session.sessionKey;
  }
  const result = await decryptUserData({ ...query, sessionKey, appId: c.var.app.appId });
  if (!result.ok) throw new GatewayError(400, `${result.field}: ${result.reason}`);
  return envelopeAround(result.text);
});

userRoutes.openapi(userInfo, async (c) => {
  const { openid, lang } = c.req.valid("query");
  const answer = await callWeChat(c, {
    method: "GET",
    path: "/cgi-bin/user/info",
    query: { openid, ...(lang ? { lang } : {}) },
    expect: "json",
  });
  if (answer.kind === "json" && typeof answer.body.unionid !== "string") {
    throw new GatewayError(
      404,
      "WeChat has no unionid for this openid (the account is not bound to an Open Platform account, or the user does not follow it)",
    );
  }
  return c.json({ code: 200 as const, data: pickString(answer, "unionid"), error: "" as const }, 200);
});

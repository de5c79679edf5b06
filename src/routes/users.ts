// Who the user is: mini-program login (JSCode2Session), decrypting what the mini program hands
// over (Decrypt), the phone number a user agreed to share (PhoneNumber), and an official-account
// follower's unionid (UserInfo).

import { createRoute, z } from "@hono/zod-openapi";
import { isSessionToken, LOGIN_SESSION_TTL_SECONDS } from "../logins/sessions.ts";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { AppKeyParams } from "../registry/schemas.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { decryptUserData, MAX_ENCRYPTED_DATA_CHARS } from "../wechat/decrypt.ts";
import { OpenIdSchema } from "../wechat/fields.ts";
import {
  callWeChatAsApp,
  envelopeAround,
  gatewayGuards,
  pickString,
  requireAppType,
  requireKnownApp,
} from "./api-v1.ts";
import { errorResponses, jsonBody, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";
import { clientAddress, limitCaller } from "./rate-limit.ts";

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

/** WeChat's one errcode for a phone code that is unknown, used or past its 5 minutes. */
const ERRCODE_INVALID_CODE = 40029;

/** WeChat's codes are short visible ASCII (64 hex digits today); this only bounds what is forwarded. */
const PHONE_CODE_PATTERN = /^[\x21-\x7e]{1,256}$/;

const PhoneNumberBody = z
  .object({
    code: z
      .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
      .min(1, "is required")
      .regex(PHONE_CODE_PATTERN, "must be the code from getPhoneNumber")
      .openapi({
        description:
          "`event.detail.code` from the mini program's getPhoneNumber button (single use, valid 5 minutes).",
        example: "e31968a7f94cc5ee25fafc2aef2773f0bb8c3937b22520eb8ee345274d00c144",
      }),
    openid: OpenIdSchema.optional().openapi({
      description: "Binds the code to this user: WeChat refuses another user's code.",
    }),
  })
  .openapi("PhoneNumber");

const PhoneInfoSchema = z
  .looseObject({
    phoneNumber: z.string().openapi({ description: "With the country code outside mainland China" }),
    purePhoneNumber: z.string(),
    countryCode: z.union([z.string(), z.number()]).openapi({
      description: 'Documented as a number; WeChat sends a string ("86")',
    }),
    watermark: z.looseObject({ timestamp: z.number().int(), appid: z.string() }),
  })
  .openapi("PhoneInfo", {
    description: "WeChat's phone_info as it sent it",
    example: {
      phoneNumber: "13800138000",
      purePhoneNumber: "13800138000",
      countryCode: "86",
      watermark: { timestamp: 1795241289, appid: "wx4f4bc4dec97d474b" },
    },
  });

/** The shared explanation of 40029 speaks of login codes; a refused phone code gets its own. */
function explainRefusedPhoneCode(error: unknown): never {
  if (error instanceof GatewayError && error.errcode === ERRCODE_INVALID_CODE) {
    throw new GatewayError(
      400,
      "WeChat refused the request: the phone code is invalid, already used or expired (codes are single use and live 5 minutes)",
      { errcode: error.errcode, errmsg: error.errmsg },
    );
  }
  throw error;
}

const phoneNumber = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/PhoneNumber",
  tags,
  security,
  summary: "A user's phone number, for the code from getPhoneNumber",
  description: `Calls /wxa/business/getuserphonenumber with \`code\` (and \`openid\` when given; other fields are not sent) and answers WeChat's \`phone_info\`. A code that is unknown, already used or older than 5 minutes is a 400 with WeChat's errcode 40029; WeChat's per-minute limit (45011) a 429.`,
  request: { params: AppKeyParams, body: jsonBody(PhoneNumberBody) },
  responses: {
    200: jsonContent(okEnvelope(PhoneInfoSchema), "The user's phone_info"),
    ...errorResponses(400, 401, 403, 404, 413, 429, 502, 503),
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
userRoutes.use("/Wechat/:appKey/JSCode2Session", requireKnownApp, requireAppType("miniprogram"));
userRoutes.use("/Wechat/:appKey/Decrypt", ...gatewayGuards("miniprogram"));
userRoutes.use("/Wechat/:appKey/PhoneNumber", ...gatewayGuards("miniprogram"));
userRoutes.use("/Wechat/:appKey/UserInfo", ...gatewayGuards("officialaccount"));

userRoutes.openapi(jsCode2Session, async (c) => {
  const { js_code } = c.req.valid("query");
  // Public, and each call costs an upstream call: limited per client address and appKey.
  await limitCaller(
    c.env.LOGIN_LIMITER,
    `login:${c.var.appKey}:${clientAddress(c.req.raw.headers)}`,
    "logins",
  );
  const { sessionToken } = orThrow(await keeperFor(c.env, c.var.app.appId).signIn(c.var.appKey, js_code));
  return ok(c, sessionToken);
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

userRoutes.openapi(phoneNumber, async (c) => {
  const { code, openid } = c.req.valid("json");
  const answer = await callWeChatAsApp(c, {
    method: "POST",
    path: "/wxa/business/getuserphonenumber",
    jsonText: JSON.stringify(openid === undefined ? { code } : { code, openid }),
    expect: "json",
  }).catch(explainRefusedPhoneCode);
  const phoneInfo = answer.kind === "json" ? answer.body.phone_info : undefined;
  if (typeof phoneInfo !== "object" || phoneInfo === null || Array.isArray(phoneInfo)) {
    throw new GatewayError(502, "WeChat's answer did not contain phone_info");
  }
  return envelopeAround(JSON.stringify(phoneInfo));
});

userRoutes.openapi(userInfo, async (c) => {
  const { openid, lang } = c.req.valid("query");
  const answer = await callWeChatAsApp(c, {
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
  return ok(c, pickString(answer, "unionid"));
});

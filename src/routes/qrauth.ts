// QR-Auth: the web backend (API key) opens a sign-in session and shows its code; the
// mini-program user (session token from JSCode2Session) scans, then confirms or registers; the web
// backend picks the token up once. Every transition is decided by the session's QrSession object.

import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { GatewayError, orThrow } from "../platform/errors.ts";
import {
  CODES_NOT_CONFIGURED,
  codeWebhookConfigured,
  deliverCode,
  newVerificationCode,
} from "../qrauth/code-delivery.ts";
import {
  CodeSentSchema,
  ConfirmRegisterSchema,
  InitiateSchema,
  JwksSchema,
  QrStatusSchema,
  ScanResultSchema,
  SendCodeSchema,
  SignInKeyBody,
  SignInKeyQuery,
  TokenModelSchema,
} from "../qrauth/schemas.ts";
import type { QrUser, TokenModel } from "../qrauth/session.ts";
import { issueAccessToken, signingKeysFor } from "../qrauth/signing.ts";
import { CODE_TTL_SECONDS, type PresentedCode } from "../qrauth/users.ts";
import {
  forgetPolledStatus,
  openSession,
  qrSettings,
  sessionCodeCall,
  sessionOf,
  sessionStatus,
  usersOf,
} from "../qrauth/web-side.ts";
import { AppKeyParams } from "../registry/schemas.ts";
import { callWeChatAsApp, imageResponse, requireAppType } from "./api-v1.ts";
import { requireApiKey, requireUserSession } from "./auth.ts";
import {
  errorResponses,
  type GatewayEnv,
  jsonBody,
  jsonContent,
  newRouter,
  ok,
  okEnvelope,
} from "./envelope.ts";
import { limitCaller } from "./rate-limit.ts";

const tags = ["QR-Auth"];
const server = [{ ApiKey: [] }];
const user = [{ UserSession: [] }];
const base = "/Wechat/{appKey}/QR-Auth";

function qrUser(c: Context<GatewayEnv>): QrUser {
  const { openid, subject } = c.var.user;
  return { openid, subject };
}

/** Signs the token for `subject` with the app's scopes and lifetime. */
async function tokenFor(c: Context<GatewayEnv>, subject: string, scopes: string): Promise<TokenModel> {
  const keys = await signingKeysFor(c.env);
  return issueAccessToken(keys, {
    issuer: new URL(c.req.url).origin,
    subject,
    audience: c.var.appKey,
    scope: scopes.split(",").filter(Boolean).join(" "),
    ttlSeconds: qrSettings(c.var.app).tokenTtlSeconds,
  });
}

// ---- routes ----------------------------------------------------------------------------------

const initiate = createRoute({
  method: "post",
  path: `${base}/Initiate`,
  tags,
  security: server,
  summary: "Open a sign-in session (web backend)",
  description:
    "Answers the signInKey: a random positive integer up to 2^53 − 1. The session lives `qrAuth.sessionTtlSeconds` (default 300) in KV and its QrSession object. Rate-limited per API key.",
  request: { params: AppKeyParams, body: jsonBody(InitiateSchema) },
  responses: {
    200: jsonContent(okEnvelope(z.number().int().openapi({ example: 4503599627370495 })), "The signInKey"),
    ...errorResponses(400, 401, 403, 404, 429),
  },
});

const code = createRoute({
  method: "get",
  path: `${base}/Code`,
  tags,
  security: server,
  summary: "The mini-program code to show for a pending session (web backend)",
  description:
    "getwxacodeunlimit with scene = signInKey and page = `qrAuth.page` (default: the home page); the image is streamed.",
  request: { params: AppKeyParams, query: SignInKeyQuery },
  responses: {
    200: {
      description: "The image as WeChat sent it",
      content: { "image/jpeg": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errorResponses(400, 401, 403, 404, 409, 429, 502, 503),
  },
});

const scan = createRoute({
  method: "post",
  path: `${base}/Scan`,
  tags,
  security: user,
  summary: "The user scanned the code (mini program)",
  description:
    "Binds the session to the user of the session token; only that user can confirm it. Answers what to show: the app's profile and the requested scopes. Rate-limited per user.",
  request: { params: AppKeyParams, body: jsonBody(SignInKeyBody) },
  responses: {
    200: jsonContent(okEnvelope(ScanResultSchema), "What the user is asked to approve"),
    ...errorResponses(400, 401, 403, 404, 409, 429),
  },
});

const confirmLogin = createRoute({
  method: "post",
  path: `${base}/Confirm-Login`,
  tags,
  security: user,
  summary: "A registered user approves the sign-in (mini program)",
  description: "404 when the user is not registered yet: use Confirm-Register.",
  request: { params: AppKeyParams, body: jsonBody(SignInKeyBody) },
  responses: {
    200: jsonContent(okEnvelope(TokenModelSchema), "The access token (also handed to the web side once)"),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const confirmRegister = createRoute({
  method: "post",
  path: `${base}/Confirm-Register`,
  tags,
  security: user,
  summary: "A new user registers and approves the sign-in (mini program)",
  description:
    "unionID must be the session user's unionid (or openid when WeChat gave none), else 403. When the app requires it, email+emailCode and/or phone+phoneCode (sent by SendCode) are needed. A unionID registers once per app (409).",
  request: { params: AppKeyParams, body: jsonBody(ConfirmRegisterSchema) },
  responses: {
    200: jsonContent(okEnvelope(TokenModelSchema), "The access token"),
    ...errorResponses(400, 401, 403, 404, 409, 503),
  },
});

const sendCode = createRoute({
  method: "post",
  path: `${base}/SendCode`,
  tags,
  security: user,
  summary: "Send a verification code by email or SMS (mini program)",
  description: `The code (6 digits) lives ${CODE_TTL_SECONDS / 60} minutes and allows 5 tries; a new one can be sent every 60 s. It is delivered by the operator's webhook (CODE_WEBHOOK_URL); 503 when none is configured.`,
  request: { params: AppKeyParams, body: jsonBody(SendCodeSchema) },
  responses: {
    200: jsonContent(okEnvelope(CodeSentSchema), "Sent"),
    ...errorResponses(400, 401, 403, 404, 429, 502, 503),
  },
});

const status = createRoute({
  method: "get",
  path: `${base}/Status`,
  tags,
  security: server,
  summary: "Poll a session (web backend)",
  description:
    "pending → scanned → confirmed → consumed, or expired. While `scanned`, `scanner` tells who scanned (their registered nickName and avatar, or `registered: false`). The answer that sees `confirmed` carries the token; it is handed out once, after which the session is `consumed`.",
  request: { params: AppKeyParams, query: SignInKeyQuery },
  responses: {
    200: jsonContent(okEnvelope(QrStatusSchema), "The session's status"),
    ...errorResponses(400, 401, 403, 404),
  },
});

const jwks = createRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  tags,
  summary: "Public keys that verify QR-Auth access tokens",
  responses: { 200: jsonContent(JwksSchema, "JSON Web Key Set") },
});

export const qrAuthRoutes = newRouter();
const serverGuards = [requireApiKey((c) => c.req.param("appKey") ?? null), requireAppType("miniprogram")];
const userGuards = [requireUserSession];
for (const path of ["Initiate", "Code", "Status"])
  qrAuthRoutes.use(`/Wechat/:appKey/QR-Auth/${path}`, ...serverGuards);
for (const path of ["Scan", "Confirm-Login", "Confirm-Register", "SendCode"]) {
  qrAuthRoutes.use(`/Wechat/:appKey/QR-Auth/${path}`, ...userGuards);
}

qrAuthRoutes.openapi(initiate, async (c) => {
  const input = c.req.valid("json");
  await limitCaller(c.env.QR_INITIATE_LIMITER, `initiate:${c.var.apiKeyId}`, "sign-in sessions");
  return ok(c, await openSession(c.env, c.var.app, input));
});

qrAuthRoutes.openapi(code, async (c) => {
  const { signInKey } = c.req.valid("query");
  return imageResponse(await callWeChatAsApp(c, await sessionCodeCall(c.env, c.var.app, signInKey)));
});

qrAuthRoutes.openapi(scan, async (c) => {
  const { signInKey } = c.req.valid("json");
  await limitCaller(c.env.QR_SCAN_LIMITER, `scan:${c.var.appKey}:${c.var.user.openid}`, "scans");
  const { session } = orThrow(await sessionOf(c.env, signInKey).scan(c.var.appKey, qrUser(c)));
  forgetPolledStatus(c.var.appKey, signInKey);
  const profile = c.var.app.profile;
  return ok(c, {
    appID: profile.appID ?? null,
    name: profile.name ?? "",
    logo: profile.logo ?? "",
    website: profile.website ?? "",
    description: profile.description ?? "",
    tags: profile.tags ?? "",
    scopes: session.scopes,
    remark: session.remark,
    scheme: session.scheme,
  });
});

qrAuthRoutes.openapi(confirmLogin, async (c) => {
  const { signInKey } = c.req.valid("json");
  const session = sessionOf(c.env, signInKey);
  const { session: view } = orThrow(await session.mayConfirm(c.var.appKey, qrUser(c)));
  const registered = await usersOf(c.env, c.var.appKey).logIn(c.var.user.subject);
  if (!registered) {
    throw new GatewayError(
      404,
      `this WeChat user is not registered for ${c.var.appKey}: use Confirm-Register`,
    );
  }
  const token = await tokenFor(c, registered.id, view.scopes);
  orThrow(await session.confirm(c.var.appKey, qrUser(c), token));
  forgetPolledStatus(c.var.appKey, signInKey);
  return ok(c, token);
});

qrAuthRoutes.openapi(confirmRegister, async (c) => {
  const body = c.req.valid("json");
  if (body.unionID !== c.var.user.subject) {
    throw new GatewayError(403, "unionID: is not the unionid (or openid) of the signed-in WeChat user");
  }
  const settings = qrSettings(c.var.app);
  const codes: PresentedCode[] = [];
  if (settings.requireEmailCode) codes.push(requiredCode("email", body.email, body.emailCode));
  if (settings.requirePhoneCode) codes.push(requiredCode("phone", body.phone, body.phoneCode));
  const session = sessionOf(c.env, body.signInKey);
  const { session: view } = orThrow(await session.mayConfirm(c.var.appKey, qrUser(c)));
  const { user: registered } = orThrow(
    await usersOf(c.env, c.var.appKey).register(
      {
        unionID: body.unionID,
        nickName: body.nickName,
        avatar: body.avatar,
        dataJson: body.data === undefined ? undefined : JSON.stringify(body.data),
        email: body.email,
        phone: body.phone,
      },
      codes,
    ),
  );
  const token = await tokenFor(c, registered.id, view.scopes);
  orThrow(await session.confirm(c.var.appKey, qrUser(c), token));
  forgetPolledStatus(c.var.appKey, body.signInKey);
  return ok(c, token);
});

function requiredCode(
  channel: "email" | "phone",
  target: string | undefined,
  code: string | undefined,
): PresentedCode {
  const codeField = channel === "email" ? "emailCode" : "phoneCode";
  if (!target) throw new GatewayError(400, `${channel}: is required by this app`);
  if (!code) throw new GatewayError(400, `${codeField}: is required by this app (send one with SendCode)`);
  return { channel, target, code };
}

qrAuthRoutes.openapi(sendCode, async (c) => {
  const { channel, target } = c.req.valid("json");
  // Checked before a code is stored, so an unconfigured gateway does not start the resend cooldown.
  if (!codeWebhookConfigured(c.env)) throw new GatewayError(503, CODES_NOT_CONFIGURED);
  const users = usersOf(c.env, c.var.appKey);
  const subject = c.var.user.subject;
  const code = newVerificationCode();
  const stored = orThrow(await users.storeCode(subject, channel, target, code));
  const delivered = await deliverCode(c.env, {
    appKey: c.var.appKey,
    channel,
    target,
    code,
    expiresAt: stored.expiresAt,
    ttlSeconds: CODE_TTL_SECONDS,
  });
  if (!delivered.ok) {
    await users.dropCode(subject, channel);
    throw GatewayError.from(delivered);
  }
  return ok(c, { channel, target, expires_in: CODE_TTL_SECONDS });
});

qrAuthRoutes.openapi(status, async (c) => {
  const { signInKey } = c.req.valid("query");
  return ok(c, await sessionStatus(c.env, c.var.appKey, signInKey));
});

qrAuthRoutes.openapi(jwks, async (c) => {
  const keys = await signingKeysFor(c.env);
  c.header("Cache-Control", "public, max-age=300");
  return c.json({ keys: keys.published }, 200);
});

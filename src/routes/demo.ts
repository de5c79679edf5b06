// The QR-login demo (/demo/qr-login/{appKey}, only when DEMO_PAGES is "true"): one browser window
// shows the web side of QR-Auth and, when the WeChat simulator stands in for WeChat, a
// simulated phone. The routes below play the web app's own backend, so the page never holds an API
// key: they call the same functions as Initiate, Code and Status (qrauth/web-side.ts). The phone
// uses the real public API (JSCode2Session, Scan, Confirm-*); only wx.login and the user's mailbox
// come from the simulator's control API. Plain Hono routes: a demo, not API, so not in /openapi.json.
//
// The demo opens sessions without an API key, so its code and status routes must not be a keyless
// Status for any signInKey (the signInKey is in the QR code for anyone to read). Opening a session
// hands the page a handle, an HMAC of the appKey and signInKey, that those routes require: sessions
// opened through Initiate never got one, and nobody can compute one without the deployment's key.

import { z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { html } from "hono/html";
import { renderPage } from "../pages/layout.ts";
import { base64Url, constantTimeEqual } from "../platform/crypto.ts";
import { GatewayError } from "../platform/errors.ts";
import { readSettings } from "../platform/settings.ts";
import { InitiateSchema, SignInKeySchema } from "../qrauth/schemas.ts";
import { type SigningKeySet, signingKeysFor } from "../qrauth/signing.ts";
import { openSession, qrSettings, sessionCodeCall, sessionStatus } from "../qrauth/web-side.ts";
import { withDeadline } from "../wechat/deadline.ts";
import { callWeChatAsApp, imageResponse, requireAppType, requireKnownApp } from "./api-v1.ts";
import { bearerToken } from "./auth.ts";
import { describeValidationError, type GatewayEnv, ok } from "./envelope.ts";
import { clientAddress, limitCaller } from "./rate-limit.ts";

/** What the demo's web app asks the user for, unless the page's request says otherwise. */
const DEMO_INITIATE = { scopes: "profile", remark: "Sign in to the QR-login demo", scheme: "https" };

/** Initiate's rules, with the demo's values for whatever the page leaves out. */
const DemoInitiateSchema = z.preprocess(
  (body) => ({ ...DEMO_INITIATE, ...(body as object) }),
  InitiateSchema,
);

/** Who the simulated phone logs in as: the demo user (the default) or a brand-new WeChat user. */
const WhoScansSchema = z.object({
  user: z.enum(["demo", "new"], { error: "must be demo or new" }).default("demo"),
});

/**
 * The simulated user "the demo user" is: `npm run dev` seeds this openid (with a unionid) on the
 * simulator; elsewhere the simulator creates them on first use, and they stay the same afterwards.
 */
const DEMO_OPENID = "oDemoUser0000000000000000001";

/** The simulator answers its health check at once; WeChat has none, so give up quickly. */
const SIMULATOR_PROBE_TIMEOUT_MS = 1_500;
const SIMULATOR_CALL_TIMEOUT_MS = 5_000;

/**
 * HKDF's info for the handle key. The key is derived from the QR signing key because that is the
 * one high-entropy secret every deployment already has (ADMIN_TOKEN may be a guessable phrase, and
 * handles would let anyone test guesses offline); the label keeps the derived key separate from
 * every other use, and HKDF reveals nothing about the signing key.
 */
const HANDLE_KEY_INFO = "wechat-edge-gateway: QR-login demo session handle v1";

export const demoRoutes = new Hono<GatewayEnv>();

/** Off unless DEMO_PAGES is "true": then the demo answers exactly like a path that does not exist. */
const demoPagesOn: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (c.env.DEMO_PAGES !== "true") {
    throw new GatewayError(404, `no route for ${c.req.method} ${c.req.path}`);
  }
  await next();
};

const base = "/demo/qr-login/:appKey";
demoRoutes.use(`${base}/*`, demoPagesOn, requireKnownApp, requireAppType("miniprogram"));

demoRoutes.get(base, (c) => {
  const app = c.var.app;
  const name = app.profile.name || app.appKey;
  return renderPage(c, {
    title: `QR-login demo · ${name}`,
    scripts: ["/assets/qr-login.js"],
    data: { appkey: app.appKey, appname: name },
    body: html`<header class="bar"><strong>WeChat edge gateway</strong> <span class="muted">QR-login demo</span> <nav><a href="/docs">API reference</a> <a href="/openapi.json">openapi.json</a></nav></header>
<main class="page qr-demo">
<h1>Sign in with WeChat: <span id="app-name">${name}</span></h1>
<p class="muted">The left column is a web page signing in with QR-Auth; a small backend on this gateway plays the web app's server (it opens the session, fetches the code and polls the status, as your server would with its API key). The right column plays the phone: the ${name} mini program calling the gateway's public API as the scanning user.</p>
<div class="row">
<section class="card grow qr-column" id="web-side" data-testid="web-side">
<h2 class="qr-title">Web page <span class="badge" id="web-badge" data-testid="web-badge">idle</span></h2>
<p id="web-status" data-testid="web-status" aria-live="polite">Press Start to show a sign-in code.</p>
<div class="qr-actions"><button type="button" class="primary" id="start" data-testid="start">Start</button> <button type="button" id="restart" data-testid="restart" hidden>Start again</button></div>
<figure class="qr-code" id="code-box" hidden>
<img id="code-image" data-testid="code-image" alt="The mini-program code to scan with WeChat" width="220" height="220">
<figcaption><span class="muted">signInKey</span> <code id="sign-in-key" data-testid="sign-in-key"></code><br><span class="muted">expires in</span> <span id="countdown" data-testid="countdown"></span></figcaption>
</figure>
<div id="logged-in" data-testid="logged-in" hidden>
<p class="qr-verify"><span class="badge" id="verify-badge" data-testid="verify-badge">checking the signature…</span><br><span class="muted" id="verify-detail"></span></p>
<dl class="facts" id="claims" data-testid="claims"></dl>
<details><summary class="qr-summary">JWT header and token</summary><pre id="jwt-header" class="mono qr-jwt-header"></pre><p class="secret mono" id="jwt"></p></details>
</div>
<p class="notice error" id="web-error" data-testid="web-error" hidden></p>
</section>
<section class="card grow qr-column qr-phone" id="phone" data-testid="phone" hidden>
<h2 class="qr-title">Phone (simulated) <span class="badge" id="phone-badge" data-testid="phone-badge">idle</span></h2>
<p class="muted">The WeChat simulator plays wx.login and the user's mailbox; everything else is the mini program calling this gateway.</p>
<label for="phone-user">Who scans</label>
<select class="qr-field" id="phone-user" data-testid="phone-user"><option value="demo">the demo user</option><option value="new">a new WeChat user</option></select>
<div class="qr-actions"><button type="button" class="primary" id="scan" data-testid="scan" disabled>Scan</button> <button type="button" class="primary" id="confirm" data-testid="confirm" disabled>Confirm</button></div>
<div class="qr-consent" id="consent" data-testid="consent" hidden>
<div class="qr-app"><span class="qr-logo" id="consent-logo" aria-hidden="true"></span><div><strong id="consent-name"></strong><br><span class="muted" id="consent-description"></span></div></div>
<dl class="facts" id="consent-facts"></dl>
</div>
<div id="register-fields" hidden>
<label for="nick-name">Nickname (used if this user registers)</label>
<input class="qr-field" id="nick-name" data-testid="nick-name" value="Demo user" maxlength="64">
<div id="email-fields" hidden><label for="email">Email (this app asks for a verified one)</label><input class="qr-field" id="email" data-testid="email" value="demo@example.com" type="email"></div>
<div id="phone-fields" hidden><label for="phone-number">Phone (this app asks for a verified one)</label><input class="qr-field" id="phone-number" data-testid="phone-number" value="13800138000" inputmode="numeric"></div>
</div>
<p id="phone-status" data-testid="phone-status" aria-live="polite">Start a sign-in on the left, then scan it here.</p>
<p class="notice error" id="phone-error" data-testid="phone-error" hidden></p>
<h3 class="qr-subtitle">Calls the mini program made</h3>
<ol class="qr-log mono" id="phone-log" data-testid="phone-log"></ol>
</section>
</div>
</main>`,
  });
});

demoRoutes.post(`${base}/session`, async (c) => {
  const input = await demoBody(c, DemoInitiateSchema);
  await limitCaller(
    c.env.QR_INITIATE_LIMITER,
    `demo:${c.var.appKey}:${clientAddress(c.req.raw.headers)}`,
    "sign-in sessions",
  );
  const signInKey = await openSession(c.env, c.var.app, input);
  const handle = await sessionHandle(c.env, c.var.appKey, signInKey);
  return ok(c, { signInKey, handle, expires_in: qrSettings(c.var.app).sessionTtlSeconds });
});

demoRoutes.get(`${base}/session/:signInKey/code`, async (c) => {
  const signInKey = parseSignInKey(c.req.param("signInKey"));
  await requireOpenersHandle(c, signInKey);
  return imageResponse(await callWeChatAsApp(c, await sessionCodeCall(c.env, c.var.app, signInKey)));
});

demoRoutes.get(`${base}/session/:signInKey`, async (c) => {
  const signInKey = parseSignInKey(c.req.param("signInKey"));
  await requireOpenersHandle(c, signInKey);
  return ok(c, await sessionStatus(c.env, c.var.appKey, signInKey));
});

// ---- the simulated phone ------------------------------------------------------------------------

demoRoutes.get(`${base}/phone`, async (c) => {
  if (!(await simulatorAnswers(c.env))) return ok(c, { simulator: false });
  const { requireEmailCode, requirePhoneCode } = qrSettings(c.var.app);
  return ok(c, { simulator: true, requireEmailCode, requirePhoneCode });
});

/** A wx.login code for the demo user (`{"user": "demo"}`, the default) or a brand-new one (`"new"`). */
demoRoutes.post(`${base}/phone/wx-login`, async (c) => {
  const simulator = await requireSimulator(c.env);
  const { user: who } = await demoBody(c, WhoScansSchema);
  const answer = await simulatorCall<{ code: string; openid: string; unionid: string | null }>(
    `${simulator}/__sim/apps/${encodeURIComponent(c.var.app.appId)}/login-codes`,
    { method: "POST", body: JSON.stringify(who === "demo" ? { openid: DEMO_OPENID } : {}) },
  );
  // What WeChat's jscode2session tells the mini program's server about the user: the unionID a
  // registration must carry is the unionid, or the openid when WeChat gives none.
  return ok(c, { code: answer.code, openid: answer.openid, unionid: answer.unionid });
});

/** The newest verification code the simulator's mailbox received for `target` from this appKey. */
demoRoutes.get(`${base}/phone/codes`, async (c) => {
  const simulator = await requireSimulator(c.env);
  const { requireEmailCode, requirePhoneCode } = qrSettings(c.var.app);
  if (!requireEmailCode && !requirePhoneCode) {
    throw new GatewayError(409, `${c.var.appKey} asks for no verification codes`);
  }
  const target = c.req.query("target") ?? "";
  if (target === "" || target.length > 254) throw new GatewayError(400, "target: is required");
  const answer = await simulatorCall<{ codes: { receivedAt: number; body: unknown }[] }>(
    `${simulator}/__sim/codes?target=${encodeURIComponent(target)}`,
    { method: "GET" },
  );
  const latest = answer.codes
    .map((entry) => ({ receivedAt: entry.receivedAt, body: entry.body as Record<string, unknown> | null }))
    .filter((entry) => entry.body?.appKey === c.var.appKey && typeof entry.body.code === "string")
    .at(-1);
  if (!latest?.body) throw new GatewayError(404, `no code has been sent to ${target} yet`);
  return ok(c, {
    code: String(latest.body.code),
    channel: String(latest.body.channel),
    target,
    receivedAt: latest.receivedAt,
  });
});

// ---- helpers ------------------------------------------------------------------------------------

/** The optional JSON object body of a demo call, validated by `schema` (an empty body is `{}`). */
async function demoBody<T extends z.ZodType>(c: Context<GatewayEnv>, schema: T): Promise<z.output<T>> {
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== "") {
    try {
      body = JSON.parse(text);
    } catch {
      throw new GatewayError(400, "body: must be a JSON object");
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GatewayError(400, "body: must be a JSON object");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new GatewayError(400, describeValidationError(parsed.error));
  return parsed.data;
}

/** Per signing key set (a new QR_SIGNING_JWK makes a new set), its derived handle key. */
const handleKeys = new WeakMap<SigningKeySet, Promise<CryptoKey>>();

async function handleKey(env: Env): Promise<CryptoKey> {
  const keys = await signingKeysFor(env);
  let key = handleKeys.get(keys);
  if (!key) {
    key = deriveHandleKey(keys.signer.d);
    handleKeys.set(keys, key);
    // A failed derivation is not kept: the next request tries again.
    key.catch(() => handleKeys.delete(keys));
  }
  return key;
}

async function deriveHandleKey(signerD: string): Promise<CryptoKey> {
  const encoder = new TextEncoder();
  const material = await crypto.subtle.importKey("raw", encoder.encode(signerD), "HKDF", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(HANDLE_KEY_INFO) },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}

/** What only the page that opened `signInKey` for `appKey` holds: base64url HMAC-SHA256, 43 characters. */
async function sessionHandle(env: Env, appKey: string, signInKey: number): Promise<string> {
  // The appKey cannot contain a newline, so the message names exactly one (appKey, signInKey).
  const message = new TextEncoder().encode(`${appKey}\n${signInKey}`);
  return base64Url(await crypto.subtle.sign("HMAC", await handleKey(env), message));
}

/**
 * Refuses unless the request presents the handle the demo gave when it opened this session. Decided
 * before the session is looked up, so a refusal says nothing about whether the session exists.
 */
async function requireOpenersHandle(c: Context<GatewayEnv>, signInKey: number): Promise<void> {
  const presented = bearerToken(c.req.header("Authorization"));
  const expected = await sessionHandle(c.env, c.var.appKey, signInKey);
  if (presented === null || !(await constantTimeEqual(presented, expected))) {
    throw new GatewayError(
      401,
      "the demo answers only the page that opened this session: Authorization: Bearer <its handle> is required",
    );
  }
}

function parseSignInKey(value: string | undefined): number {
  const parsed = SignInKeySchema.safeParse(value);
  if (!parsed.success) throw new GatewayError(400, `signInKey: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** The simulator's base URL when one answers at WECHAT_API_BASE; null for WeChat itself. */
async function simulatorAnswers(env: Env): Promise<string | null> {
  const { apiBase } = readSettings(env);
  if (new URL(apiBase).hostname.endsWith("weixin.qq.com")) return null;
  try {
    return await withDeadline(SIMULATOR_PROBE_TIMEOUT_MS, async (signal) => {
      const response = await fetch(`${apiBase}/__sim/health`, { signal });
      const body = (await response.json().catch(() => null)) as { ok?: unknown } | null;
      return response.ok && body?.ok === true ? apiBase : null;
    });
  } catch {
    return null;
  }
}

async function requireSimulator(env: Env): Promise<string> {
  const simulator = await simulatorAnswers(env);
  if (!simulator) throw new GatewayError(404, "no WeChat simulator answers here: use a real phone");
  return simulator;
}

async function simulatorCall<T>(url: string, init: { method: string; body?: string }): Promise<T> {
  try {
    return await withDeadline(SIMULATOR_CALL_TIMEOUT_MS, async (signal) => {
      const response = await fetch(url, { ...init, signal });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return (await response.json()) as T;
    });
  } catch (error) {
    throw new GatewayError(
      502,
      `the WeChat simulator did not answer (${error instanceof Error ? error.message : "unknown"})`,
    );
  }
}

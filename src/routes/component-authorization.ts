// How a merchant authorizes a third-party platform (SPEC §11, WECHAT.md §16): the admin asks for
// links (each with a fresh pre_auth_code); the hosted page /component/{componentKey}/authorize shows
// them to a merchant who opens a signed link the admin endpoint made; WeChat sends the merchant
// back to /component/{componentKey}/authorized with auth_code, which is exchanged there (once,
// shared with WeChat's authorized push) and the page says which app was authorized.
//
// The hosted page mints a pre_auth_code every time it is opened, so it opens only with a link the
// admin endpoint signed (HMAC with a key derived from ADMIN_TOKEN, naming the platform, the
// authorization it asks for, and an expiry): nobody else can make the gateway burn codes.

import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import { html } from "hono/html";
import { renderPage } from "../pages/layout.ts";
import { base64Url, constantTimeEqual } from "../platform/crypto.ts";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { readSettings } from "../platform/settings.ts";
import { completeAuthorization } from "../registry/authorizations.ts";
import { findComponent } from "../registry/components.ts";
import { ComponentKeyParams, type StoredComponent } from "../registry/schemas.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { AUTH_TYPES, type AuthType, authorizationLinks } from "../wechat/authorization-links.ts";
import { ADMIN_ROUTE, requireAdmin } from "./auth.ts";
import {
  errorResponses,
  type GatewayEnv,
  jsonBody,
  jsonContent,
  newRouter,
  ok,
  okEnvelope,
} from "./envelope.ts";
import { clientAddress, limitCaller } from "./rate-limit.ts";

/** A hosted-page link works this long: long enough to send to a merchant, short enough to expire unused. */
const PAGE_LINK_TTL_SECONDS = 7 * 86_400;
/** Domain separation for the page-link key derived from ADMIN_TOKEN. */
const PAGE_LINK_KEY_INFO = "wechat-gateway component authorize page v1";
/** WeChat's auth_code is a short printable token; anything longer is not one (and is not sent on). */
const AUTH_CODE_PATTERN = /^[\x21-\x7e]{1,512}$/;

const AuthorizationLinkRequestSchema = z
  .object({
    redirectUri: z
      .string()
      .url()
      .max(1000)
      .regex(/^https?:\/\//, "must be an http(s) URL")
      .openapi({
        description:
          "Where WeChat sends the merchant back (with auth_code); must be on the platform's 授权发起页域名. The gateway's own target is https://<gateway>/component/{componentKey}/authorized.",
      }),
    authType: z
      .union(AUTH_TYPES.map((n) => z.literal(n)) as [z.ZodLiteral<1>, z.ZodLiteral<2>, z.ZodLiteral<3>])
      .openapi({ description: "1 official accounts, 2 mini programs, 3 both" }),
    bizAppId: z
      .string()
      .regex(/^wx[A-Za-z0-9_-]{1,62}$/, "must be a WeChat appid")
      .optional()
      .openapi({ description: "Only this app may be authorized" }),
  })
  .openapi("AuthorizationLinkRequest");

const AuthorizationLinksSchema = z
  .object({
    pcUrl: z.string(),
    mobileUrl: z.string(),
    expires_in: z.number().int().openapi({ description: "Seconds the pre_auth_code in both links lives" }),
    pageUrl: z.string().openapi({
      description: `The gateway's hosted page with fresh links each time it is opened, for a merchant; works ${PAGE_LINK_TTL_SECONDS / 86_400} days.`,
    }),
  })
  .openapi("AuthorizationLinks");

type LinkRequest = z.infer<typeof AuthorizationLinkRequestSchema>;

const createLinksRoute = createRoute({
  method: "post",
  path: "/admin/components/{componentKey}/authorization-links",
  ...ADMIN_ROUTE,
  summary: "Links a merchant opens to authorize the platform (a fresh pre_auth_code each)",
  request: { params: ComponentKeyParams, body: jsonBody(AuthorizationLinkRequestSchema) },
  responses: {
    200: jsonContent(okEnvelope(AuthorizationLinksSchema), "The links"),
    ...errorResponses(400, 401, 404, 429, 502, 503),
  },
});

async function pageLinkKey(env: Env): Promise<CryptoKey> {
  const secret = env.ADMIN_TOKEN;
  if (!secret) throw new GatewayError(503, "authorization pages need the ADMIN_TOKEN secret to be set");
  const encoder = new TextEncoder();
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(PAGE_LINK_KEY_INFO) },
    material,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
}

/** The page link's query without its signature, in a fixed order (the signed message). */
function pageQuery(componentKey: string, request: LinkRequest, expires: number): URLSearchParams {
  return new URLSearchParams({
    component: componentKey,
    auth_type: String(request.authType),
    redirect_uri: request.redirectUri,
    ...(request.bizAppId ? { biz_appid: request.bizAppId } : {}),
    expires: String(expires),
  });
}

async function signature(env: Env, query: URLSearchParams): Promise<string> {
  return base64Url(
    await crypto.subtle.sign("HMAC", await pageLinkKey(env), new TextEncoder().encode(query.toString())),
  );
}

async function links(env: Env, component: StoredComponent, request: LinkRequest) {
  const code = orThrow(await keeperFor(env, component.componentAppId).createPreAuthCode());
  return {
    ...authorizationLinks(readSettings(env).authPageBases, {
      componentAppId: component.componentAppId,
      preAuthCode: code.preAuthCode,
      redirectUri: request.redirectUri,
      authType: request.authType,
      bizAppId: request.bizAppId,
    }),
    expires_in: code.expiresInSeconds,
  };
}

export const componentAuthorizationAdminRoutes = newRouter();
componentAuthorizationAdminRoutes.use("/admin/*", requireAdmin);

componentAuthorizationAdminRoutes.openapi(createLinksRoute, async (c) => {
  const { componentKey } = c.req.valid("param");
  const request = c.req.valid("json");
  const component = await findComponent(c.env.REGISTRY, componentKey, true);
  if (!component) throw new GatewayError(404, `no platform is registered as ${componentKey}`);
  const expires = Math.floor(Date.now() / 1000) + PAGE_LINK_TTL_SECONDS;
  const query = pageQuery(componentKey, request, expires);
  query.set("sig", await signature(c.env, query));
  query.delete("component");
  const pageUrl = `${new URL(c.req.url).origin}/component/${componentKey}/authorize?${query}`;
  return ok(c, { ...(await links(c.env, component, request)), pageUrl });
});

// ---- the merchant's pages -------------------------------------------------------------------------

function messagePage(
  c: Context<GatewayEnv>,
  title: string,
  text: string,
  status: 200 | 400 | 403 | 404 | 502,
) {
  c.status(status);
  return renderPage(c, {
    title,
    scripts: [],
    body: html`<main class="page"><section class="card"><h1>${title}</h1><p>${text}</p></section></main>`,
  });
}

/** The signed page link's request, or null when the link is not one the admin endpoint made (or expired). */
async function signedRequest(c: Context<GatewayEnv>, componentKey: string): Promise<LinkRequest | null> {
  const authType = Number(c.req.query("auth_type"));
  const redirectUri = c.req.query("redirect_uri");
  const bizAppId = c.req.query("biz_appid");
  const expires = Number(c.req.query("expires"));
  const sig = c.req.query("sig");
  if (!AUTH_TYPES.includes(authType as AuthType) || !redirectUri || !sig || !Number.isSafeInteger(expires))
    return null;
  if (expires * 1000 < Date.now()) return null;
  const request: LinkRequest = { authType: authType as AuthType, redirectUri, bizAppId };
  const parsed = AuthorizationLinkRequestSchema.safeParse(request);
  if (!parsed.success) return null;
  const expected = await signature(c.env, pageQuery(componentKey, request, expires));
  return (await constantTimeEqual(sig, expected)) ? request : null;
}

export const componentAuthorizationPages = new Hono<GatewayEnv>();

componentAuthorizationPages.get("/component/:componentKey/authorize", async (c) => {
  const componentKey = c.req.param("componentKey");
  const component = await findComponent(c.env.REGISTRY, componentKey);
  if (!component)
    return messagePage(c, "Unknown platform", "No third-party platform is registered here.", 404);
  const request = await signedRequest(c, componentKey);
  if (!request) {
    return messagePage(
      c,
      "This link does not work",
      "The link is not one the platform's operator made, or it has expired: ask them for a new one.",
      403,
    );
  }
  // Each opening mints a pre_auth_code at WeChat: a leaked link is bounded like the public login.
  await limitCaller(
    c.env.LOGIN_LIMITER,
    `authorize:${clientAddress(c.req.raw.headers)}:${componentKey}`,
    "authorization pages",
  );
  const made = await links(c.env, component, request);
  // WeChat checks that its page is opened from the platform's 授权发起页域名: the links send the origin.
  return renderPage(c, {
    title: "Authorize the platform",
    scripts: [],
    body: html`<main class="page"><section class="card"><h1>Authorize the platform</h1>
<p>Open WeChat's authorization page and sign in as your official account's or mini program's administrator.</p>
<p><a class="button primary" data-testid="pc-link" href="${made.pcUrl}" referrerpolicy="origin">Authorize on a computer (scan with WeChat)</a></p>
<p><a class="button" data-testid="mobile-link" href="${made.mobileUrl}" referrerpolicy="origin">Authorize inside WeChat on a phone</a></p>
<p class="muted">These links work for ${Math.floor(made.expires_in / 60)} minutes; reload this page for new ones.</p>
</section></main>`,
  });
});

componentAuthorizationPages.get("/component/:componentKey/authorized", async (c) => {
  const componentKey = c.req.param("componentKey");
  const component = await findComponent(c.env.REGISTRY, componentKey);
  if (!component)
    return messagePage(c, "Unknown platform", "No third-party platform is registered here.", 404);
  const code = c.req.query("auth_code");
  if (!code || !AUTH_CODE_PATTERN.test(code)) {
    return messagePage(c, "No authorization", "WeChat did not send an authorization code.", 400);
  }
  // Public, and each new code reaches WeChat: per client address, like the public login.
  await limitCaller(
    c.env.LOGIN_LIMITER,
    `authorized:${clientAddress(c.req.raw.headers)}:${componentKey}`,
    "authorizations",
  );
  const result = await completeAuthorization(c.env, component, code);
  if (!result.ok) {
    return messagePage(
      c,
      "Authorization not completed",
      `The authorization could not be completed: ${result.message}`,
      result.status === 400 ? 400 : 502,
    );
  }
  return renderPage(c, {
    title: "Authorized",
    scripts: [],
    body: html`<main class="page"><section class="card"><h1>Authorized</h1>
<p>The app <code data-testid="authorizer-appid">${result.authorizerAppId}</code> is authorized for the platform.</p>
<p class="muted">Permission sets granted: <span data-testid="func-info">${result.funcInfo.join(", ") || "none"}</span>. You can close this page.</p>
</section></main>`,
  });
});

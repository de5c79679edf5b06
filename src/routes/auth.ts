import type { MiddlewareHandler } from "hono";
import { isSessionToken } from "../logins/sessions.ts";
import { constantTimeEqual } from "../platform/crypto.ts";
import { GatewayError } from "../platform/errors.ts";
import { checkApiKey, findApp } from "../registry/apps.ts";
import { apiKeyId } from "../registry/keys.ts";
import { keeperFor } from "../tokens/keeper.ts";
import type { GatewayEnv } from "./envelope.ts";

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/** `/admin/*`: the ADMIN_TOKEN secret as Bearer; the admin API stays closed until it is set. */
/** What every admin route declares for the API reference: its tag and the admin token it needs. */
export const ADMIN_ROUTE = { tags: ["Admin"], security: [{ AdminToken: [] }] };

export const requireAdmin: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new GatewayError(503, "the admin API is disabled until the ADMIN_TOKEN secret is set");
  const presented = bearerToken(c.req.header("Authorization"));
  if (!presented) throw new GatewayError(401, "Authorization: Bearer <ADMIN_TOKEN> is required");
  if (!(await constantTimeEqual(presented, expected)))
    throw new GatewayError(401, "the admin token is not valid");
  await next();
};

/**
 * Resolves the API key to its appKey and registry record. `appKeyFrom` picks the appKey the
 * request is for (the path); when it is null (the legacy endpoint) the key's own appKey is used.
 */
export function requireApiKey(
  appKeyFrom: (c: Parameters<MiddlewareHandler<GatewayEnv>>[0]) => string | null,
) {
  const middleware: MiddlewareHandler<GatewayEnv> = async (c, next) => {
    const presented = bearerToken(c.req.header("Authorization"));
    if (!presented) throw new GatewayError(401, "Authorization: Bearer <API key> is required");
    if (isSessionToken(presented)) {
      throw new GatewayError(
        403,
        "a mini-program session token cannot call server endpoints: use an API key",
      );
    }
    const check = await checkApiKey(c.env.REGISTRY, presented);
    if (!check.ok) throw new GatewayError(401, "the API key is not valid");
    const wanted = appKeyFrom(c) ?? check.appKey;
    if (wanted !== check.appKey) throw new GatewayError(403, "this API key is not allowed for this appKey");
    const app = await findApp(c.env.REGISTRY, wanted);
    if (!app) throw new GatewayError(404, `no app is registered as ${wanted}`);
    c.set("appKey", wanted);
    c.set("app", app);
    c.set("apiKeyId", apiKeyId(presented) ?? "");
    await next();
  };
  return middleware;
}

/**
 * QR-Auth user endpoints: the Bearer is the session token JSCode2Session gave the mini program.
 * The user is whoever that session names; nothing the client sends can change it.
 */
export const requireUserSession: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  const presented = bearerToken(c.req.header("Authorization"));
  if (!presented)
    throw new GatewayError(401, "Authorization: Bearer <session token from JSCode2Session> is required");
  if (apiKeyId(presented)) {
    throw new GatewayError(
      403,
      "server API keys cannot call user endpoints: use the mini program's session token",
    );
  }
  if (!isSessionToken(presented)) throw new GatewayError(401, "the session token is not valid");
  const appKey = c.req.param("appKey") ?? "";
  const app = await findApp(c.env.REGISTRY, appKey);
  if (!app) throw new GatewayError(404, `no app is registered as ${appKey}`);
  const found = await keeperFor(c.env, app.appId).loginSession(presented);
  if (!found.ok) throw new GatewayError(401, "the session is unknown or has expired: log in again");
  if (found.session.appKey !== appKey) throw new GatewayError(403, "this session belongs to another appKey");
  const { openid, unionid } = found.session;
  c.set("appKey", appKey);
  c.set("app", app);
  c.set("user", { openid, unionid, subject: unionid ?? openid });
  await next();
};

import { createRoute, z } from "@hono/zod-openapi";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { chinaIso, secondsUntil } from "../platform/time.ts";
import { inboxFor } from "../pushes/inbox.ts";
import { createApiKey, findApp, listApiKeys, revokeApiKey } from "../registry/apps.ts";
import { deleteApp } from "../registry/deletion.ts";
import {
  directoryOf,
  LIST_LIMIT_DEFAULT,
  LIST_LIMIT_MAX,
  MAX_API_KEYS_PER_APP,
} from "../registry/directory.ts";
import { registerApp } from "../registry/registration.ts";
import {
  ApiKeyCreatedSchema,
  ApiKeyListSchema,
  AppKeyParams,
  AppPageSchema,
  type AppRecord,
  AppRecordSchema,
  AppRegistrationSchema,
  AppStatusSchema,
  ForcedRefreshSchema,
  ListAppsQuerySchema,
  publicRecord,
} from "../registry/schemas.ts";
import { forgetToken } from "../tokens/current-token.ts";
import { keeperFor } from "../tokens/keeper.ts";
import type { CredentialHealth } from "../tokens/results.ts";
import { ADMIN_ROUTE, requireAdmin } from "./auth.ts";
import { errorResponses, jsonBody, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";
import { presentPush } from "./pushes.ts";

const adminErrors = errorResponses(400, 401, 404, 503);

async function loadApp(env: Env, appKey: string): Promise<AppRecord> {
  const app = await findApp(env.REGISTRY, appKey, true);
  if (!app) throw new GatewayError(404, `no app is registered as ${appKey}`);
  return publicRecord(app);
}

const AppDetailSchema = AppRecordSchema.extend({ keys: ApiKeyListSchema }).openapi("AppDetail");

const putApp = createRoute({
  method: "put",
  path: "/admin/apps/{appKey}",
  ...ADMIN_ROUTE,
  summary: "Register or update an app",
  description:
    "The secret goes to the appid's keeper only (never KV, logs or answers). With `component` (a componentKey) and no appSecret, the appKey is bound to an app a merchant authorized that third-party platform to run (409 unless authorized). Several appKeys may name one appId; they share its token, secret and token mode, which the latest registration sets. 409 while a deletion of the appKey is unfinished (send DELETE again first). An appKey registered again after a deletion starts empty.",
  request: {
    params: AppKeyParams,
    body: jsonBody(AppRegistrationSchema),
  },
  responses: {
    200: jsonContent(okEnvelope(AppRecordSchema), "Updated"),
    201: jsonContent(okEnvelope(AppRecordSchema), "Registered"),
    ...errorResponses(400, 401, 409, 503),
  },
});

const listAppsRoute = createRoute({
  method: "get",
  path: "/admin/apps",
  ...ADMIN_ROUTE,
  summary: "List apps, a page at a time",
  description: `Apps in appKey order (byte order: -, digits, A–Z, _, a–z), at most \`limit\` (1–${LIST_LIMIT_MAX}, default ${LIST_LIMIT_DEFAULT}) per page. Pass the answer's \`cursor\` back as \`?cursor=\` for the next page; it is null on the last page. \`?prefix=\` keeps the appKeys that start with it (case-sensitive), e.g. \`?prefix=shop-\` for a search box. Every page costs the same few storage reads however many apps are registered, and shows every registration and deletion at once. Each entry is a summary; GET /admin/apps/{appKey} has the whole record and its keys.`,
  request: { query: ListAppsQuerySchema },
  responses: {
    200: jsonContent(okEnvelope(AppPageSchema), "One page of apps"),
    ...errorResponses(400, 401, 503),
  },
});

const getApp = createRoute({
  method: "get",
  path: "/admin/apps/{appKey}",
  ...ADMIN_ROUTE,
  summary: "One app with its API key ids",
  request: { params: AppKeyParams },
  responses: { 200: jsonContent(okEnvelope(AppDetailSchema), "The app"), ...adminErrors },
});

const deleteAppRoute = createRoute({
  method: "delete",
  path: "/admin/apps/{appKey}",
  ...ADMIN_ROUTE,
  summary: "Remove an app and everything that belongs to it",
  description:
    "Deletes every API key of the appKey (including one created a moment before), its QR-Auth users, verification codes and sign-in sessions, and the mini-program login sessions opened through it; an appKey registered again later starts empty. When no other appKey names the same appId, its keeper forgets the secret and tokens. A deletion that fails midway (500, or 503 when there was more to delete than one request may) is finished by sending DELETE again; until then the appKey is out of the list and PUT answers 409.",
  request: { params: AppKeyParams },
  responses: {
    200: jsonContent(okEnvelope(z.object({ deleted: z.literal(true) })), "Removed"),
    ...adminErrors,
  },
});

const createKey = createRoute({
  method: "post",
  path: "/admin/apps/{appKey}/keys",
  ...ADMIN_ROUTE,
  summary: "Create an API key (shown once)",
  description: `At most ${MAX_API_KEYS_PER_APP} keys per app (409 beyond: revoke one first).`,
  request: { params: AppKeyParams },
  responses: {
    201: jsonContent(okEnvelope(ApiKeyCreatedSchema), "The new key"),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const revokeKey = createRoute({
  method: "delete",
  path: "/admin/apps/{appKey}/keys/{id}",
  ...ADMIN_ROUTE,
  summary: "Revoke an API key (effective everywhere within 60 s)",
  request: { params: AppKeyParams.extend({ id: z.string().regex(/^[0-9a-f]{16}$/, "must be a key id") }) },
  responses: {
    200: jsonContent(okEnvelope(z.object({ revoked: z.literal(true) })), "Revoked"),
    ...adminErrors,
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/admin/apps/{appKey}/status",
  ...ADMIN_ROUTE,
  summary: "Token health, without the token",
  request: { params: AppKeyParams },
  responses: { 200: jsonContent(okEnvelope(AppStatusSchema), "Health"), ...adminErrors },
});

const forceRefresh = createRoute({
  method: "post",
  path: "/admin/apps/{appKey}/token/refresh",
  ...ADMIN_ROUTE,
  summary: "Forced refresh (the only unconditional one)",
  description:
    "Stable mode sends force_refresh=true, which WeChat allows 20 times a day, at least 30 s apart (429 otherwise). The old token stays valid at WeChat for about 5 minutes.",
  request: { params: AppKeyParams },
  responses: {
    200: jsonContent(okEnvelope(ForcedRefreshSchema), "Refreshed"),
    ...errorResponses(401, 404, 429, 502, 503),
  },
});

const optionalIso = (ms: number | null) => (ms === null ? null : chinaIso(ms));

export function presentHealth(health: CredentialHealth, now: number) {
  return {
    held: health.held,
    create_time: optionalIso(health.createdAt),
    expires_time: optionalIso(health.expiresAt),
    expires_in: health.expiresAt === null ? null : secondsUntil(health.expiresAt, now),
    next_refresh_time: optionalIso(health.nextRefreshAt),
    refresh_count: health.refreshCount,
    last_refresh_time: optionalIso(health.lastRefreshAt),
    last_error: health.lastError && {
      errcode: health.lastError.errcode,
      errmsg: health.lastError.message,
      time: chinaIso(health.lastError.at),
    },
    failures_in_row: health.failuresInRow,
    upstream_calls_today: health.callsToday,
    daily_budget: health.dailyBudget,
  };
}

export const adminRoutes = newRouter();
adminRoutes.use("/admin/*", requireAdmin);

adminRoutes.openapi(putApp, async (c) => {
  const { appKey } = c.req.valid("param");
  const { record, created, push } = await registerApp(c.env, appKey, c.req.valid("json"));
  const answer = push ? { ...record, push: presentPush(c.req.url, record, push) } : record;
  return ok(c, answer, created ? 201 : 200);
});

adminRoutes.openapi(listAppsRoute, async (c) => {
  const { cursor, limit, prefix } = c.req.valid("query");
  const { page } = orThrow(
    await directoryOf(c.env).list({ cursor, limit: limit ?? LIST_LIMIT_DEFAULT, prefix }),
  );
  return ok(c, { apps: page.apps, cursor: page.cursor, total: page.total });
});

adminRoutes.openapi(getApp, async (c) => {
  const { appKey } = c.req.valid("param");
  const app = await loadApp(c.env, appKey);
  const [keys, push] = await Promise.all([listApiKeys(c.env, appKey), inboxFor(c.env, appKey).view()]);
  return ok(c, { ...app, ...(push ? { push: presentPush(c.req.url, app, push) } : {}), keys });
});

adminRoutes.openapi(deleteAppRoute, async (c) => {
  const { appKey } = c.req.valid("param");
  if (!(await deleteApp(c.env, appKey))) throw new GatewayError(404, `no app is registered as ${appKey}`);
  return ok(c, { deleted: true as const });
});

adminRoutes.openapi(createKey, async (c) => {
  const { appKey } = c.req.valid("param");
  const { id, key } = await createApiKey(c.env, appKey);
  return ok(c, { id, key }, 201);
});

adminRoutes.openapi(revokeKey, async (c) => {
  const { appKey, id } = c.req.valid("param");
  if (!(await revokeApiKey(c.env, appKey, id))) {
    throw new GatewayError(404, `no API key ${id} for ${appKey}`);
  }
  return ok(c, { revoked: true as const });
});

adminRoutes.openapi(statusRoute, async (c) => {
  const { appKey } = c.req.valid("param");
  const app = await loadApp(c.env, appKey);
  const status = await keeperFor(c.env, app.appId).status();
  if (!status.configured) throw new GatewayError(404, `the keeper for ${app.appId} holds no registration`);
  const now = Date.now();
  return ok(c, {
    appKey,
    appId: status.appId,
    tokenMode: status.tokenMode,
    appKeys: status.appKeys,
    access_token: presentHealth(status.accessToken, now),
    jsapi_ticket: presentHealth(status.jsapiTicket, now),
    forced_refreshes_today: status.forcedRefreshesToday,
    next_alarm_time: optionalIso(status.alarmAt),
  });
});

adminRoutes.openapi(forceRefresh, async (c) => {
  const { appKey } = c.req.valid("param");
  const app = await loadApp(c.env, appKey);
  const answer = await keeperFor(c.env, app.appId).forceRefresh();
  forgetToken(app.appId);
  const result = orThrow(answer);
  return ok(c, {
    refreshed: result.changed,
    create_time: chinaIso(result.createdAt),
    expires_time: chinaIso(result.expiresAt),
    expires_in: secondsUntil(result.expiresAt, Date.now()),
  });
});

// The admin API for third-party platforms: registration (the secrets go to the component appid's
// keeper only), component API keys and status. Same style and auth as the apps' admin API.

import { createRoute, z } from "@hono/zod-openapi";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { chinaIso } from "../platform/time.ts";
import {
  createComponentKey,
  deleteComponent,
  findComponent,
  listComponents,
  publicComponent,
  registerComponent,
  revokeComponentKey,
} from "../registry/components.ts";
import { MAX_API_KEYS_PER_APP } from "../registry/directory.ts";
import {
  ApiKeyCreatedSchema,
  AuthorizerPageSchema,
  ComponentDetailSchema,
  ComponentKeyParams,
  ComponentPageSchema,
  ComponentRecordSchema,
  ComponentRegistrationSchema,
  ComponentStatusSchema,
  ListAuthorizersQuerySchema,
  ListComponentsQuerySchema,
  type StoredComponent,
} from "../registry/schemas.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { presentHealth } from "./admin.ts";
import { ADMIN_ROUTE, requireAdmin } from "./auth.ts";
import { errorResponses, jsonBody, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

const adminErrors = errorResponses(400, 401, 404, 503);

async function loadComponent(env: Env, componentKey: string): Promise<StoredComponent> {
  const stored = await findComponent(env.REGISTRY, componentKey, true);
  if (!stored) throw new GatewayError(404, `no platform is registered as ${componentKey}`);
  return stored;
}

const putComponent = createRoute({
  method: "put",
  path: "/admin/components/{componentKey}",
  ...ADMIN_ROUTE,
  summary: "Register or update a third-party platform",
  description:
    "componentAppSecret, token and encodingAESKey go to the platform's keeper only (never KV, logs or answers); each is required the first time and kept when omitted later. The componentAppId of a componentKey does not change (409). Registering asks WeChat to push a verify ticket when none is held.",
  request: { params: ComponentKeyParams, body: jsonBody(ComponentRegistrationSchema) },
  responses: {
    200: jsonContent(okEnvelope(ComponentRecordSchema), "Updated"),
    201: jsonContent(okEnvelope(ComponentRecordSchema), "Registered"),
    ...errorResponses(400, 401, 409, 503),
  },
});

/** Platforms per page unless ?limit= says otherwise. */
const COMPONENTS_PAGE_DEFAULT = 50;

const listComponentsRoute = createRoute({
  method: "get",
  path: "/admin/components",
  ...ADMIN_ROUTE,
  summary: "List third-party platforms",
  description: `Platforms in componentKey order, at most \`limit\` (1–100, default ${COMPONENTS_PAGE_DEFAULT}) per page; pass the answer's \`cursor\` back as \`?cursor=\` for the next page (null on the last). Read from a KV list, which is eventually consistent: a platform registered or removed within the last minute may be missing or still listed. GET /admin/components/{componentKey}/status has each one's health.`,
  request: { query: ListComponentsQuerySchema },
  responses: { 200: jsonContent(okEnvelope(ComponentPageSchema), "One page"), ...errorResponses(400, 401) },
});

const getComponentRoute = createRoute({
  method: "get",
  path: "/admin/components/{componentKey}",
  ...ADMIN_ROUTE,
  summary: "One third-party platform with its API key ids",
  request: { params: ComponentKeyParams },
  responses: { 200: jsonContent(okEnvelope(ComponentDetailSchema), "The platform"), ...adminErrors },
});

const deleteComponentRoute = createRoute({
  method: "delete",
  path: "/admin/components/{componentKey}",
  ...ADMIN_ROUTE,
  summary: "Remove a third-party platform, its keys, tickets and token",
  request: { params: ComponentKeyParams },
  responses: {
    200: jsonContent(okEnvelope(z.object({ deleted: z.literal(true) })), "Removed"),
    ...adminErrors,
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/admin/components/{componentKey}/keys",
  ...ADMIN_ROUTE,
  summary: "Create a component API key (shown once)",
  description: `For GET /Component/{componentKey}/AccessToken and /proxy/component/{componentKey}/…; at most ${MAX_API_KEYS_PER_APP} per platform.`,
  request: { params: ComponentKeyParams },
  responses: {
    201: jsonContent(okEnvelope(ApiKeyCreatedSchema), "The new key"),
    ...errorResponses(400, 401, 404, 409, 503),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/admin/components/{componentKey}/keys/{id}",
  ...ADMIN_ROUTE,
  summary: "Revoke a component API key (effective everywhere within 60 s)",
  request: {
    params: ComponentKeyParams.extend({ id: z.string().regex(/^[0-9a-f]{16}$/, "must be a key id") }),
  },
  responses: {
    200: jsonContent(okEnvelope(z.object({ revoked: z.literal(true) })), "Revoked"),
    ...adminErrors,
  },
});

const statusRoute = createRoute({
  method: "get",
  path: "/admin/components/{componentKey}/status",
  ...ADMIN_ROUTE,
  summary: "Verify ticket, component_access_token health and authorizers, without secrets or tokens",
  request: { params: ComponentKeyParams },
  responses: { 200: jsonContent(okEnvelope(ComponentStatusSchema), "Health"), ...adminErrors },
});

/** Authorizers per page unless ?limit= says otherwise. */
const AUTHORIZERS_PAGE_DEFAULT = 100;

const authorizersRoute = createRoute({
  method: "get",
  path: "/admin/components/{componentKey}/authorizers",
  ...ADMIN_ROUTE,
  summary: "The apps merchants authorized the platform to run, a page at a time",
  description: `In appid order, at most \`limit\` (1–500, default ${AUTHORIZERS_PAGE_DEFAULT}) per page; pass the answer's \`cursor\` back for the next page (null on the last). Each page is one indexed SQL read in the platform's keeper, however many authorizers there are.`,
  request: { params: ComponentKeyParams, query: ListAuthorizersQuerySchema },
  responses: { 200: jsonContent(okEnvelope(AuthorizerPageSchema), "One page"), ...adminErrors },
});

export const componentAdminRoutes = newRouter();
componentAdminRoutes.use("/admin/*", requireAdmin);

componentAdminRoutes.openapi(listComponentsRoute, async (c) => {
  const { cursor, limit } = c.req.valid("query");
  return ok(c, await listComponents(c.env.REGISTRY, cursor, limit ?? COMPONENTS_PAGE_DEFAULT));
});

componentAdminRoutes.openapi(putComponent, async (c) => {
  const { componentKey } = c.req.valid("param");
  const { record, created } = await registerComponent(c.env, componentKey, c.req.valid("json"));
  return ok(c, record, created ? 201 : 200);
});

componentAdminRoutes.openapi(getComponentRoute, async (c) => {
  const stored = await loadComponent(c.env, c.req.valid("param").componentKey);
  return ok(c, { ...publicComponent(stored), keys: stored.keys });
});

componentAdminRoutes.openapi(deleteComponentRoute, async (c) => {
  const { componentKey } = c.req.valid("param");
  if (!(await deleteComponent(c.env, componentKey))) {
    throw new GatewayError(404, `no platform is registered as ${componentKey}`);
  }
  return ok(c, { deleted: true as const });
});

componentAdminRoutes.openapi(createKeyRoute, async (c) => {
  const { id, key } = await createComponentKey(c.env, c.req.valid("param").componentKey);
  return ok(c, { id, key }, 201);
});

componentAdminRoutes.openapi(revokeKeyRoute, async (c) => {
  const { componentKey, id } = c.req.valid("param");
  if (!(await revokeComponentKey(c.env, componentKey, id))) {
    throw new GatewayError(404, `no API key ${id} for ${componentKey}`);
  }
  return ok(c, { revoked: true as const });
});

componentAdminRoutes.openapi(statusRoute, async (c) => {
  const { componentKey } = c.req.valid("param");
  const stored = await loadComponent(c.env, componentKey);
  const status = await keeperFor(c.env, stored.componentAppId).componentStatus();
  if (!status.configured) {
    throw new GatewayError(404, `the keeper for ${stored.componentAppId} holds no platform`);
  }
  const now = Date.now();
  const { ticket, pushRequest, authorizers } = status.platform;
  return ok(c, {
    componentKey,
    componentAppId: status.componentAppId,
    verify_ticket: {
      held: ticket.held,
      valid: ticket.valid,
      create_time: ticket.createTime === null ? null : chinaIso(ticket.createTime * 1000),
      received_time: ticket.receivedAt === null ? null : chinaIso(ticket.receivedAt),
      age_seconds:
        ticket.createTime === null ? null : Math.max(0, Math.floor(now / 1000) - ticket.createTime),
    },
    push_request: pushRequest && { time: chinaIso(pushRequest.at), error: pushRequest.error },
    component_access_token: presentHealth(status.accessToken, now),
    authorizers,
    next_alarm_time: status.alarmAt === null ? null : chinaIso(status.alarmAt),
  });
});

componentAdminRoutes.openapi(authorizersRoute, async (c) => {
  const { componentKey } = c.req.valid("param");
  const { cursor, limit } = c.req.valid("query");
  const stored = await loadComponent(c.env, componentKey);
  const page = orThrow(
    await keeperFor(c.env, stored.componentAppId).authorizers(
      cursor ?? null,
      limit ?? AUTHORIZERS_PAGE_DEFAULT,
    ),
  );
  return ok(c, {
    authorizers: page.entries.map((entry) => ({
      ...entry,
      authorizedAt: entry.authorizedAt === null ? null : chinaIso(entry.authorizedAt),
    })),
    cursor: page.cursor,
  });
});

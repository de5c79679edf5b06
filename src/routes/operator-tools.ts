// Operator tools of the admin API: an API's quota, what WeChat saw of a failed call, and
// clear_quota with its monthly allowance. Thin: the work is in operator/tools.ts.

import { createRoute, z } from "@hono/zod-openapi";
import { ApiQuotaSchema, ClearAllowanceSchema, RidRecordSchema } from "../operator/schemas.ts";
import {
  apiQuota,
  CGI_PATH_MAX_LENGTH,
  CGI_PATH_PATTERN,
  clearAllowance,
  clearQuota,
  RID_PATTERN,
  requireClearConfirmation,
  ridRecord,
} from "../operator/tools.ts";
import { GatewayError } from "../platform/errors.ts";
import { findApp } from "../registry/apps.ts";
import { AppKeyParams } from "../registry/schemas.ts";
import { CLEAR_QUOTA_MONTHLY_LIMIT } from "../tokens/quota-clears.ts";
import { ADMIN_ROUTE, requireAdmin } from "./auth.ts";
import { errorResponses, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

const QuotaQuerySchema = z.object({
  cgi_path: z
    .string({ error: "is required: the WeChat API's path, e.g. /wxa/getwxacodeunlimit" })
    .max(CGI_PATH_MAX_LENGTH, `must be at most ${CGI_PATH_MAX_LENGTH} characters`)
    .regex(
      CGI_PATH_PATTERN,
      "must be a WeChat API path without the host: /segments of letters, digits, _ and -, e.g. /wxa/generate_urllink",
    )
    .openapi({ example: "/wxa/getwxacodeunlimit" }),
});

const RidParams = AppKeyParams.extend({
  rid: z
    .string()
    .regex(
      RID_PATTERN,
      "must be a WeChat rid: three groups of 8 lowercase hex digits, e.g. 655d9278-7c157f97-69055077",
    )
    .openapi({ example: "655d9278-7c157f97-69055077" }),
});

const ClearConfirmationSchema = z
  .object({
    confirm: z
      .unknown()
      .optional()
      .openapi({ type: "boolean", description: "Must be true: the reset spends one of the month's 10" }),
  })
  .openapi("ClearQuotaConfirmation", { example: { confirm: true } });

const quotaRoute = createRoute({
  method: "get",
  path: "/admin/apps/{appKey}/quota",
  ...ADMIN_ROUTE,
  summary: "An API's daily quota (WeChat's openapi/quota/get)",
  description:
    "What WeChat counts today for one API of the app: daily_limit, used, remain (and rate_limit when it has one). 400 with WeChat's errcode for a path WeChat does not serve (76021) or reports no quota for (76022: /sns/ APIs).",
  request: { params: AppKeyParams, query: QuotaQuerySchema },
  responses: {
    200: jsonContent(okEnvelope(ApiQuotaSchema), "The quota"),
    ...errorResponses(400, 401, 404, 429, 502, 503),
  },
});

const ridRoute = createRoute({
  method: "get",
  path: "/admin/apps/{appKey}/rid/{rid}",
  ...ADMIN_ROUTE,
  summary: "What WeChat saw of a failed call (WeChat's openapi/rid/get)",
  description:
    "Every errmsg of a failed WeChat call ends with `rid: …`. WeChat keeps the record 7 days and shows it only to the account that made the call: 404 with WeChat's errcode otherwise (76001 unknown or older, 76003 another account's).",
  request: { params: RidParams },
  responses: {
    200: jsonContent(okEnvelope(RidRecordSchema), "WeChat's record of the call"),
    ...errorResponses(400, 401, 404, 429, 502, 503),
  },
});

const allowanceRoute = createRoute({
  method: "get",
  path: "/admin/apps/{appKey}/quota/clear",
  ...ADMIN_ROUTE,
  summary: "clear_quota resets left this month",
  description: `WeChat allows ${CLEAR_QUOTA_MONTHLY_LIMIT} resets per appid per calendar month (China time). The gateway counts those WeChat accepted; resets made in WeChat's console are not seen until WeChat answers 48006. Asks nothing of WeChat.`,
  request: { params: AppKeyParams },
  responses: {
    200: jsonContent(okEnvelope(ClearAllowanceSchema), "This month's allowance"),
    ...errorResponses(401, 404, 503),
  },
});

const clearRoute = createRoute({
  method: "post",
  path: "/admin/apps/{appKey}/quota/clear",
  ...ADMIN_ROUTE,
  summary: "Reset the appid's daily API quotas (WeChat's clear_quota)",
  description: `Spends one of the ${CLEAR_QUOTA_MONTHLY_LIMIT} resets WeChat allows a month, so the body must say {"confirm": true} (400 otherwise, saying how many are left). 429 with Retry-After until the next China-time month when the gateway's count says none are left (WeChat is not asked) or WeChat answers 48006 (relayed; the month is then marked used up). 409 while another reset for the appid is under way.`,
  request: {
    params: AppKeyParams,
    body: { content: { "application/json": { schema: ClearConfirmationSchema } }, required: false },
  },
  responses: {
    200: jsonContent(okEnvelope(ClearAllowanceSchema), "Reset; the allowance after it"),
    ...errorResponses(400, 401, 404, 409, 429, 502, 503),
  },
});

async function appIdOf(env: Env, appKey: string): Promise<string> {
  const app = await findApp(env.REGISTRY, appKey, true);
  if (!app) throw new GatewayError(404, `no app is registered as ${appKey}`);
  return app.appId;
}

export const operatorToolRoutes = newRouter();
operatorToolRoutes.use("/admin/*", requireAdmin);

operatorToolRoutes.openapi(quotaRoute, async (c) => {
  const { appKey } = c.req.valid("param");
  const { cgi_path } = c.req.valid("query");
  const data = await apiQuota(c.env, await appIdOf(c.env, appKey), cgi_path);
  return ok(c, data as z.infer<typeof ApiQuotaSchema>);
});

operatorToolRoutes.openapi(ridRoute, async (c) => {
  const { appKey, rid } = c.req.valid("param");
  const data = await ridRecord(c.env, await appIdOf(c.env, appKey), rid);
  return ok(c, data as z.infer<typeof RidRecordSchema>);
});

operatorToolRoutes.openapi(allowanceRoute, async (c) => {
  const { appKey } = c.req.valid("param");
  const data = await clearAllowance(c.env, await appIdOf(c.env, appKey));
  return ok(c, data);
});

operatorToolRoutes.openapi(clearRoute, async (c) => {
  const { appKey } = c.req.valid("param");
  const { confirm } = c.req.valid("json");
  const appId = await appIdOf(c.env, appKey);
  await requireClearConfirmation(c.env, appId, confirm);
  const data = await clearQuota(c.env, appId);
  return ok(c, data);
});

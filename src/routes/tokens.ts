import { createRoute, z } from "@hono/zod-openapi";
import { orThrow } from "../platform/errors.ts";
import { chinaIso, secondsUntil } from "../platform/time.ts";
import { AppKeyParams } from "../registry/schemas.ts";
import { currentToken, reportRejectedToken } from "../tokens/current-token.ts";
import type { HeldCredential } from "../wechat/credential.ts";
import { requireApiKey } from "./auth.ts";
import { errorResponses, jsonBody, jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

export const AccessTokenSchema = z
  .object({
    access_token: z.string(),
    expires_in: z.number().int().openapi({ description: "seconds left" }),
    expires_time: z.string().openapi({ example: "2026-11-21T15:04:05+08:00" }),
    create_time: z.string().openapi({ example: "2026-11-21T13:04:05+08:00" }),
  })
  .openapi("AccessToken");

export const RefreshReportSchema = z
  .object({
    access_token: z
      .string()
      .min(1)
      .max(2048)
      .openapi({ description: "The token WeChat told the caller is invalid (40001/40014/42001)." }),
  })
  .openapi("RefreshReport");

export function presentToken(
  credential: HeldCredential,
  now = Date.now(),
): z.infer<typeof AccessTokenSchema> {
  return {
    access_token: credential.value,
    expires_in: secondsUntil(credential.expiresAt, now),
    expires_time: chinaIso(credential.expiresAt),
    create_time: chinaIso(credential.createdAt),
  };
}

const security = [{ ApiKey: [] }];

const getAccessToken = createRoute({
  method: "get",
  path: "/Wechat/{appKey}/AccessToken",
  tags: ["Tokens"],
  summary: "The appid's current access_token",
  description:
    "Served from the appid's keeper; fetched from WeChat only when none is valid. Callers keep getting the old, still-valid token while a refresh runs.",
  security,
  request: { params: AppKeyParams },
  responses: {
    200: jsonContent(okEnvelope(AccessTokenSchema), "The current token"),
    ...errorResponses(401, 403, 404, 429, 502, 503),
  },
});

const reportInvalid = createRoute({
  method: "post",
  path: "/Wechat/{appKey}/AccessToken/Refresh",
  tags: ["Tokens"],
  summary: "Passive refresh: report a token WeChat rejected",
  description:
    "If the reported token is still the current one (and WeChat rejected it for the gateway too, or it is older than 30 s), the keeper refreshes once however many callers report it; otherwise the current token is returned without asking WeChat.",
  security,
  request: {
    params: AppKeyParams,
    body: jsonBody(RefreshReportSchema),
  },
  responses: {
    200: jsonContent(okEnvelope(AccessTokenSchema), "The current token (new if a refresh happened)"),
    ...errorResponses(400, 401, 403, 404, 429, 502, 503),
  },
});

export const tokenRoutes = newRouter();
tokenRoutes.use(
  "/Wechat/:appKey/AccessToken",
  requireApiKey((c) => c.req.param("appKey") ?? null),
);
tokenRoutes.use(
  "/Wechat/:appKey/AccessToken/Refresh",
  requireApiKey((c) => c.req.param("appKey") ?? null),
);

tokenRoutes.openapi(getAccessToken, async (c) => {
  const credential = orThrow(await currentToken(c.env, c.var.app.appId)).credential;
  return ok(c, presentToken(credential));
});

tokenRoutes.openapi(reportInvalid, async (c) => {
  const { access_token } = c.req.valid("json");
  const credential = orThrow(await reportRejectedToken(c.env, c.var.app.appId, access_token)).credential;
  return ok(c, presentToken(credential));
});

import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "../platform/errors.ts";
import type { AppRecord, StoredComponent } from "../registry/schemas.ts";

/** A mini-program user as their login session names them; `subject` is unionid, else openid. */
type MiniProgramUser = { openid: string; unionid: string | null; subject: string };

export type GatewayEnv = {
  Bindings: Env;
  Variables: {
    /** Set by the API-key check: the appKey the key belongs to and its registry record. */
    appKey: string;
    app: AppRecord;
    /** Set by the component API-key check: the third-party platform the key belongs to. */
    component: StoredComponent;
    /** Set by the API-key check: the key's id (the caller, for rate limits). */
    apiKeyId: string;
    /** Set by the user-session check (QR-Auth user endpoints): the mini-program user. */
    user: MiniProgramUser;
    /** The legacy endpoint answers errors in the RequestResult envelope instead. */
    renderError?: (c: Context<GatewayEnv>, error: GatewayError) => Response;
  };
};

export function okEnvelope<T extends z.ZodType>(data: T) {
  return z.object({ code: z.literal(200), data, error: z.literal("") });
}

/**
 * The one success answer: the envelope `{code: 200, data, error: ""}` with HTTP `status` (201 where
 * a route creates something; `code` stays 200 there too). Typed so the route's schema checks `data`.
 */
export function ok<T, S extends 200 | 201 = 200>(c: Pick<Context, "json">, data: T, status: S = 200 as S) {
  return c.json({ code: 200 as const, data, error: "" as const }, status);
}

const ErrorEnvelopeSchema = z
  .object({
    code: z.number().int().openapi({ example: 400 }),
    data: z.null(),
    error: z.string().openapi({ example: "appId: must be a WeChat appid (starts with wx)" }),
    errcode: z
      .number()
      .int()
      .optional()
      .openapi({ description: "WeChat's errcode, when WeChat caused the failure" }),
    errmsg: z.string().optional().openapi({ description: "WeChat's errmsg, as WeChat sent it" }),
  })
  .openapi("ErrorEnvelope");

export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: "Error envelope", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    ]),
  );
}

/** A required JSON request body, validated by `schema`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** Names the field and the reason of the first validation problem, e.g. "appId: must be ...". */
export function describeValidationError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid request";
  const path = issue.path.map(String).join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** A router whose request validation failures become 400 envelopes naming the field. */
export function newRouter() {
  return new OpenAPIHono<GatewayEnv>({
    defaultHook: (result) => {
      if (!result.success) throw new GatewayError(400, describeValidationError(result.error));
    },
  });
}

function errorBody(error: GatewayError) {
  return {
    code: error.status,
    data: null,
    error: error.message,
    ...(error.errcode === undefined ? {} : { errcode: error.errcode, errmsg: error.errmsg ?? "" }),
  };
}

/**
 * The single error mapping of the gateway: a GatewayError becomes the error envelope with its status
 * (and Retry-After); anything else is logged and answered as a bare 500, never with a stack trace.
 */
export function handleError(err: Error, c: Context<GatewayEnv>): Response {
  let error: GatewayError;
  if (err instanceof GatewayError) {
    error = err;
  } else if (err instanceof HTTPException && err.status === 415) {
    // Raised by the request validator for a body sent as form data (curl -d without -H).
    error = new GatewayError(400, "Content-Type: must be application/json (the body is JSON)");
  } else if (err instanceof HTTPException && err.status < 500) {
    const status = ([400, 401, 403, 404, 409, 413, 429] as const).find((s) => s === err.status) ?? 400;
    error = new GatewayError(status, err.message || "bad request");
  } else {
    console.error(
      JSON.stringify({ event: "unhandled_error", path: c.req.path, error: err.name, message: err.message }),
    );
    return c.json({ code: 500, data: null, error: "internal error" }, 500);
  }
  if (error.retryAfterSeconds !== undefined) c.header("Retry-After", String(error.retryAfterSeconds));
  const render = c.get("renderError");
  if (render) return render(c, error);
  return c.json(errorBody(error), error.status as ContentfulStatusCode);
}

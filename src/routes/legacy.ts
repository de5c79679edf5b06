import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError } from "../errors.ts";
import { currentToken, reportRejectedToken } from "../tokens/current-token.ts";
import { requireApiKey } from "./auth.ts";
import { describeValidationError, type GatewayEnv, jsonContent, newRouter } from "./envelope.ts";
import { credentialOrThrow, presentToken, RefreshReportSchema } from "./tokens.ts";
import { limitBody } from "./wechat.ts";

// POST /api/v1/Common/WxToken?appid=: the endpoint older clients of this service were written
// against. It answers the RequestResult envelope (Status 0 = success), in XML when asked.

const LegacyTokenSchema = z
  .object({
    access_token: z.string(),
    expires_in: z.number().int(),
    expires_time: z.string(),
    create_time: z.string(),
    errcode: z.number().int(),
    errmsg: z.string(),
  })
  .openapi("LegacyWxToken");

const RequestResultSchema = z
  .object({
    Data: LegacyTokenSchema.nullable(),
    Status: z.union([z.literal(0), z.literal(1)]).openapi({ description: "0 = success, 1 = failure" }),
    Message: z.string(),
    Total: z.number().int(),
  })
  .openapi("RequestResult");

type RequestResult = z.infer<typeof RequestResultSchema>;

function wantsXml(accept: string | undefined): boolean {
  return /\b(application|text)\/xml\b/i.test(accept ?? "");
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function toXml(result: RequestResult): string {
  const data = result.Data
    ? `<Data>${Object.entries(result.Data)
        .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
        .join("")}</Data>`
    : "<Data/>";
  return `<?xml version="1.0" encoding="utf-8"?><RequestResult>${data}<Status>${result.Status}</Status><Message>${escapeXml(
    result.Message,
  )}</Message><Total>${result.Total}</Total></RequestResult>`;
}

function render(c: Context<GatewayEnv>, result: RequestResult, status: ContentfulStatusCode): Response {
  if (wantsXml(c.req.header("Accept"))) {
    return c.body(toXml(result), status, { "Content-Type": "application/xml; charset=utf-8" });
  }
  return c.json(result, status);
}

function renderLegacyError(c: Context<GatewayEnv>, error: GatewayError): Response {
  const data =
    error.errcode === undefined
      ? null
      : {
          access_token: "",
          expires_in: 0,
          expires_time: "",
          create_time: "",
          errcode: error.errcode,
          errmsg: error.errmsg ?? "",
        };
  return render(
    c,
    { Data: data, Status: 1, Message: error.message, Total: 0 },
    error.status as ContentfulStatusCode,
  );
}

const legacyToken = createRoute({
  method: "post",
  path: "/api/v1/Common/WxToken",
  tags: ["Tokens"],
  summary: "Legacy token endpoint (RequestResult envelope, JSON or XML)",
  description:
    "The API key must belong to an app with this appid. An optional JSON body {access_token} is a passive refresh report. Answers XML when Accept asks for application/xml or text/xml.",
  security: [{ ApiKey: [] }],
  request: {
    // The optional body is read by the handler: the validator would refuse an empty JSON body.
    query: z.object({ appid: z.string().min(1).max(64).openapi({ example: "wx4f4bc4dec97d474b" }) }),
  },
  responses: {
    200: {
      description: "RequestResult",
      content: {
        "application/json": { schema: RequestResultSchema },
        "application/xml": { schema: RequestResultSchema },
      },
    },
    401: jsonContent(RequestResultSchema, "Missing or unknown API key"),
    403: jsonContent(RequestResultSchema, "The API key's app has another appid"),
    503: jsonContent(RequestResultSchema, "WeChat unreachable and no valid token held"),
  },
});

export const legacyRoutes = newRouter();

legacyRoutes.use("/api/v1/Common/WxToken", async (c, next) => {
  c.set("renderError", renderLegacyError);
  await next();
});
legacyRoutes.use(
  "/api/v1/Common/WxToken",
  limitBody,
  requireApiKey(() => null),
);

legacyRoutes.openapi(legacyToken, async (c) => {
  const { appid } = c.req.valid("query");
  if (c.var.app.appId !== appid) throw new GatewayError(403, "this API key is not allowed for this appid");
  const report = await readOptionalReport(c);
  const credential = credentialOrThrow(
    report ? await reportRejectedToken(c.env, appid, report) : await currentToken(c.env, appid),
  );
  const result: RequestResult = {
    Data: { ...presentToken(credential), errcode: 0, errmsg: "ok" },
    Status: 0,
    Message: "",
    Total: 0,
  };
  return render(c, result, 200) as never;
});

/** The body is optional: empty or absent means a plain read. */
async function readOptionalReport(c: Context<GatewayEnv>): Promise<string | null> {
  const text = await c.req.text();
  if (text.trim() === "") return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewayError(400, 'body: must be JSON like {"access_token": "..."} or empty');
  }
  const parsed = RefreshReportSchema.partial().safeParse(body);
  if (!parsed.success) throw new GatewayError(400, describeValidationError(parsed.error));
  return parsed.data.access_token ?? null;
}

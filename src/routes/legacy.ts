import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { currentToken, reportRejectedToken } from "../tokens/current-token.ts";
import { limitBody } from "./api-v1.ts";
import { requireApiKey } from "./auth.ts";
import { describeValidationError, type GatewayEnv, newRouter } from "./envelope.ts";
import {
  APPLICATION_NAMESPACE,
  type LegacyResult,
  legacyTime,
  NO_TIME,
  REQUEST_RESULT_ROOT,
  readTokenXml,
  requestResultXml,
  TOKEN_ELEMENT,
  WEIXIN_NAMESPACE,
} from "./legacy-contract.ts";
import { presentToken, RefreshReportSchema } from "./tokens.ts";

// POST /api/v1/Common/WxToken?appid=: a drop-in replacement for the endpoint the .NET service's
// clients were written against. It answers that service's RequestResult envelope (Status 0 =
// success) in JSON, or in XML as DataContractSerializer wrote it, and reads the optional report in
// every format that service accepted (JSON, XML, form), so that an unchanged client keeps working.

const LegacyTokenSchema = z
  .object({
    access_token: z.string(),
    expires_in: z.number().int(),
    expires_time: z.string().openapi({ example: "2025-05-04T19:07:20.4180000+08:00" }),
    create_time: z.string().openapi({ example: "2025-05-04T17:07:20.4180000+08:00" }),
    errcode: z.number().int(),
    errmsg: z.string(),
  })
  .openapi("LegacyWxToken", {
    description: `WxAccess_Token. Times are .NET DateTimes: +08:00 and 7 fractional digits; ${NO_TIME} when there is no token.`,
  });

const RequestResultSchema = z
  .object({
    Data: LegacyTokenSchema.nullable(),
    Status: z.union([z.literal(0), z.literal(1)]).openapi({ description: "0 = success, 1 = failure" }),
    Message: z.string(),
    Total: z.number().int(),
  })
  .openapi("RequestResult");

/** The report's XML: what DataContractSerializer writes for a WxAccess_Token (other members ignored). */
const TokenXmlSchema = z
  .object({ access_token: z.string().openapi({ xml: { namespace: WEIXIN_NAMESPACE } }) })
  .openapi("WxAccess_Token", { xml: { name: TOKEN_ELEMENT, namespace: WEIXIN_NAMESPACE } });

const REPORT_REF = { $ref: "#/components/schemas/RefreshReport" };
const RESULT_XML = {
  allOf: [{ $ref: "#/components/schemas/RequestResult" }],
  xml: { name: REQUEST_RESULT_ROOT, namespace: APPLICATION_NAMESPACE },
};

/** Every answer, success or refusal, is a RequestResult in the format the Accept header asks for. */
function resultContent(description: string) {
  return {
    description,
    content: {
      "application/json": { schema: RequestResultSchema },
      "text/json": { schema: RequestResultSchema },
      "application/xml": { schema: RESULT_XML },
      "text/xml": { schema: RESULT_XML },
    },
  };
}

type AnswerFormat = { xml: boolean; contentType: string };

const XML_TYPES = ["application/xml", "text/xml"];
const JSON_TYPES = ["application/json", "text/json"];

/**
 * XML when Accept names application/xml or text/xml (as the .NET service did), else JSON. The
 * Content-Type is the type asked for, as ASP.NET Web API answered: text/xml for text/xml,
 * text/json for text/json.
 */
function answerFormat(accept: string | undefined): AnswerFormat {
  const ranges = (accept ?? "")
    .split(",")
    .map((range, order) => {
      const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
      const q = Number(params.find((p) => /^q\s*=/.test(p))?.replace(/^q\s*=\s*/, "") ?? 1);
      // An unreadable weight counts as the default; q=0 means "not this type".
      return { type, order, q: Number.isFinite(q) ? q : 1 };
    })
    .filter((range) => range.q > 0)
    .sort((a, b) => b.q - a.q || a.order - b.order);
  const xml = ranges.find((range) => XML_TYPES.includes(range.type));
  if (xml) return { xml: true, contentType: `${xml.type}; charset=utf-8` };
  const json = ranges.find((range) => JSON_TYPES.includes(range.type))?.type ?? "application/json";
  return { xml: false, contentType: `${json}; charset=utf-8` };
}

function render(c: Context<GatewayEnv>, result: LegacyResult, status: ContentfulStatusCode): Response {
  const format = answerFormat(c.req.header("Accept"));
  const text = format.xml ? requestResultXml(result) : JSON.stringify(result);
  return c.body(text, status, { "Content-Type": format.contentType });
}

/**
 * A refusal: Status 1 and the reason in Message. When WeChat refused, Data carries its errcode and
 * errmsg, with the token members as the service left them when it got no token.
 */
function renderLegacyError(c: Context<GatewayEnv>, error: GatewayError): Response {
  const data =
    error.errcode === undefined
      ? null
      : {
          access_token: "",
          expires_in: 0,
          expires_time: NO_TIME,
          create_time: NO_TIME,
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
    "The API key must belong to an app with this appid. Answers the .NET service's RequestResult: JSON by default (also for Accept: text/json), XML as DataContractSerializer writes RequestResult<WxAccess_Token> for Accept: application/xml or text/xml. Times have +08:00 and 7 fractional digits. The optional body is a passive refresh report in any of the listed formats; no body is a plain read. Refusals are a RequestResult too (Status 1, Message, Data null or WeChat's errcode and errmsg).",
  security: [{ ApiKey: [] }],
  request: {
    query: z.object({ appid: z.string().min(1).max(64).openapi({ example: "wx4f4bc4dec97d474b" }) }),
    // Described here, read by the handler: references rather than zod schemas for the JSON and
    // form types keep the router from validating (and refusing) what the handler reads itself.
    body: {
      required: false,
      description: "Optional passive refresh report: the access_token WeChat rejected.",
      content: {
        "application/json": { schema: REPORT_REF },
        "text/json": { schema: REPORT_REF },
        "application/xml": { schema: TokenXmlSchema },
        "text/xml": { schema: TokenXmlSchema },
        "application/x-www-form-urlencoded": { schema: REPORT_REF },
      },
    },
  },
  responses: {
    200: resultContent("RequestResult with the current token"),
    400: resultContent("Missing appid, or a body that is not a report"),
    401: resultContent("Missing or unknown API key"),
    403: resultContent("The API key's app has another appid"),
    413: resultContent("A body over 64 KB"),
    429: resultContent("The appid's token budget is spent"),
    502: resultContent("WeChat refused to issue a token (its errcode and errmsg in Data)"),
    503: resultContent("WeChat unreachable and no valid token held"),
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
  const { credential } = orThrow(
    report ? await reportRejectedToken(c.env, appid, report) : await currentToken(c.env, appid),
  );
  const { access_token, expires_in } = presentToken(credential);
  const result: LegacyResult = {
    Data: {
      access_token,
      expires_in,
      expires_time: legacyTime(credential.expiresAt),
      create_time: legacyTime(credential.createdAt),
      errcode: 0,
      errmsg: "ok",
    },
    Status: 0,
    Message: "",
    Total: 0,
  };
  return render(c, result, 200) as never;
});

type BodyFormat = "json" | "xml" | "form";

/** By Content-Type, as the service chose its formatter; without one, JSON (as this endpoint always read). */
function bodyFormat(contentType: string | undefined): BodyFormat {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (XML_TYPES.includes(type)) return "xml";
  if (type === "application/x-www-form-urlencoded") return "form";
  return "json";
}

const NOT_A_REPORT =
  'body: must be a report: {"access_token": "..."} as application/json, a WxAccess_Token as application/xml, access_token=... as application/x-www-form-urlencoded, or empty';

/** The body's fields as the report schema checks them; only access_token matters. */
function reportFields(format: BodyFormat, text: string): unknown {
  if (format === "xml") {
    const read = readTokenXml(text);
    if (!read.ok) throw new GatewayError(400, read.reason);
    return read.accessToken === undefined ? {} : { access_token: read.accessToken };
  }
  if (format === "form") {
    // curl -d sends JSON as a form; read as a form it would be a report silently ignored.
    if (text.trimStart().startsWith("{"))
      throw new GatewayError(400, "body: JSON sent as a form: send it with Content-Type: application/json");
    const tokens = new URLSearchParams(text).getAll("access_token");
    if (tokens.length > 1) throw new GatewayError(400, "access_token: given more than once");
    return tokens.length === 0 ? {} : { access_token: tokens[0] };
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError(400, NOT_A_REPORT);
  }
}

/** The body is optional: empty or absent, or a report without access_token, means a plain read. */
async function readOptionalReport(c: Context<GatewayEnv>): Promise<string | null> {
  // Decoded from bytes: workerd warns when .text() reads a body whose type is not text (a form).
  const text = new TextDecoder().decode(await c.req.arrayBuffer());
  if (text.trim() === "") return null;
  const fields = reportFields(bodyFormat(c.req.header("Content-Type")), text);
  const parsed = RefreshReportSchema.partial().safeParse(fields);
  if (!parsed.success) throw new GatewayError(400, describeValidationError(parsed.error));
  return parsed.data.access_token ?? null;
}

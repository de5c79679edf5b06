import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, type Answer } from "../support/gateway.ts";
import { headerText, oddAppKeySegment, oddText, rawBodyText } from "./arbitraries.ts";
import { askRaw, expectNoWeChatCall, expectRefusal, RUNS, said, WIDE_RUNS } from "./bad-input.ts";
import { type Apps, appIdsOf, queryString, registerApps } from "./endpoints.ts";

// /proxy/{appKey}/… answers in WeChat's own shape ({errcode, errmsg}), so SDKs can read it. Without
// a credential (an API key for the appKey, a token the gateway issued, the app's own secret for a
// token call) nothing is forwarded and no token is fetched, whatever the method, path, query,
// headers or body; the answer is never a 5xx, except 502 when WeChat cannot be reached.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("proxy");
});

/** WeChat's error shape, HTTP 200 (or 400/403/404/413 for the gateway's own refusals: 400 is a path refused as spelled). */
function expectWeChatError(answer: Answer<unknown>, request: string): { errcode: number; errmsg: string } {
  const message = said(request, answer);
  expect(answer.status, message).not.toBe(500);
  if (answer.status >= 500) expect(answer.status, message).toBe(502);
  else expect([200, 400, 403, 404, 413], message).toContain(answer.status);
  expect(answer.headers.get("content-type") ?? "", message).toMatch(/^application\/json\b/);
  const body = answer.body as Record<string, unknown>;
  expect(Object.keys(body).sort(), message).toEqual(["errcode", "errmsg"]);
  expect(Number.isInteger(body.errcode), message).toBe(true);
  expect(body.errcode, message).not.toBe(0);
  expect(typeof body.errmsg, message).toBe("string");
  return body as { errcode: number; errmsg: string };
}

const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH");

/** Upstream paths: real WeChat APIs, random ones under the allowed prefixes, and anything at all. */
const upstreamPath = fc.oneof(
  fc.constantFrom(
    "/cgi-bin/message/custom/send",
    "/cgi-bin/get_api_domain_ip",
    "/cgi-bin/ticket/getticket",
    "/cgi-bin/user/info",
    "/cgi-bin/media/upload",
    "/wxa/getwxacodeunlimit",
    "/wxa/msg_sec_check",
    "/sns/userinfo",
    "/datacube/getweanalysisappiddailysummarytrend",
    "/cgi-bin/token/extra",
    "/cgi-bin/../cgi-bin/user/info",
    "/cgi-bin/%2e%2e/__sim/apps",
    "/cgi-bin/..%2F__sim",
    "//cgi-bin/user/info",
    "/",
    "",
  ),
  fc
    .tuple(fc.constantFrom("/cgi-bin/", "/wxa/", "/sns/", "/"), fc.array(fc.webSegment(), { maxLength: 4 }))
    .map(([prefix, segments]) => prefix + segments.join("/")),
  oddText.map((t) => `/cgi-bin/${encodeURIComponent(t.toWellFormed())}`),
);

/** A query that is no credential: no access_token, or one this gateway never issued. */
const query = fc.record(
  {
    access_token: fc.oneof(
      headerText,
      oddText,
      fc.stringMatching(/^[0-9]_[A-Za-z0-9_-]{20,140}$/),
      fc.constant(""),
    ),
    appid: fc.oneof(fc.constant("wxbadproxymp"), oddText),
    type: fc.constantFrom("jsapi", "wx_card"),
    media_id: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: [] },
);

/** An Authorization that is no credential for this appKey. */
const authorization = fc.oneof(
  fc.constant(undefined),
  headerText,
  fc.constantFrom("other-app-key", "session", "admin"),
);

function authHeader(choice: string | undefined): string | undefined {
  if (choice === "other-app-key") return `Bearer ${apps.oa.apiKey}`;
  if (choice === "session") return `Bearer ${apps.user.session}`;
  if (choice === "admin") return `Bearer ${ADMIN_TOKEN}`;
  return choice;
}

function send(
  verb: string,
  path: string,
  options: { authorization?: string | undefined; body?: string; contentType?: string } = {},
) {
  const headers = new Headers();
  if (options.authorization !== undefined) headers.set("Authorization", options.authorization);
  if (options.body !== undefined) headers.set("Content-Type", options.contentType ?? "application/json");
  const request = `${verb} ${path} Authorization: ${options.authorization?.slice(0, 60)} ${options.body?.slice(0, 120) ?? ""}`;
  return expectNoWeChatCall(appIdsOf(apps), request, () =>
    askRaw(verb, path, {
      headers,
      ...(options.body === undefined || verb === "GET" ? {} : { body: options.body }),
    }),
  ).then((answer) => ({ request, answer }));
}

describe("without a credential", () => {
  it("nothing is forwarded, whatever the method, path, query, headers and body", async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        upstreamPath.filter((p) => !p.includes("token") && !p.includes("jscode2session")),
        query,
        authorization,
        fc.option(rawBodyText, { nil: undefined }),
        async (verb, path, q, auth, body) => {
          const { request, answer } = await send(verb, `/proxy/${apps.mp.appKey}${path}${queryString(q)}`, {
            authorization: authHeader(auth),
            ...(body === undefined ? {} : { body }),
          });
          expectWeChatError(answer, request);
        },
      ),
      { numRuns: WIDE_RUNS },
    );
  });

  it("a token call with anything but the app's own secret fetches no token", async () => {
    const appid = fc.oneof(
      fc.constant("wxbadproxymp"),
      fc.constant("wxbadproxyoa"),
      oddText,
      fc.constant(""),
    );
    const secret = fc.oneof(headerText, oddText, fc.constant(""), fc.constant("sim-test-secreT"));
    const grantType = fc.oneof(fc.constant("client_credential"), headerText);
    const credentials = fc.record(
      { grant_type: grantType, appid, secret, force_refresh: fc.boolean() },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        credentials,
        authorization,
        fc.option(rawBodyText, { nil: undefined }),
        async (classic, creds, auth, raw) => {
          const q = Object.fromEntries(Object.entries(creds).map(([k, v]) => [k, String(v)]));
          const { request, answer } = classic
            ? await send("GET", `/proxy/${apps.mp.appKey}/cgi-bin/token${queryString(q)}`, {
                authorization: authHeader(auth),
              })
            : await send("POST", `/proxy/${apps.mp.appKey}/cgi-bin/stable_token`, {
                authorization: authHeader(auth),
                body: raw ?? JSON.stringify(creds),
              });
          expectWeChatError(answer, request);
        },
      ),
      { numRuns: WIDE_RUNS },
    );
  });

  it("an SDK login without the app's secret, key or token is not forwarded", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            appid: fc.oneof(fc.constant("wxbadproxymp"), oddText, fc.constant("")),
            secret: fc.oneof(headerText, oddText),
            js_code: fc.oneof(headerText, oddText),
            grant_type: fc.oneof(fc.constant("authorization_code"), headerText),
            access_token: fc.oneof(headerText, oddText),
          },
          { requiredKeys: [] },
        ),
        authorization,
        async (q, auth) => {
          const { request, answer } = await send(
            "GET",
            `/proxy/${apps.mp.appKey}/sns/jscode2session${queryString(q)}`,
            {
              authorization: authHeader(auth),
            },
          );
          expectWeChatError(answer, request);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe("an odd appKey", () => {
  it("is answered in WeChat's shape and forwards nothing, even with the app's real key", async () => {
    await fc.assert(
      fc.asyncProperty(
        oddAppKeySegment,
        method,
        upstreamPath,
        fc.constantFrom(undefined, "own-key"),
        async (segment, verb, path, auth) => {
          const authorizationValue = auth === "own-key" ? `Bearer ${apps.mp.apiKey}` : undefined;
          const { request, answer } = await send(verb, `/proxy/${segment}${path}`, {
            authorization: authorizationValue,
            ...(verb === "GET" ? {} : { body: "{}" }),
          });
          const { pathname } = new URL(`https://gateway.test/proxy/${segment}${path}`);
          if (!/^\/proxy\/[^/]+/.test(pathname)) {
            // Dot segments took the path out of /proxy/{appKey}/: the gateway's own 404 envelope.
            expectRefusal(answer, request);
            return;
          }
          expectWeChatError(answer, request);
        },
      ),
      { numRuns: WIDE_RUNS },
    );
  });
});

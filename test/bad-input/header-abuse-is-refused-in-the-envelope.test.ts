import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../support/gateway.ts";
import { headerText, oddHeaderText } from "./arbitraries.ts";
import {
  askRaw,
  expectFieldRefused,
  expectNoWeChatCall,
  expectRefusal,
  RUNS,
  said,
  WIDE_RUNS,
} from "./bad-input.ts";
import {
  ADMIN_APP_ROUTES,
  type Apps,
  type Auth,
  appFor,
  appIdsOf,
  appKeyFor,
  BODY_ENDPOINTS,
  credentialFor,
  QUERY_ENDPOINTS,
  queryString,
  registerApps,
  wrongTypedBodyFor,
} from "./endpoints.ts";

// Whatever arrives as Authorization — garbage, a huge value, "Bearer" with spaces or unicode in
// it, a real key with something added, two values at once — an endpoint that needs a credential
// answers 401 (403 for a well-formed credential of the other kind) in its envelope. A body under a
// Content-Type that is not JSON, or under none, is a 400 even when it would be a valid request;
// JSON with parameters (charset=x) or a +json type is read as JSON. Nothing reaches WeChat.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("headers");
});

type Target = {
  name: string;
  method: string;
  path: () => string;
  auth: Exclude<Auth, "public">;
  /** The credential that would let the request in. */
  credential: () => string;
  body?: string;
};

function targets(): Target[] {
  const list: Target[] = [];
  for (const endpoint of BODY_ENDPOINTS) {
    if (endpoint.auth === "public") continue;
    list.push({
      name: endpoint.name,
      method: endpoint.method,
      path: () => endpoint.path(appKeyFor(apps, endpoint)),
      auth: endpoint.auth,
      credential: () => credentialFor(apps, endpoint)!,
      body: JSON.stringify(endpoint.valid),
    });
  }
  for (const endpoint of QUERY_ENDPOINTS) {
    if (endpoint.auth === "public") continue;
    list.push({
      name: endpoint.name,
      method: "GET",
      path: () => `${endpoint.path(appFor(apps, endpoint.type).appKey)}${queryString(endpoint.valid)}`,
      auth: endpoint.auth,
      credential: () => credentialFor(apps, endpoint)!,
    });
  }
  const admin = { auth: "admin" as const, credential: () => ADMIN_TOKEN };
  list.push({ name: "admin GET apps", method: "GET", path: () => "/admin/apps", ...admin });
  for (const route of ADMIN_APP_ROUTES) {
    // Were the admin check ever passed, DELETE would remove an appKey nobody uses.
    const appKey = () => (route.method === "DELETE" ? "bad-headers-nobody" : apps.mp.appKey);
    list.push({
      name: `admin ${route.name}`,
      method: route.method,
      path: () => route.path(appKey()),
      ...admin,
    });
  }
  return list;
}

/** The gateway's reading of Authorization (src/routes/auth.ts), to tell 401 from 403. */
function expectedStatus(authorization: string, auth: Target["auth"]): 401 | 403 {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization.trim())?.[1];
  if (!token) return 401;
  if (auth === "apiKey" && /^wgs_[A-Za-z0-9_-]{43}$/.test(token)) return 403;
  if (auth === "session" && /^wgk_[0-9a-f]{16}_[0-9a-f]{64}$/.test(token)) return 403;
  return 401;
}

/**
 * Authorization values that are no valid credential for anything; with `unicode`, text beyond
 * ASCII too (RTL overrides, zero-width characters, emoji, no-break spaces...).
 */
function abusiveAuthorization(unicode = false): fc.Arbitrary<string> {
  const text = unicode ? oddHeaderText : headerText;
  const scheme = fc.constantFrom("Bearer", "bearer", "BEARER", "Bearer:", "Basic", "Token", "Digest", "");
  const gap = fc.constantFrom(" ", "  ", "\t", " \t ", "");
  const real = fc.constantFrom(apps.mp.apiKey, apps.oa.apiKey, apps.user.session);
  return fc.oneof(
    text,
    fc.tuple(scheme, gap, text).map(([s, g, v]) => `${s}${g}${v}`),
    // A real credential broken by a space, a comma, quotes, a missing or extra character.
    fc
      .tuple(
        real,
        fc.oneof(
          text.filter((t) => t.trim() !== ""),
          fc.constantFrom(" x", ",", ";", "0", "."),
        ),
      )
      .map(([token, tail]) => `Bearer ${token}${tail}`),
    fc.tuple(real, fc.integer({ min: 1, max: 40 })).map(([token, cut]) => `Bearer ${token.slice(0, -cut)}`),
    real.map((token) => `Bearer "${token}"`),
    real.map((token) => `Bearer ${token.slice(0, 10)} ${token.slice(10)}`),
    real.map((token) => `Basic ${btoa(`user:${token}`)}`),
    real,
    // Huge values (the gateway hashes what it is given); ASCII, or workerd's warning would print them.
    fc
      .tuple(
        fc.constantFrom("Bearer ", "Bearer wgk_", "Bearer wgs_", ""),
        fc.integer({ min: 8_000, max: 200_000 }),
        fc.constantFrom("a", "0", " a", "~"),
      )
      .map(([prefix, n, c]) => prefix + c.repeat(Math.ceil(n / c.length))),
    // Well-formed, but nobody's: random ids and secrets.
    fc
      .tuple(fc.stringMatching(/^[0-9a-f]{16}$/), fc.stringMatching(/^[0-9a-f]{64}$/))
      .map(([id, secret]) => `Bearer wgk_${id}_${secret}`),
    fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((t) => `Bearer wgs_${t}`),
    fc.constantFrom("Bearer", "Bearer ", "", "Bearer null", "Bearer undefined", "Bearer ,"),
  );
}

function headersWith(authorizations: string[], body: string | undefined): Headers {
  const headers = new Headers();
  for (const value of authorizations) headers.append("Authorization", value);
  if (body !== undefined) headers.set("Content-Type", "application/json");
  return headers;
}

/** Sends `target` with these Authorization values and checks the refusal. */
async function expectAuthorizationRefused(target: Target, authorizations: string[], status?: 401 | 403) {
  const path = target.path();
  const headers = headersWith(authorizations, target.body);
  const sent = headers.get("Authorization") ?? "";
  const request = `${target.method} ${path} Authorization: ${sent.slice(0, 200)} (${sent.length} chars)`;
  const answer = await askRaw(target.method, path, {
    headers,
    ...(target.body === undefined ? {} : { body: target.body }),
  });
  expectRefusal(answer, request);
  expect(answer.status, said(request, answer)).toBe(status ?? expectedStatus(sent, target.auth));
}

// The WeChat call counters are compared around each whole property (rejectable-input-never-
// reaches-wechat.test.ts compares them around each request).
const noWeChatCall = (what: string, property: () => Promise<void>) =>
  expectNoWeChatCall(appIdsOf(apps), what, property);

describe("a bad Authorization", () => {
  it.each(targets().map((t) => [t.name, t] as const))("is refused by %s", async (_, target) => {
    await noWeChatCall(`${target.name} with a bad Authorization`, () =>
      fc.assert(
        fc.asyncProperty(abusiveAuthorization(), (authorization) =>
          expectAuthorizationRefused(target, [authorization]),
        ),
        { numRuns: RUNS },
      ),
    );
  });

  it.each(targets().map((t) => [t.name, t] as const))(
    "%s refuses several Authorization values, even when one of them is right",
    async (_, target) => {
      const right = `Bearer ${target.credential()}`;
      await noWeChatCall(`${target.name} with several Authorization values`, () =>
        fc.assert(
          fc.asyncProperty(
            // Empty values are left out: they do not reach the gateway as values at all.
            fc.array(
              fc.oneof(fc.constant(right), abusiveAuthorization()).filter((v) => v.trim() !== ""),
              { minLength: 1, maxLength: 3 },
            ),
            fc.nat(3),
            async (others, at) => {
              const values = [...others];
              values.splice(at % (values.length + 1), 0, right);
              await expectAuthorizationRefused(target, values, 401);
            },
          ),
          { numRuns: 5 },
        ),
      );
    },
  );

  // One property over every endpoint: workerd warns about each non-ASCII header it sends.
  it("with unicode in it is refused by every endpoint that needs a credential", async () => {
    await noWeChatCall("unicode Authorization", () =>
      fc.assert(
        fc.asyncProperty(fc.constantFrom(...targets()), abusiveAuthorization(true), (target, authorization) =>
          expectAuthorizationRefused(target, [authorization]),
        ),
        { numRuns: WIDE_RUNS },
      ),
    );
  });

  it("is refused by the legacy WxToken with a 401 RequestResult", async () => {
    const path = `/api/v1/Common/WxToken?appid=${apps.mp.appId}`;
    await noWeChatCall("legacy WxToken with a bad Authorization", () =>
      fc.assert(
        fc.asyncProperty(abusiveAuthorization(), async (authorization) => {
          const headers = headersWith([authorization], undefined);
          const request = `POST ${path} Authorization: ${authorization.slice(0, 120)}`;
          const answer = await askRaw("POST", path, { headers });
          expect(answer.status, said(request, answer)).toBe(
            expectedStatus(headers.get("Authorization") ?? "", "apiKey"),
          );
          expect(answer.body, said(request, answer)).toEqual({
            Data: null,
            Status: 1,
            Message: expect.any(String),
            Total: 0,
          });
        }),
        { numRuns: RUNS },
      ),
    );
  });
});

/** What the gateway takes for JSON (@hono/zod-openapi's check of a declared application/json body). */
const DECLARED_JSON = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

const notJsonContentType = fc
  .oneof(
    fc.constantFrom(
      "text/plain",
      "text/plain;charset=UTF-8",
      "text/json",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=xyz",
      "application/xml",
      "application/octet-stream",
      "application/json;",
      "application/json; charset",
      "application/json, text/plain",
      "application/jsonp",
      "application/json5",
      "application/x_y+json",
      " ",
      "*/*",
      "json",
      "application/",
    ),
    headerText,
    fc
      .tuple(fc.constantFrom("application/json", "application/vnd.api+json"), headerText)
      .map(([t, tail]) => t + tail),
  )
  .filter((type) => !DECLARED_JSON.test(type.trim()));

const jsonContentType = fc.oneof(
  fc.constantFrom(
    "application/json",
    "APPLICATION/JSON",
    "Application/Json",
    "application/json; charset=x",
    "application/json;charset=utf-16",
    'application/json; charset="utf-8"',
    "application/vnd.api+json",
    "application/merge-patch+json",
    "application/json; foo=bar; baz=1",
  ),
  fc
    .tuple(fc.stringMatching(/^[a-z-]{1,12}$/), fc.stringMatching(/^[A-Za-z0-9-]{1,12}$/))
    .map(([key, value]) => `application/json; ${key}=${value}`),
);

describe("a Content-Type that is not JSON", () => {
  const endpoints = BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const);

  function send(endpoint: (typeof BODY_ENDPOINTS)[number], contentType: string | null, body: BodyInit) {
    const path = endpoint.path(appKeyFor(apps, endpoint));
    const headers = new Headers();
    const token = credentialFor(apps, endpoint);
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (contentType !== null) headers.set("Content-Type", contentType);
    const shown = typeof body === "string" ? body.slice(0, 200) : "bytes";
    return {
      request: `${endpoint.method} ${path} Content-Type: ${contentType} ${shown}`,
      answer: askRaw(endpoint.method, path, { headers, body }),
    };
  }

  it.each(endpoints)("makes a valid body a 400 from %s", async (_, endpoint) => {
    await expectNoWeChatCall(appIdsOf(apps), `${endpoint.name} with a Content-Type that is not JSON`, () =>
      fc.assert(
        fc.asyncProperty(notJsonContentType, async (contentType) => {
          const { request, answer } = send(endpoint, contentType, JSON.stringify(endpoint.valid));
          expectFieldRefused(await answer, request, "Content-Type");
        }),
        { numRuns: RUNS },
      ),
    );
  });

  it.each(endpoints)("(none at all) makes a valid body a 400 from %s", async (_, endpoint) => {
    await expectNoWeChatCall(appIdsOf(apps), `${endpoint.name} without a Content-Type`, () =>
      fc.assert(
        fc.asyncProperty(fc.boolean(), async (asStream) => {
          const bytes = new TextEncoder().encode(JSON.stringify(endpoint.valid));
          const { request, answer } = send(endpoint, null, asStream ? new Blob([bytes]).stream() : bytes);
          expectFieldRefused(await answer, request, "Content-Type");
        }),
        { numRuns: 2, examples: [[true], [false]] },
      ),
    );
  });

  it.each(endpoints)("with parameters or a +json type is still read as JSON by %s", async (_, endpoint) => {
    await expectNoWeChatCall(appIdsOf(apps), `${endpoint.name} with a JSON Content-Type`, () =>
      fc.assert(
        fc.asyncProperty(
          jsonContentType,
          wrongTypedBodyFor(endpoint),
          async (contentType, { field, body }) => {
            const { request, answer } = send(endpoint, contentType, body);
            expectFieldRefused(await answer, request, field);
          },
        ),
        { numRuns: RUNS },
      ),
    );
  });
});

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN } from "../support/gateway.ts";
import { APP_KEY_PATTERN, oddText, randomValue, rawBodyText, textBreaking } from "./arbitraries.ts";
import { ask, expectFieldRefused, expectNoWeChatCall, expectRefusal, RUNS, said } from "./bad-input.ts";
import {
  type Apps,
  appFor,
  appIdsOf,
  appKeyFor,
  BODY_ENDPOINTS,
  credentialFor,
  QUERY_ENDPOINTS,
  queryString,
  randomBodyFor,
  registerApps,
  wrongTypedBodyFor,
} from "./endpoints.ts";

// Input the gateway can judge by itself — a body or query that breaks a rule, a credential for
// something else, an operation for the other app type, an appKey or appid nobody registered — is
// refused before WeChat hears of it: no business call, no token or ticket call, no path counted.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("reject");
});

describe("a body that breaks a rule", () => {
  it.each(BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is refused by %s, naming a field of the wrong type, and calls nobody",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      // Random JSON or text; or a request right in every way but one field of the wrong JSON type
      // (a number for a string, an array for an object, null for an optional field...), which the
      // 400 names whatever unknown fields come along.
      const body = fc.oneof(
        { weight: 1, arbitrary: randomBodyFor(endpoint).map((text) => ({ field: null, body: text })) },
        { weight: 2, arbitrary: wrongTypedBodyFor(endpoint) },
      );
      await fc.assert(
        fc.asyncProperty(body, async ({ field, body: text }) => {
          const request = `${endpoint.method} ${path} ${text.slice(0, 200)}`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
            ask(endpoint.method, path, { ...(token ? { token } : {}), body: text }),
          );
          if (field === null) expectRefusal(answer, request);
          else expectFieldRefused(answer, request, field);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

/** Query values that break each GET parameter's rule. */
const BREAKING: Record<string, fc.Arbitrary<string>> = {
  js_code: fc.oneof(textBreaking(/^[\x21-\x7e]{1,256}$/), fc.constant("c".repeat(257))),
  openid: textBreaking(/^[A-Za-z0-9_-]{1,64}$/),
  lang: textBreaking(/^(zh_CN|zh_TW|en)$/),
  url: fc.oneof(textBreaking(/^https?:\/\/\S+$/i), fc.constant(`https://a.test/${"p".repeat(4096)}`)),
  jsApiList: textBreaking(/^[A-Za-z]+(,[A-Za-z]+)*$/),
  signInKey: fc.oneof(textBreaking(/^[1-9][0-9]{0,15}$/), fc.constantFrom("0", "9007199254740992")),
  encryptedData: fc.oneof(oddText, fc.string({ maxLength: 40 })),
  iv: fc.oneof(oddText, fc.string({ maxLength: 40 })),
  sessionKey: fc.oneof(oddText, fc.string({ maxLength: 40 })),
};

/** Query parameters that may be left out. */
const OPTIONAL = new Set(["lang", "jsApiList"]);

describe("a query that breaks a rule", () => {
  const endpoints = QUERY_ENDPOINTS.filter((endpoint) => Object.keys(endpoint.valid).length > 0);
  it.each(endpoints.map((endpoint) => [endpoint.name, endpoint] as const))(
    "calls nobody from %s",
    async (_, endpoint) => {
      const token = credentialFor(apps, endpoint);
      const fields = Object.keys(endpoint.valid);
      const broken = fc
        .constantFrom(...fields)
        .chain((field) => fc.tuple(fc.constant(field), BREAKING[field]!, fc.boolean()));
      await fc.assert(
        fc.asyncProperty(broken, async ([field, value, drop]) => {
          const query = { ...endpoint.valid, [field]: value };
          if (drop && !OPTIONAL.has(field)) delete query[field];
          const path = `${endpoint.path(appFor(apps, endpoint.type).appKey)}${queryString(query)}`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), `GET ${path}`, () =>
            ask("GET", path, token ? { token } : {}),
          );
          expectRefusal(answer, `GET ${path}`);
          expect(answer.status, said(`GET ${path}`, answer)).toBe(400);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

type Call = { name: string; method: string; path: () => string; body?: string; auth: "apiKey" | "session" };

/** Every endpoint that needs an API key or a session, with input it would accept. */
function calls(): Call[] {
  const list: Call[] = [];
  for (const endpoint of BODY_ENDPOINTS) {
    if (endpoint.auth !== "apiKey" && endpoint.auth !== "session") continue;
    list.push({
      name: endpoint.name,
      method: endpoint.method,
      path: () => endpoint.path(appKeyFor(apps, endpoint)),
      body: JSON.stringify(endpoint.valid),
      auth: endpoint.auth,
    });
  }
  for (const endpoint of QUERY_ENDPOINTS) {
    if (endpoint.auth !== "apiKey") continue;
    list.push({
      name: endpoint.name,
      method: "GET",
      path: () => `${endpoint.path(appFor(apps, endpoint.type).appKey)}${queryString(endpoint.valid)}`,
      auth: "apiKey",
    });
  }
  return list;
}

describe("a credential for something else", () => {
  it.each(calls().map((c) => [c.name, c] as const))("calls nobody from %s", async (_, target) => {
    // Another app's key, a key where a session is wanted (and the reverse), the admin token, none.
    const others = () => {
      const path = target.path();
      const ownKey = path.includes(apps.oa.appKey) ? apps.oa.apiKey : apps.mp.apiKey;
      const otherKey = ownKey === apps.oa.apiKey ? apps.mp.apiKey : apps.oa.apiKey;
      return target.auth === "session"
        ? [apps.mp.apiKey, apps.oa.apiKey, ADMIN_TOKEN, undefined]
        : [otherKey, apps.user.session, ADMIN_TOKEN, undefined];
    };
    await fc.assert(
      fc.asyncProperty(fc.nat(3), async (which) => {
        const token = others()[which];
        const path = target.path();
        const request = `${target.method} ${path} as ${token?.slice(0, 8) ?? "nobody"}`;
        const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
          ask(target.method, path, {
            ...(token ? { token } : {}),
            ...(target.body ? { body: target.body } : {}),
          }),
        );
        expectRefusal(answer, request);
        expect([401, 403], said(request, answer)).toContain(answer.status);
      }),
      { numRuns: 8 },
    );
  });
});

describe("an operation for the other app type", () => {
  // The token endpoints serve both app types.
  const typed = [...BODY_ENDPOINTS, ...QUERY_ENDPOINTS].filter(
    (endpoint) =>
      (endpoint.auth === "apiKey" || endpoint.auth === "public") && !endpoint.name.startsWith("AccessToken"),
  );
  it.each(typed.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is a 400 from %s that calls nobody",
    async (_, endpoint) => {
      const other = endpoint.type === "miniprogram" ? apps.oa : apps.mp;
      const body = "method" in endpoint ? JSON.stringify(endpoint.valid) : undefined;
      const path =
        "method" in endpoint
          ? endpoint.path(other.appKey)
          : `${endpoint.path(other.appKey)}${queryString(endpoint.valid)}`;
      const method = "method" in endpoint ? endpoint.method : "GET";
      await fc.assert(
        fc.asyncProperty(fc.constant(null), async () => {
          const answer = await expectNoWeChatCall(appIdsOf(apps), `${method} ${path}`, () =>
            ask(method, path, {
              ...(endpoint.auth === "apiKey" ? { token: other.apiKey } : {}),
              ...(body ? { body } : {}),
            }),
          );
          expectRefusal(answer, `${method} ${path}`);
          expect(answer.status, said(`${method} ${path}`, answer)).toBe(400);
        }),
        { numRuns: 1 },
      );
    },
  );
});

describe("an appKey nobody registered", () => {
  const unknownAppKey = fc.stringMatching(APP_KEY_PATTERN).filter((k) => !k.startsWith("bad-reject-"));

  it("is a 404 from the admin status, key and forced-refresh routes, which call nobody", async () => {
    await fc.assert(
      fc.asyncProperty(
        unknownAppKey,
        fc.constantFrom(["POST", "token/refresh"], ["GET", "status"], ["POST", "keys"]),
        async (appKey, [method, route]) => {
          const path = `/admin/apps/${appKey}/${route}`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), `${method} ${path}`, () =>
            ask(method, path, { token: ADMIN_TOKEN }),
          );
          expectRefusal(answer, `${method} ${path}`);
          expect(answer.status, said(`${method} ${path}`, answer)).toBe(404);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("is a 404 from JSCode2Session, which calls nobody", async () => {
    await fc.assert(
      fc.asyncProperty(unknownAppKey, async (appKey) => {
        const path = `/Wechat/${appKey}/JSCode2Session?js_code=some-code`;
        const answer = await expectNoWeChatCall(appIdsOf(apps), `GET ${path}`, () => ask("GET", path));
        expectRefusal(answer, `GET ${path}`);
        expect(answer.status, said(`GET ${path}`, answer)).toBe(404);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("the legacy WxToken", () => {
  const legacy = (appid: string) => `/api/v1/Common/WxToken${queryString({ appid })}`;

  it("calls nobody for an appid that is not the API key's own", async () => {
    const appid = fc.oneof(
      oddText,
      fc.string({ maxLength: 80 }),
      fc.constant(apps?.oa.appId ?? "wxbadrejectoa"),
      fc.stringMatching(/^wx[a-z0-9]{1,20}$/),
    );
    await fc.assert(
      fc.asyncProperty(
        appid.filter((id) => id !== apps.mp.appId),
        async (id) => {
          const path = legacy(id);
          const answer = await expectNoWeChatCall(appIdsOf(apps), `POST ${path}`, () =>
            ask("POST", path, { token: apps.mp.apiKey }),
          );
          expect([400, 403], said(`POST ${path}`, answer)).toContain(answer.status);
          expect(answer.body, said(`POST ${path}`, answer)).toMatchObject({ Data: null, Status: 1 });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("calls nobody for a body it cannot read as a refresh report", async () => {
    const report = fc.oneof(
      rawBodyText.filter((t) => {
        try {
          const v = JSON.parse(new TextDecoder().decode(new TextEncoder().encode(t)));
          return typeof v !== "object" || v === null || Array.isArray(v);
        } catch {
          return t.trim() !== "";
        }
      }),
      randomValue
        .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
        .map((v) => JSON.stringify(v) ?? "undefined"),
      fc
        .oneof(
          fc.constant(""),
          fc.constant("t".repeat(2049)),
          fc.integer(),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.string()),
        )
        .map((token) => JSON.stringify({ access_token: token })),
    );
    await fc.assert(
      fc.asyncProperty(report, async (body) => {
        const path = legacy(apps.mp.appId);
        const request = `POST ${path} ${body.slice(0, 200)}`;
        const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
          ask("POST", path, { token: apps.mp.apiKey, body }),
        );
        expect(answer.status, said(request, answer)).toBe(400);
        expect(answer.body, said(request, answer)).toMatchObject({ Data: null, Status: 1 });
      }),
      { numRuns: RUNS },
    );
  });
});

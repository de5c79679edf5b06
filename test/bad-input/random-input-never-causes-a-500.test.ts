import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Answer } from "../support/gateway.ts";
import { headerText, oddText, randomValue, rawBodyText } from "./arbitraries.ts";
import {
  ask,
  askRaw,
  expectAnsweredWithoutCrash,
  expectNoWeChatCall,
  expectRefusal,
  RUNS,
  said,
  WIDE_RUNS,
} from "./bad-input.ts";
import {
  type Apps,
  appFor,
  appIdsOf,
  appKeyFor,
  BODY_ENDPOINTS,
  credentialFor,
  parsesToObject,
  QUERY_ENDPOINTS,
  type QueryEndpoint,
  randomBodyFor,
  registerApps,
} from "./endpoints.ts";

// Whatever arrives as a body (random JSON of any shape, text that is not JSON, random bytes, no body
// at all) or as a query string, every endpoint answers in its envelope: a 4xx error envelope whose
// code is the HTTP status for what it cannot use, never a 500, never a hang. The legacy WxToken
// answers its RequestResult envelope instead, in XML when Accept asks for it.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("bodies");
});

/** Invalid UTF-8, UTF-16 with a BOM, NUL bytes...: bytes that decode to no acceptable JSON. */
const randomBytes = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 64 }),
  fc.constantFrom(
    Uint8Array.of(0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00),
    Uint8Array.of(0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, 0x7b, 0x7d),
    Uint8Array.of(0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d),
    Uint8Array.of(0x5b, 0x00, 0x5d),
  ),
);

describe("a random body", () => {
  it.each(BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is refused by %s in the envelope",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      const body = fc.oneof(
        { weight: 3, arbitrary: randomBodyFor(endpoint) },
        { weight: 1, arbitrary: randomBytes },
      );
      await fc.assert(
        fc.asyncProperty(body, async (sent) => {
          const text = typeof sent === "string" ? sent : new TextDecoder().decode(sent);
          if (typeof sent !== "string" && endpoint.anyObjectIsValid && parsesToObject(text)) return;
          const headers = new Headers({ "Content-Type": "application/json" });
          if (token) headers.set("Authorization", `Bearer ${token}`);
          const request = `${endpoint.method} ${path} ${typeof sent === "string" ? sent.slice(0, 200) : `bytes ${sent.join(",")}`}`;
          expectRefusal(await askRaw(endpoint.method, path, { headers, body: sent }), request);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

describe("no body at all", () => {
  it.each(BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is refused by %s",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(null, "application/json", "text/plain"), async (contentType) => {
          const headers = new Headers();
          if (token) headers.set("Authorization", `Bearer ${token}`);
          if (contentType !== null) headers.set("Content-Type", contentType);
          const request = `${endpoint.method} ${path} without a body, Content-Type: ${contentType}`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
            askRaw(endpoint.method, path, { headers }),
          );
          // Initiate's fields all have defaults: no body opens a session with them.
          if (endpoint.name === "QR-Auth/Initiate" && answer.status === 200) return;
          expectRefusal(answer, request);
          expect(answer.status, said(request, answer)).toBe(400);
        }),
        { numRuns: 3, examples: [[null], ["application/json"], ["text/plain"]] },
      );
    },
  );
});

const encode = (text: string) => encodeURIComponent(text.toWellFormed());

/** A value for a known parameter that breaks it (or that WeChat then refuses). */
const badValue = fc.oneof(
  fc.constant(""),
  oddText,
  fc.string({ unit: "binary-ascii", maxLength: 30 }),
  fc.integer({ min: 65, max: 20_000 }).map((n) => "9".repeat(n)),
  fc.constantFrom("null", "undefined", "[]", "{}", "true", "-1", "0", "1.5", "1e5", "0x10", " 1", "%", "%zz"),
);

function randomQueryFor(endpoint: QueryEndpoint): fc.Arbitrary<string> {
  const known = Object.keys(endpoint.valid).length > 0 ? Object.keys(endpoint.valid) : ["access_token"];
  const name = fc.oneof(fc.constantFrom(...known), fc.string({ maxLength: 8 }), oddText);
  // Each known parameter kept, dropped, emptied or replaced; some repeated; unknown ones added.
  const pairs = fc
    .tuple(
      fc.array(fc.tuple(fc.constantFrom(...known), badValue), { minLength: 1, maxLength: 3 }),
      fc.array(fc.tuple(name, fc.oneof(badValue, fc.constantFrom("1", ...Object.values(endpoint.valid)))), {
        maxLength: 3,
      }),
      fc.boolean(),
    )
    .map(([broken, extra, keepValid]) => {
      const base = keepValid
        ? Object.entries(endpoint.valid).filter(([k]) => !broken.some(([b]) => b === k))
        : [];
      return [...base, ...broken, ...extra].map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
    });
  const raw = fc.oneof(
    fc.webQueryParameters(),
    fc.constantFrom("", "&", "&&&", "=", "==", "a=%", "%ED%A0%80=%FF", "%00", "&=&=", "?", "#frag"),
    fc.string({ unit: "binary-ascii", maxLength: 40 }),
  );
  return fc.oneof(pairs, raw);
}

describe("a random query", () => {
  // A random query may happen to be valid (jsApiList=A), and AccessToken reads no query at all:
  // those are a 200 envelope; WeChat's own refusals (a random js_code) keep WeChat's errcode.
  it.each(QUERY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is answered in the envelope by %s",
    async (_, endpoint) => {
      const token = credentialFor(apps, endpoint);
      const path = endpoint.path(appFor(apps, endpoint.type).appKey);
      await fc.assert(
        fc.asyncProperty(randomQueryFor(endpoint), async (query) => {
          const url = `${path}?${query}`;
          expectAnsweredWithoutCrash(await ask("GET", url, token ? { token } : {}), `GET ${url}`);
        }),
        { numRuns: RUNS },
      );
    },
  );
});

/** The legacy endpoint answers XML when Accept lists application/xml or text/xml (q > 0). */
function wantedXml(accept: string | undefined): string | undefined {
  for (const range of (accept ?? "").split(",")) {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const q = Number(params.find((p) => /^q\s*=/.test(p))?.replace(/^q\s*=\s*/, "") ?? 1);
    if ((type === "application/xml" || type === "text/xml") && !(q <= 0)) return type;
  }
  return undefined;
}
// What DataContractSerializer writes for RequestResult<WxAccess_Token> (SPEC §5).
const XML_RESULT =
  /^<RequestResultOfWxAccess_TokenFEB0ySd7 xmlns:i="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance" xmlns="http:\/\/schemas\.datacontract\.org\/2004\/07\/WLife\.Application"><Message>[^<]*<\/Message><Status>([01])<\/Status><Total>0<\/Total>(<Data i:nil="true"\/>|<Data xmlns:d2p1="[^"]+">.*<\/Data>)<\/RequestResultOfWxAccess_TokenFEB0ySd7>$/s;

function expectRequestResult(answer: Answer<unknown>, request: string, accept: string | undefined): void {
  const message = said(request, answer);
  expect(answer.status === 200 || (answer.status >= 400 && answer.status < 500), message).toBe(true);
  const failed = answer.status !== 200;
  if (wantedXml(accept)) {
    expect(answer.headers.get("content-type"), message).toMatch(/^(application|text)\/xml\b/);
    const xml = XML_RESULT.exec(String(answer.body));
    expect(xml, message).not.toBeNull();
    expect(xml![1], message).toBe(failed ? "1" : "0");
    const data = xml![2] ?? "";
    expect(data.includes("<d2p1:access_token>"), message).toBe(!failed || !data.includes('i:nil="true"'));
    return;
  }
  expect(answer.headers.get("content-type"), message).toMatch(/^(application|text)\/json\b/);
  const body = answer.body as Record<string, unknown>;
  expect(Object.keys(body).sort(), message).toEqual(["Data", "Message", "Status", "Total"]);
  expect(body.Total, message).toBe(0);
  expect(typeof body.Message, message).toBe("string");
  if (failed) {
    expect(body.Status, message).toBe(1);
    expect((body.Message as string).length, message).toBeGreaterThan(0);
  } else {
    expect(body.Status, message).toBe(0);
    expect(body.Data, message).toMatchObject({ access_token: expect.any(String), errcode: 0 });
  }
}

const accept = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    "application/xml",
    "text/xml",
    "TEXT/XML; q=0.9",
    "application/json, text/xml;q=0.1",
    "application/xhtml+xml",
    "application/xml-dtd",
    "*/*",
    "application/json",
    "xml",
    "text/xmlfoo",
  ),
  headerText,
);

/** The appid query: missing, repeated, empty, odd, too long, someone else's, or the key's own. */
function appidQuery(): fc.Arbitrary<string> {
  const own = () => apps.mp.appId;
  return fc.oneof(
    fc.constant(""),
    fc.constant("appid="),
    fc.constant("?"),
    fc.constant("OWN").map(() => `appid=${own()}`),
    fc.constant("OWN").map(() => `appid=${own()}&appid=${own()}`),
    fc.constant(`appid=${"wx".padEnd(65, "a")}`),
    oddText.map((t) => `appid=${encodeURIComponent(t.toWellFormed())}`),
    fc.string({ maxLength: 30 }).map((t) => `appid=${encodeURIComponent(t)}`),
    fc.constantFrom("appid=wxbadlegacyoa", "APPID=x", "appId=x", "appid=%", "appid=%ED%A0%80"),
  );
}

/** Bodies: none, empty, reports (good and bad), random JSON, not JSON. */
const body = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("", " ", "{}", '{"access_token":""}', '{"access_token":null}'),
  fc
    .oneof(fc.string({ minLength: 1, maxLength: 40 }), oddText, fc.constant("t".repeat(2049)))
    .map((t) => JSON.stringify({ access_token: t })),
  randomValue.map((v) => JSON.stringify(v) ?? "undefined"),
  rawBodyText,
);

describe("the legacy WxToken", () => {
  it("answers a RequestResult whatever appid, body and Accept it is sent", async () => {
    await fc.assert(
      fc.asyncProperty(
        appidQuery(),
        body,
        accept,
        fc.boolean(),
        async (query, text, acceptHeader, asText) => {
          const path = `/api/v1/Common/WxToken${query ? `?${query.replace(/^\?/, "")}` : ""}`;
          const headers: Record<string, string> = {};
          if (acceptHeader !== undefined) headers.Accept = acceptHeader;
          if (asText) headers["Content-Type"] = "text/plain";
          const request = `POST ${path} Accept: ${acceptHeader} body: ${text?.slice(0, 120)}`;
          const answer = await ask("POST", path, {
            token: apps.mp.apiKey,
            headers,
            ...(text === undefined ? {} : { body: text }),
          });
          expectRequestResult(answer, request, acceptHeader);
        },
      ),
      { numRuns: WIDE_RUNS },
    );
  });
});

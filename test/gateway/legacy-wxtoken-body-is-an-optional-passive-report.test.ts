import { describe, expect, it } from "vitest";
import { NO_TIME, tokenReportXml, WEIXIN_NS, XSI_NS } from "../dotnet/datacontract-xml.ts";
import {
  admin,
  call,
  getToken,
  type RegisteredApp,
  registerApp,
  upstreamTokenCalls,
} from "../support/gateway.ts";

// SPEC §5: the legacy endpoint's optional body is a passive refresh report, in any format the .NET
// service read: JSON (application/json, text/json) {"access_token": "…"}, XML (application/xml,
// text/xml) a WxAccess_Token element as DataContractSerializer writes it, or
// application/x-www-form-urlencoded access_token=…; other fields are ignored. A token that is no
// longer the current one is answered with the current token without asking WeChat. An empty body,
// or one without access_token, is a plain read; a body that is not a report is a 400 (§3).

type RequestResult = {
  Data: { access_token: string } | null;
  Status: number;
  Message: string;
  Total: number;
};

const path = (app: RegisteredApp) => `/api/v1/Common/WxToken?appid=${app.appId}`;

/** An app whose token was replaced: `stale` was handed out before, `current` is what it holds now. */
async function appWithStaleToken(appKey: string, appId: string) {
  const app = await registerApp(appKey, appId);
  const stale = (await getToken(app)).body.data.access_token;
  expect((await admin("POST", `/apps/${app.appKey}/token/refresh`)).status).toBe(200);
  const current = (await getToken(app)).body.data.access_token;
  expect(current).not.toBe(stale);
  return { app, stale, current, calls: await upstreamTokenCalls(app.appId) };
}

/** The report bodies a client may send for `token`, by Content-Type. */
function reports(token: string): [string, string][] {
  return [
    ["application/json", JSON.stringify({ access_token: token })],
    ["text/json; charset=utf-8", JSON.stringify({ errcode: 0, errmsg: null, access_token: token })],
    ["application/xml; charset=utf-8", tokenReportXml(token)],
    ["text/xml", tokenReportXml(token)],
    // DataContractSerializer.WriteObject(Stream): default namespace first, prefixes of its own.
    [
      "application/xml",
      `<WxAccess_Token xmlns="${WEIXIN_NS}" xmlns:i="${XSI_NS}"><errcode>0</errcode><errmsg i:nil="true"/><access_token>${token}</access_token><create_time>${NO_TIME}</create_time><expires_in>0</expires_in><expires_time>${NO_TIME}</expires_time></WxAccess_Token>`,
    ],
    // With a declaration, a BOM, a prefix, indentation and the members in another order.
    [
      "text/xml",
      `\uFEFF<?xml version="1.0" encoding="utf-8"?>\n<w:WxAccess_Token xmlns:w="${WEIXIN_NS}">\n  <w:expires_in>0</w:expires_in>\n  <w:access_token><![CDATA[${token}]]></w:access_token>\n</w:WxAccess_Token>\n`,
    ],
    ["application/x-www-form-urlencoded", `access_token=${encodeURIComponent(token)}`],
    [
      "application/x-www-form-urlencoded; charset=utf-8",
      `errcode=0&access_token=${encodeURIComponent(token)}&expires_in=7200`,
    ],
  ];
}

describe("legacy WxToken body", () => {
  it("a stale token reported in any format gets the current token with no upstream call", async () => {
    const { app, stale, current, calls } = await appWithStaleToken("gw-legacy-report", "wxgwlegacyrep01");
    for (const [contentType, body] of reports(stale)) {
      const answer = await call<RequestResult>("POST", path(app), {
        token: app.apiKey,
        headers: { "Content-Type": contentType },
        body,
      });
      expect(answer.status, `${contentType} ${body}`).toBe(200);
      expect(answer.body, contentType).toMatchObject({
        Status: 0,
        Message: "",
        Data: { access_token: current },
      });
    }
    expect(await upstreamTokenCalls(app.appId)).toBe(calls);
  });

  it("the current token reported in XML or a form is acted on like a JSON report", async () => {
    // Reported right after it was issued, the current token is not refreshed (quota care, §5):
    // the answer is the same token, with no upstream call, whatever the format.
    const app = await registerApp("gw-legacy-report-cur", "wxgwlegacyrep04");
    const current = (await getToken(app)).body.data.access_token;
    for (const [contentType, body] of reports(current)) {
      const answer = await call<RequestResult>("POST", path(app), {
        token: app.apiKey,
        headers: { "Content-Type": contentType },
        body,
      });
      expect(answer.status, contentType).toBe(200);
      expect(answer.body.Data?.access_token, contentType).toBe(current);
    }
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("an absent or empty body, or one without access_token, is a plain read", async () => {
    const app = await registerApp("gw-legacy-empty", "wxgwlegacyrep02");
    const bodies: [string | undefined, string | undefined][] = [
      [undefined, undefined],
      ["application/json", ""],
      ["application/json", "{}"],
      ["text/json", '{"errcode": 0}'],
      ["application/xml", " "],
      ["application/xml", `<WxAccess_Token xmlns="${WEIXIN_NS}"/>`],
      [
        "text/xml",
        `<WxAccess_Token xmlns="${WEIXIN_NS}"><errcode>0</errcode><access_token2>x</access_token2></WxAccess_Token>`,
      ],
      // access_token in another namespace is another member.
      [
        "text/xml",
        `<WxAccess_Token xmlns="${WEIXIN_NS}"><access_token xmlns="urn:other">x</access_token></WxAccess_Token>`,
      ],
      ["application/x-www-form-urlencoded", ""],
      ["application/x-www-form-urlencoded", "errcode=0&expires_in=1"],
    ];
    const tokens = new Set<string | undefined>();
    for (const [contentType, body] of bodies) {
      const answer = await call<RequestResult>("POST", path(app), {
        token: app.apiKey,
        ...(contentType ? { headers: { "Content-Type": contentType } } : {}),
        ...(body === undefined ? {} : { body }),
      });
      expect(answer.status, `${contentType} ${body}`).toBe(200);
      expect(answer.body.Status).toBe(0);
      tokens.add(answer.body.Data?.access_token);
    }
    expect(tokens.size).toBe(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("a body that is not a report is a 400 RequestResult that names the problem", async () => {
    const app = await registerApp("gw-legacy-badbody", "wxgwlegacyrep03");
    const refused: [string, string, RegExp][] = [
      ["application/json", "access_token=abc", /body: must be a report/],
      ["application/json", JSON.stringify({ access_token: 42 }), /access_token/],
      ["application/json", JSON.stringify({ access_token: null }), /access_token/],
      ["text/json", JSON.stringify({ access_token: "" }), /access_token/],
      ["application/xml", '{"access_token":"abc"}', /body: not XML/],
      ["application/xml", "<access_token>abc</access_token>", /WxAccess_Token element in namespace/],
      ["application/xml", "<WxAccess_Token><access_token>abc</access_token></WxAccess_Token>", /namespace/],
      ["text/xml", `<WxAccess_Token xmlns="${WEIXIN_NS}"><access_token/></WxAccess_Token>`, /access_token/],
      [
        "text/xml",
        `<WxAccess_Token xmlns="${WEIXIN_NS}" xmlns:i="${XSI_NS}"><access_token i:nil="true"/></WxAccess_Token>`,
        /access_token/,
      ],
      [
        "text/xml",
        `<WxAccess_Token xmlns="${WEIXIN_NS}"><access_token>a</access_token><access_token>b</access_token></WxAccess_Token>`,
        /more than once/,
      ],
      [
        "text/xml",
        `<WxAccess_Token xmlns="${WEIXIN_NS}"><access_token><b>a</b></access_token></WxAccess_Token>`,
        /text/,
      ],
      ["application/x-www-form-urlencoded", "access_token=", /access_token/],
      ["application/x-www-form-urlencoded", '{"access_token":"abc"}', /Content-Type: application\/json/],
      ["application/x-www-form-urlencoded", "access_token=a&access_token=b", /more than once/],
      ["application/x-www-form-urlencoded", `access_token=${"t".repeat(2049)}`, /access_token/],
    ];
    for (const [contentType, body, reason] of refused) {
      const answer = await call<RequestResult>("POST", path(app), {
        token: app.apiKey,
        headers: { "Content-Type": contentType },
        body,
      });
      expect(answer.status, `${contentType} ${body}`).toBe(400);
      expect(answer.body, `${contentType} ${body}`).toEqual({
        Data: null,
        Status: 1,
        Message: expect.stringMatching(reason),
        Total: 0,
      });
    }
    expect(await upstreamTokenCalls(app.appId)).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import {
  NO_TIME,
  type RequestResult,
  requestResultXml,
  SEED_TIME,
  type WxAccessToken,
} from "../dotnet/datacontract-xml.ts";
import { call, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { useToken } from "../support/simulator.ts";

// SPEC §3/§5: for Accept: application/xml or text/xml the legacy endpoint answers exactly what
// .NET's DataContractSerializer writes for RequestResult<WxAccess_Token> (root
// RequestResultOfWxAccess_TokenFEB0ySd7, its namespaces, members in the serializer's order, i:nil
// for no Data), because its clients deserialize it with that serializer. Compared byte for byte
// with test/dotnet/datacontract-xml.ts, which a real serializer (Mono) confirms.

const path = (appId: string) => `/api/v1/Common/WxToken?appid=${appId}`;

function unescapeXml(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** The values inside the XML, to build the bytes the serializer would write for them. */
function members(xml: string): WxAccessToken {
  const value = (name: string) =>
    unescapeXml(new RegExp(`<d2p1:${name}>([^<]*)</d2p1:${name}>`).exec(xml)?.[1] ?? "");
  return {
    errcode: Number(value("errcode")),
    errmsg: value("errmsg"),
    access_token: value("access_token"),
    create_time: value("create_time"),
    expires_in: Number(value("expires_in")),
    expires_time: value("expires_time"),
  };
}

/** The instant of a seed-form time (JavaScript's Date reads 3 fractional digits, not 7). */
function msOf(time: string): number {
  return Date.parse(`${time.slice(0, 23)}${time.slice(-6)}`);
}

describe("legacy WxToken, XML", () => {
  for (const [n, accept, contentType] of [
    [1, "application/xml", "application/xml"],
    [2, "text/xml", "text/xml"],
    [3, "text/xml, application/json;q=0.5", "text/xml"],
    [4, "application/json;q=0.5, application/xml", "application/xml"],
  ] as const) {
    it(`answers the serializer's bytes for Accept: ${accept}`, async () => {
      const app = await registerApp(`gw-legacy-xml-${n}`, `wxgwlegacyxml0${n}`);
      const answer = await call<string>("POST", path(app.appId), {
        token: app.apiKey,
        headers: { Accept: accept },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("Content-Type")).toBe(`${contentType}; charset=utf-8`);
      const xml = answer.body;
      const data = members(xml);
      expect(data.create_time).toMatch(SEED_TIME);
      expect(data.expires_time).toMatch(SEED_TIME);
      expect(data.expires_in).toBeGreaterThan(7000);
      expect(xml).toBe(
        requestResultXml({ Message: "", Status: 0, Total: 0, Data: { ...data, errcode: 0, errmsg: "ok" } }),
      );

      // The token works at WeChat and is the one the JSON answer and the v1 endpoint hand out,
      // with the same times.
      expect((await useToken(data.access_token)).errcode ?? 0).toBe(0);
      expect((await getToken(app)).body.data.access_token).toBe(data.access_token);
      const json = await call<RequestResult>("POST", path(app.appId), { token: app.apiKey });
      expect(json.body.Data).toMatchObject({
        access_token: data.access_token,
        create_time: data.create_time,
        expires_time: data.expires_time,
      });
      expect(await upstreamTokenCalls(app.appId)).toBe(1);
    });
  }

  it("times are the token's own, in China time with 7 fractional digits", async () => {
    const app = await registerApp("gw-legacy-xml-time", "wxgwlegacyxmlt1");
    const before = Date.now();
    const answer = await call<string>("POST", path(app.appId), {
      token: app.apiKey,
      headers: { Accept: "application/xml" },
    });
    const data = members(answer.body);
    const created = msOf(data.create_time);
    expect(created).toBeGreaterThanOrEqual(before - 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
    expect(msOf(data.expires_time) - created).toBe(7200 * 1000);
  });

  it("a refusal is a RequestResult with Status 1 and Data i:nil, in the type asked for", async () => {
    for (const accept of ["application/xml", "text/xml"]) {
      const answer = await call<string>("POST", path("wxgwlegacyxml09"), { headers: { Accept: accept } });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("Content-Type")).toBe(`${accept}; charset=utf-8`);
      expect(answer.body).toBe(
        requestResultXml({
          Message: "Authorization: Bearer <API key> is required",
          Status: 1,
          Total: 0,
          Data: null,
        }),
      );
    }
  });

  it("a wrong appid and a bad body are refused in XML too, with their HTTP status", async () => {
    const mine = await registerApp("gw-legacy-xml-ref", "wxgwlegacyxmlr1");
    const other = await registerApp("gw-legacy-xml-ref2", "wxgwlegacyxmlr2");
    const headers = { Accept: "application/xml" };
    const wrongAppid = await call<string>("POST", path(other.appId), { token: mine.apiKey, headers });
    expect(wrongAppid.status).toBe(403);
    expect(wrongAppid.body).toBe(
      requestResultXml({
        Message: "this API key is not allowed for this appid",
        Status: 1,
        Total: 0,
        Data: null,
      }),
    );
    const badBody = await call<string>("POST", path(mine.appId), {
      token: mine.apiKey,
      headers: { ...headers, "Content-Type": "application/xml" },
      body: "<access_token>x</access_token>",
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body).toMatch(/<Status>1<\/Status><Total>0<\/Total><Data i:nil="true"\/>/);
    expect(await upstreamTokenCalls(mine.appId)).toBe(0);
  });

  it("WeChat's refusal carries its errcode and errmsg in Data, with .NET's empty times", async () => {
    const app = await registerApp("gw-legacy-xml-fail", "wxgwlegacyxmlf1", {
      simulator: { secret: "another-secret" },
    });
    const answer = await call<string>("POST", path(app.appId), {
      token: app.apiKey,
      headers: { Accept: "text/xml" },
    });
    expect(answer.status).toBe(502);
    const data = members(answer.body);
    expect(data.errcode).toBe(40125);
    expect(data.errmsg).toMatch(/\S/);
    const message = unescapeXml(/<Message>([^<]*)<\/Message>/.exec(answer.body)?.[1] ?? "");
    expect(message).toMatch(/\S/);
    expect(answer.body).toBe(
      requestResultXml({
        Message: message,
        Status: 1,
        Total: 0,
        Data: { ...data, access_token: "", create_time: NO_TIME, expires_in: 0, expires_time: NO_TIME },
      }),
    );
  });

  it("answers JSON when the XML types are refused (q=0) or not asked for", async () => {
    const app = await registerApp("gw-legacy-xml-q0", "wxgwlegacyxmlq1");
    for (const accept of ["application/xml;q=0, application/json", "application/xml-dtd", "*/*"]) {
      const answer = await call<RequestResult>("POST", path(app.appId), {
        token: app.apiKey,
        headers: { Accept: accept },
      });
      expect(answer.headers.get("Content-Type"), accept).toBe("application/json; charset=utf-8");
      expect(answer.body.Status, accept).toBe(0);
    }
  });
});

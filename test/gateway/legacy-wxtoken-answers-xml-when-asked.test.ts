import { describe, expect, it } from "vitest";
import { useToken } from "../simulator/sim-client.ts";
import { call, getToken, registerApp } from "../support/gateway.ts";

// SPEC §3/§5: the legacy endpoint answers its RequestResult in XML when the request's Accept asks
// for application/xml or text/xml, with the same fields as in JSON. Parsed loosely here.

function field(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
}

describe("legacy WxToken, XML", () => {
  for (const accept of ["application/xml", "text/xml", "text/xml, application/json;q=0.5"]) {
    it(`answers XML for Accept: ${accept}`, async () => {
      const n = ["application/xml", "text/xml"].indexOf(accept) + 2;
      const app = await registerApp(`gw-legacy-xml-${n}`, `wxgwlegacyxml0${n}`);
      const answer = await call<string>("POST", `/api/v1/Common/WxToken?appid=${app.appId}`, {
        token: app.apiKey,
        headers: { Accept: accept },
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("Content-Type")).toMatch(/xml/);
      const xml = answer.body;
      expect(typeof xml).toBe("string");
      expect(xml).toMatch(/<RequestResult>[\s\S]*<\/RequestResult>/);

      const token = field(xml, "access_token");
      expect(token).toMatch(/\S/);
      expect((await useToken(token)).errcode ?? 0).toBe(0);
      expect((await getToken(app)).body.data.access_token).toBe(token);
      expect(Number(field(xml, "expires_in"))).toBeGreaterThan(7000);
      expect(field(xml, "expires_time")).toMatch(/\+08:00$/);
      expect(field(xml, "create_time")).toMatch(/\+08:00$/);
      expect(field(xml, "errcode")).toBe("0");
      expect(field(xml, "errmsg")).toBe("ok");
      expect(field(xml, "Status")).toBe("0");
      expect(xml).toMatch(/<Message><\/Message>|<Message\/>/);
      expect(field(xml, "Total")).toBe("0");
    });
  }

  it("answers errors in XML too", async () => {
    const answer = await call<string>("POST", "/api/v1/Common/WxToken?appid=wxgwlegacyxml09", {
      headers: { Accept: "application/xml" },
    });
    expect(answer.status).toBe(401);
    expect(answer.headers.get("Content-Type")).toMatch(/xml/);
    expect(field(answer.body, "Status")).toBe("1");
    expect(field(answer.body, "Message")).toMatch(/\S/);
  });
});

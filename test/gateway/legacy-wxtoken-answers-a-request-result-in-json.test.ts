import { describe, expect, it } from "vitest";
import { NO_TIME, type RequestResult, SEED_TIME } from "../dotnet/datacontract-xml.ts";
import { call, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { useToken } from "../support/simulator.ts";

// SPEC §5: POST /api/v1/Common/WxToken?appid= (API key of an app with that appid) answers the
// RequestResult envelope (§3): Data {access_token, expires_in, expires_time, create_time,
// errcode, errmsg}, Status 0, Message "", Total 0, with times in the seed's form (+08:00, 7
// fractional digits), by default and for Accept: text/json.

describe("legacy WxToken, JSON", () => {
  it("answers the current token in a RequestResult", async () => {
    const app = await registerApp("gw-legacy-json", "wxgwlegacyjson1");
    const answer = await call<RequestResult>("POST", `/api/v1/Common/WxToken?appid=${app.appId}`, {
      token: app.apiKey,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Content-Type")).toBe("application/json; charset=utf-8");
    expect(answer.body).toEqual({
      Data: {
        access_token: expect.any(String),
        expires_in: expect.any(Number),
        expires_time: expect.stringMatching(SEED_TIME),
        create_time: expect.stringMatching(SEED_TIME),
        errcode: 0,
        errmsg: "ok",
      },
      Status: 0,
      Message: "",
      Total: 0,
    });
    const data = answer.body.Data!;
    expect(data.expires_in).toBeGreaterThan(7000);
    expect(data.expires_in).toBeLessThanOrEqual(7200);
    expect((await useToken(data.access_token)).errcode ?? 0).toBe(0);

    // The same token the v1 endpoint hands out: one keeper, one upstream call.
    const v1 = await getToken(app);
    expect(v1.body.data.access_token).toBe(data.access_token);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("answers the same JSON, as text/json, for Accept: text/json", async () => {
    const app = await registerApp("gw-legacy-textjson", "wxgwlegacytjs1");
    const path = `/api/v1/Common/WxToken?appid=${app.appId}`;
    const plain = await call<RequestResult>("POST", path, { token: app.apiKey });
    const answer = await call<RequestResult>("POST", path, {
      token: app.apiKey,
      headers: { Accept: "text/json" },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Content-Type")).toBe("text/json; charset=utf-8");
    expect(answer.body).toEqual({
      ...plain.body,
      Data: { ...plain.body.Data, expires_in: expect.any(Number) },
    });
  });

  it("keeps the service's member order: Data, Status, Message, Total", async () => {
    const app = await registerApp("gw-legacy-order", "wxgwlegacyord1");
    const answer = await call<string>("POST", `/api/v1/Common/WxToken?appid=${app.appId}`, {
      token: app.apiKey,
      headers: { Accept: "application/json" },
    });
    const text = JSON.stringify(answer.body);
    expect(Object.keys(JSON.parse(text))).toEqual(["Data", "Status", "Message", "Total"]);
    expect(Object.keys(JSON.parse(text).Data)).toEqual([
      "access_token",
      "expires_in",
      "expires_time",
      "create_time",
      "errcode",
      "errmsg",
    ]);
  });

  it("a missing appid is a 400 in the RequestResult envelope", async () => {
    const app = await registerApp("gw-legacy-noid", "wxgwlegacynoid1");
    const answer = await call<RequestResult>("POST", "/api/v1/Common/WxToken", { token: app.apiKey });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      Data: null,
      Status: 1,
      Message: expect.stringContaining("appid"),
      Total: 0,
    });
  });
});

describe("legacy WxToken, WeChat failure", () => {
  it("answers Status 1 with WeChat's errcode and errmsg in Data", async () => {
    const app = await registerApp("gw-legacy-fail", "wxgwlegacyfail1", {
      simulator: { secret: "another-secret" },
    });
    const answer = await call<RequestResult>("POST", `/api/v1/Common/WxToken?appid=${app.appId}`, {
      token: app.apiKey,
    });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({
      Status: 1,
      Total: 0,
      Data: { access_token: "", expires_in: 0, create_time: NO_TIME, expires_time: NO_TIME, errcode: 40125 },
    });
    expect(answer.body.Message).toMatch(/\S/);
    expect(answer.body.Data?.errmsg).toMatch(/\S/);
  });
});

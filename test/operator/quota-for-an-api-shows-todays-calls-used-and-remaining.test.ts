import { describe, expect, it } from "vitest";
import { requestsTo } from "../api-v1/wechat-answers.ts";
import { call, type Envelope, registerApp } from "../support/gateway.ts";
import { QUOTA_GET_PATH, quotaOf } from "./operator-client.ts";

// SPEC §4: GET /admin/apps/{appKey}/quota?cgi_path= asks WeChat's openapi/quota/get with the
// appid's token and answers WeChat's quota (daily_limit, used, remain) with what came beside it.

describe("GET /admin/apps/{appKey}/quota", () => {
  it("shows the calls the app made to an API today and what remains", async () => {
    const app = await registerApp("op-quota-used", "wxopquotaused01", {
      simulator: { quotas: { links: 1000 }, pages: ["pages/home/home"] },
    });
    const link = (body: unknown) =>
      call<Envelope>("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, { token: app.apiKey, body });
    expect((await link({})).status).toBe(200);
    expect((await link({ path: "pages/missing" })).status).toBe(400);
    expect((await link({ path: "pages/home/home" })).status).toBe(200);

    const answer = await quotaOf(app.appKey, "/wxa/generate_urllink");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: { daily_limit: 1000, used: 3, remain: 997 }, error: "" });

    const sent = await requestsTo(app.appId, QUOTA_GET_PATH);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: "POST", accessTokenInQuery: true, bodyHasAccessToken: false });
    expect(JSON.parse(sent[0]!.bodyText)).toEqual({ cgi_path: "/wxa/generate_urllink" });
  });

  it("passes on what WeChat sends beside the quota, such as a per-minute rate_limit", async () => {
    const app = await registerApp("op-quota-rate", "wxopquotarate01", {
      simulator: { quotas: { wxacodeUnlimitPerMinute: 300 } },
    });
    const answer = await quotaOf(app.appKey, "/wxa/getwxacodeunlimit");
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({
      daily_limit: expect.any(Number),
      used: 0,
      remain: expect.any(Number),
      rate_limit: { call_count: 300, refresh_second: 60 },
    });
  });

  it("counts the token calls of the app's token mode", async () => {
    const app = await registerApp("op-quota-token", "wxopquotatoken1", { tokenMode: "classic" });
    expect((await call("GET", `/Wechat/${app.appKey}/AccessToken`, { token: app.apiKey })).status).toBe(200);
    const answer = await quotaOf(app.appKey, "/cgi-bin/token");
    expect(answer.body.data).toEqual({ daily_limit: 2000, used: 1, remain: 1999 });
  });
});

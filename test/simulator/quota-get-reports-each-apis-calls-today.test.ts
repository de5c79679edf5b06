import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, sim } from "../support/simulator.ts";

// WECHAT.md §18: POST /cgi-bin/openapi/quota/get {cgi_path} answers the API's daily_limit, the
// calls the account made to it today and what remains; 76003 for a cgi_path without its leading
// "/" (or with the host), 76022 for /sns/ APIs, 76021 for a path WeChat does not serve.

const QUOTA_GET = "/cgi-bin/openapi/quota/get";

describe("openapi/quota/get for business APIs", () => {
  it("counts today's calls per path, failed ones too, and clear_quota resets them", async () => {
    const appid = "wxsimquotaget01";
    const token = await appWithToken(appid, { quotas: { links: 50 }, pages: ["pages/home/home"] });
    expect((await postBusiness("/wxa/generate_urllink", token, {})).errcode).toBe(0);
    expect((await postBusiness("/wxa/generate_urllink", token, { path: "pages/nope" })).errcode).toBe(40165);
    expect((await postBusiness("/wxa/generatescheme", token, {})).errcode).toBe(0);

    expect(await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/generate_urllink" })).toEqual({
      errcode: 0,
      errmsg: "ok",
      quota: { daily_limit: 50, used: 2, remain: 48 },
    });
    const scheme = await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/generatescheme" });
    expect(scheme.quota).toEqual({ daily_limit: 50, used: 1, remain: 49 });

    expect((await postBusiness("/cgi-bin/clear_quota", token, { appid })).errcode).toBe(0);
    const after = await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/generate_urllink" });
    expect(after.quota).toEqual({ daily_limit: 50, used: 0, remain: 50 });
  });

  it("starts a new count on the next China-time day", async () => {
    const appid = "wxsimquotaget02";
    const token = await appWithToken(appid, { tokenLifetimeSeconds: 3 * 86_400 });
    await postBusiness("/wxa/msg_sec_check", token, { content: "hello", version: 2, scene: 1, openid: "o1" });
    const today = await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/msg_sec_check" });
    expect(today.quota?.used).toBe(1);
    await sim.advance(appid, 86_400);
    const tomorrow = await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/msg_sec_check" });
    expect(tomorrow.quota).toEqual({ daily_limit: 2_000_000, used: 0, remain: 2_000_000 });
  });

  it("reports the per-minute limit of the APIs that have one as rate_limit", async () => {
    const token = await appWithToken("wxsimquotaget03", { quotas: { wxacodeUnlimitPerMinute: 300 } });
    const unlimited = await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/getwxacodeunlimit" });
    expect(unlimited.rate_limit).toEqual({ call_count: 300, refresh_second: 60 });
    const secCheck = await postBusiness(QUOTA_GET, token, { cgi_path: "/wxa/msg_sec_check" });
    expect(secCheck.rate_limit).toEqual({ call_count: 4000, refresh_second: 60 });
    const userInfo = await postBusiness(QUOTA_GET, token, { cgi_path: "/cgi-bin/user/info" });
    expect(userInfo.quota?.daily_limit).toBe(5_000_000);
    expect(userInfo.rate_limit).toBeUndefined();
  });

  it("refuses malformed, /sns/ and unknown paths with WeChat's errcodes", async () => {
    const token = await appWithToken("wxsimquotaget04");
    const errcodeFor = async (body: unknown) => (await postBusiness(QUOTA_GET, token, body)).errcode;
    expect(await errcodeFor({ cgi_path: "wxa/generate_urllink" })).toBe(76003);
    expect(await errcodeFor({ cgi_path: "https://api.weixin.qq.com/wxa/generate_urllink" })).toBe(76003);
    expect(await errcodeFor({})).toBe(76003);
    expect(await errcodeFor({ cgi_path: "/sns/jscode2session" })).toBe(76022);
    expect(await errcodeFor({ cgi_path: "/wxa/no_such_api" })).toBe(76021);
  });
});

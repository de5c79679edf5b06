import { describe, expect, it } from "vitest";
import { appWithToken, fetchClassicToken, postBusiness, RID_SUFFIX, sim } from "../support/simulator.ts";

const URL_LINK = "/wxa/generate_urllink";
const SCHEME = "/wxa/generatescheme";

async function appNowSeconds(appid: string): Promise<number> {
  return Math.floor((await sim.state(appid)).now / 1000);
}

describe("URL links and schemes validate path, query, expiry and env_version", () => {
  it("a URL link is https://wxaurl.cn/ plus 12 letters and digits; a scheme weixin://dl/business/?t= plus 11", async () => {
    const appid = "wxsimlink0000001";
    const token = await appWithToken(appid);
    const link = await postBusiness(URL_LINK, token, { path: "pages/index/index", query: "a=1&b=%E4%B8%AD" });
    expect(link.errcode).toBe(0);
    expect(link.errmsg).toBe("ok");
    expect(link.url_link).toMatch(/^https:\/\/wxaurl\.cn\/[0-9A-Za-z]{12}$/);
    const scheme = await postBusiness(SCHEME, token, {
      jump_wxa: { path: "pages/login/login", query: "x=1" },
    });
    expect(scheme.errcode).toBe(0);
    expect(scheme.openlink).toMatch(/^weixin:\/\/dl\/business\/\?t=[0-9A-Za-z]{11}$/);
    expect((await postBusiness(URL_LINK, token, {})).url_link).toBeDefined();
    expect((await postBusiness(SCHEME, token, {})).openlink).toBeDefined();
  });

  it("an unpublished mini program gets 85079", async () => {
    const appid = "wxsimlink0000002";
    const token = await appWithToken(appid, { published: false });
    const answer = await postBusiness(URL_LINK, token, {});
    expect(answer.errcode).toBe(85079);
    expect(answer.errmsg).toMatch(/^miniprogram has no online release/);
    expect(answer.errmsg).toMatch(RID_SUFFIX);
    expect((await postBusiness(SCHEME, token, {})).errcode).toBe(85079);
  });

  it("path must be a published page without a query (40165); query ≤ 1024 of the allowed characters (40212)", async () => {
    const appid = "wxsimlink0000003";
    const token = await appWithToken(appid);
    for (const path of ["pages/nope/nope", "pages/index/index?a=1", "/pages/index/index"]) {
      const answer = await postBusiness(URL_LINK, token, { path });
      expect(answer.errcode, path).toBe(40165);
      expect(answer.errmsg).toMatch(/^invalid weapp pagepath/);
      expect((await postBusiness(SCHEME, token, { jump_wxa: { path } })).errcode, path).toBe(40165);
    }
    for (const query of ["a=中文", "a=1 b", "a=<x>", "q".repeat(1025)]) {
      const answer = await postBusiness(URL_LINK, token, { path: "pages/index/index", query });
      expect(answer.errcode, query.slice(0, 20)).toBe(40212);
      expect(answer.errmsg).toMatch(/^invalid query/);
      expect((await postBusiness(SCHEME, token, { jump_wxa: { query } })).errcode).toBe(40212);
    }
    expect((await postBusiness(URL_LINK, token, { query: "q".repeat(1024) })).errcode).toBe(0);
  });

  it("expire_time must be more than a minute and at most 30 days ahead; expire_interval 1..30 days (85401)", async () => {
    const appid = "wxsimlink0000004";
    const token = await appWithToken(appid);
    const now = await appNowSeconds(appid);
    const day = 24 * 3600;
    const link = (fields: object) => postBusiness(URL_LINK, token, fields);
    const tooSoon = await link({ expire_type: 0, expire_time: now + 30 });
    expect(tooSoon.errcode).toBe(85401);
    expect(tooSoon.errmsg).toMatch(/^time limit between 1min and 1year/);
    expect((await link({ expire_time: now + 31 * day })).errcode).toBe(85401);
    expect((await link({ expire_time: (now + day) * 1000 })).errcode).toBe(85401); // milliseconds by mistake
    expect((await link({ expire_time: now + 29 * day })).errcode).toBe(0);
    expect((await link({ expire_type: 1, expire_interval: 0 })).errcode).toBe(85401);
    expect((await link({ expire_type: 1, expire_interval: 31 })).errcode).toBe(85401);
    expect((await link({ expire_type: 1 })).errcode).toBe(85401);
    expect((await link({ expire_type: 1, expire_interval: 30 })).errcode).toBe(0);
    expect((await link({ expire_type: 2 })).errcode).toBe(40097);
    const scheme = await postBusiness(SCHEME, token, { expire_type: 1, expire_interval: 45 });
    expect(scheme.errcode).toBe(85401);
  });

  it("env_version is release/trial/develop (40097), and a scheme takes it only inside jump_wxa (47001)", async () => {
    const appid = "wxsimlink0000005";
    const token = await appWithToken(appid);
    expect((await postBusiness(URL_LINK, token, { env_version: "trial" })).errcode).toBe(0);
    const bad = await postBusiness(URL_LINK, token, { env_version: "beta" });
    expect(bad.errcode).toBe(40097);
    expect((await postBusiness(SCHEME, token, { jump_wxa: { env_version: "develop" } })).errcode).toBe(0);
    expect((await postBusiness(SCHEME, token, { jump_wxa: { env_version: "beta" } })).errcode).toBe(40097);
    const misplaced = await postBusiness(SCHEME, token, { jump_wxa: { path: "" }, env_version: "trial" });
    expect(misplaced.errcode).toBe(47001);
    expect(misplaced.errmsg).toMatch(/^data format error/);
    expect((await postBusiness(SCHEME, token, { jump_wxa: "pages/index/index" })).errcode).toBe(47001);
  });

  it("links and schemes share one daily quota (45009), back the next China-time day", async () => {
    const appid = "wxsimlink0000006";
    const token = await appWithToken(appid, { quotas: { links: 2 } });
    expect((await postBusiness(URL_LINK, token, {})).errcode).toBe(0);
    expect((await postBusiness(URL_LINK, token, { path: "pages/nope" })).errcode).toBe(40165);
    expect((await postBusiness(SCHEME, token, {})).errcode).toBe(0);
    const over = await postBusiness(SCHEME, token, {});
    expect(over.errcode).toBe(45009);
    expect((await postBusiness(URL_LINK, token, {})).errcode).toBe(45009);
    expect((await sim.state(appid)).issued.today.links).toBe(2);
    await sim.advance(appid, 24 * 3600);
    const { access_token = "" } = await fetchClassicToken(appid); // the first token has expired meanwhile
    expect((await postBusiness(URL_LINK, access_token, {})).errcode).toBe(0);
  });
});

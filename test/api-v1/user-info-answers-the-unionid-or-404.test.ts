import { describe, expect, it } from "vitest";
import { call, type Envelope, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectDailyQuotaAnswer, expectWeChatFailure, requestsTo } from "./wechat-answers.ts";

// SPEC §6 GET /Wechat/{appKey}/UserInfo?openid=&lang= → GET /cgi-bin/user/info (WECHAT.md §9):
// `data` is the user's unionid; 404 when WeChat returns none; an unknown openid is WeChat's 40003.

const PATH = "/cgi-bin/user/info";

function userInfo(app: RegisteredApp, query: Record<string, string>) {
  return call<Envelope<string | null>>(
    "GET",
    `/Wechat/${app.appKey}/UserInfo?${new URLSearchParams(query)}`,
    { token: app.apiKey },
  );
}

function officialAccount(appKey: string, appId: string) {
  return registerApp(appKey, appId, { type: "officialaccount" });
}

describe("GET /Wechat/{appKey}/UserInfo", () => {
  it("answers the follower's unionid, asking WeChat with the token in the query", async () => {
    const app = await officialAccount("v1-userinfo-ok", "wxv1userinfo0001");
    const openid = "oV1UserInfoUser0001";
    await sim.putUser(app.appId, openid, { unionid: "uV1UserInfoUnion0001" });

    const answer = await userInfo(app, { openid, lang: "en" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: "uV1UserInfoUnion0001", error: "" });

    const plain = await userInfo(app, { openid });
    expect(plain.body).toEqual({ code: 200, data: "uV1UserInfoUnion0001", error: "" });

    const sent = await requestsTo(app.appId, PATH);
    expect(sent).toHaveLength(2);
    expect(sent[0]).toMatchObject({
      method: "GET",
      query: { openid, lang: "en" },
      accessTokenInQuery: true,
      bodyHasAccessToken: false,
    });
    expect(sent[1]).toMatchObject({ method: "GET", query: { openid }, accessTokenInQuery: true });
  });

  it("a generated unionid is answered as WeChat gives it", async () => {
    const app = await officialAccount("v1-userinfo-default", "wxv1userinfo0002");
    const user = await sim.putUser(app.appId, "oV1UserInfoUser0002");
    expect(user.unionid).toEqual(expect.any(String));
    const answer = await userInfo(app, { openid: user.openid });
    expect(answer.body).toEqual({ code: 200, data: user.unionid, error: "" });
  });

  it("is a 404 when WeChat returns no unionid", async () => {
    const app = await officialAccount("v1-userinfo-none", "wxv1userinfo0003");
    await sim.putUser(app.appId, "oV1UserInfoUnbound1", { unionid: null });
    await sim.putUser(app.appId, "oV1UserInfoGone0001", { unionid: null, subscribe: 0 });
    for (const openid of ["oV1UserInfoUnbound1", "oV1UserInfoGone0001"]) {
      const answer = await userInfo(app, { openid });
      expect(answer.status, openid).toBe(404);
      // WeChat answered successfully, so there is no WeChat errcode to pass on.
      expect(answer.body, openid).toEqual({ code: 404, data: null, error: expect.stringMatching(/unionid/) });
    }
    expect(await callsTo(app.appId, PATH)).toBe(2);
  });

  it("a user who no longer follows still gets the unionid WeChat returns", async () => {
    const app = await officialAccount("v1-userinfo-unfollowed", "wxv1userinfo0004");
    await sim.putUser(app.appId, "oV1UserInfoGone0002", { unionid: "uV1UserInfoUnion0004", subscribe: 0 });
    const answer = await userInfo(app, { openid: "oV1UserInfoGone0002" });
    expect(answer.body).toEqual({ code: 200, data: "uV1UserInfoUnion0004", error: "" });
  });

  it("an openid WeChat does not know is a 400 with WeChat's 40003, asked once", async () => {
    const app = await officialAccount("v1-userinfo-unknown", "wxv1userinfo0005");
    expectWeChatFailure(await userInfo(app, { openid: "oV1UserInfoStranger" }), 400, 40003, "invalid openid");
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("WeChat's daily quota is a 429 with Retry-After until China midnight, not retried", async () => {
    const app = await officialAccount("v1-userinfo-quota", "wxv1userinfo0006");
    await sim.putUser(app.appId, "oV1UserInfoUser0006");
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 45009,
      errmsg: "reach max api daily quota limit",
      times: 1,
      paths: [PATH],
    });
    await expectDailyQuotaAnswer(() => userInfo(app, { openid: "oV1UserInfoUser0006" }));
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("a busy WeChat is asked again", async () => {
    const app = await officialAccount("v1-userinfo-busy", "wxv1userinfo0007");
    await sim.putUser(app.appId, "oV1UserInfoUser0007", { unionid: "uV1UserInfoUnion0007" });
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    const recovered = await userInfo(app, { openid: "oV1UserInfoUser0007" });
    expect(recovered.body).toEqual({ code: 200, data: "uV1UserInfoUnion0007", error: "" });
    expect(await callsTo(app.appId, PATH)).toBe(2);
  });

  it("a WeChat that stays busy is a 503 with errcode -1 after three attempts", async () => {
    const stuck = await officialAccount("v1-userinfo-busy5", "wxv1userinfo0008");
    await sim.putUser(stuck.appId, "oV1UserInfoUser0008");
    await sim.queueFault(stuck.appId, { kind: "busy", times: 5, paths: [PATH] });
    expectWeChatFailure(await userInfo(stuck, { openid: "oV1UserInfoUser0008" }), 503, -1, "system error");
    expect(await callsTo(stuck.appId, PATH)).toBe(3);
  });
});

import { describe, expect, it } from "vitest";
import { call, type Envelope, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectDailyQuotaAnswer, expectWeChatFailure, theOneJsonPostTo } from "./wechat-answers.ts";

// SPEC §6 POST /Wechat/{appKey}/UrlLinkGenerate → POST /wxa/generate_urllink (WECHAT.md §11):
// `data` is the url_link. A path that is not a page (40165) and a bad expiry (85401) are the
// caller's fault (400); an app without a published release (85079) is not (502).

const PATH = "/wxa/generate_urllink";
const URL_LINK = /^https:\/\/wxaurl\.cn\/[0-9A-Za-z]{12}$/;

function generate(app: RegisteredApp, body: unknown) {
  return call<Envelope<string | null>>("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
    token: app.apiKey,
    body,
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("POST /Wechat/{appKey}/UrlLinkGenerate", () => {
  it("answers the url_link, asking with the token in the query and the caller's fields as sent", async () => {
    const app = await registerApp("v1-urllink-ok", "wxv1urllink00001");
    const body = {
      path: "pages/order/detail",
      query: "id=42&from=mail",
      expire_type: 1,
      expire_interval: 7,
      env_version: "release",
      future_option: { x: 1 },
    };

    const answer = await generate(app, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: expect.stringMatching(URL_LINK), error: "" });

    expect(await theOneJsonPostTo(app.appId, PATH)).toEqual(body);
    expect((await sim.state(app.appId)).issued.today.links).toBe(1);
  });

  it("an empty body links to the home page, and each call is a new link", async () => {
    const app = await registerApp("v1-urllink-home", "wxv1urllink00002");
    const first = await generate(app, {});
    const second = await generate(app, { expire_type: 0, expire_time: nowSeconds() + 3600 });
    expect(first.body).toEqual({ code: 200, data: expect.stringMatching(URL_LINK), error: "" });
    expect(second.body).toEqual({ code: 200, data: expect.stringMatching(URL_LINK), error: "" });
    expect(second.body.data).not.toBe(first.body.data);
  });

  it("a path that is not a page of the published version is a 400 with WeChat's 40165", async () => {
    const app = await registerApp("v1-urllink-page", "wxv1urllink00003", {
      simulator: { pages: ["pages/home/home"] },
    });
    expectWeChatFailure(
      await generate(app, { path: "pages/index/index" }),
      400,
      40165,
      "invalid weapp pagepath",
    );
    expectWeChatFailure(
      await generate(app, { path: "pages/missing/page" }),
      400,
      40165,
      "invalid weapp pagepath",
    );
    expect((await generate(app, { path: "pages/home/home" })).status).toBe(200);
    expect(await callsTo(app.appId, PATH)).toBe(3);
  });

  it("an expire_time in the past or beyond 30 days is a 400 with WeChat's 85401", async () => {
    const app = await registerApp("v1-urllink-expiry", "wxv1urllink00004");
    for (const expire_time of [nowSeconds() - 3600, nowSeconds() + 31 * 86_400]) {
      expectWeChatFailure(
        await generate(app, { expire_type: 0, expire_time }),
        400,
        85401,
        "time limit between 1min and 1year",
      );
    }
    expect(await callsTo(app.appId, PATH)).toBe(2);
    expect((await sim.state(app.appId)).issued.today.links).toBe(0);
  });

  it("a mini program without a published release is a 502 with WeChat's 85079", async () => {
    const app = await registerApp("v1-urllink-unpublished", "wxv1urllink00005", {
      simulator: { published: false },
    });
    expectWeChatFailure(
      await generate(app, { path: "pages/index/index" }),
      502,
      85079,
      "miniprogram has no online release",
    );
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("the daily link quota is a 429 with Retry-After until China midnight, not retried", async () => {
    const app = await registerApp("v1-urllink-quota", "wxv1urllink00006", {
      simulator: { quotas: { links: 0 } },
    });
    await expectDailyQuotaAnswer(() => generate(app, { path: "pages/index/index" }));
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("a busy WeChat is asked again and one link is made", async () => {
    const app = await registerApp("v1-urllink-busy", "wxv1urllink00007");
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    const answer = await generate(app, { path: "pages/index/index" });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: expect.stringMatching(URL_LINK), error: "" });
    const state = await sim.state(app.appId);
    expect(state.calls.byPath[PATH]).toBe(2);
    expect(state.issued.today.links).toBe(1);
  });

  it("a WeChat that stays busy is a 503 with errcode -1 after three attempts", async () => {
    const app = await registerApp("v1-urllink-busy5", "wxv1urllink00008");
    await sim.queueFault(app.appId, { kind: "busy", times: 5, paths: [PATH] });
    expectWeChatFailure(await generate(app, { path: "pages/index/index" }), 503, -1, "system error");
    const state = await sim.state(app.appId);
    expect(state.calls.byPath[PATH]).toBe(3);
    expect(state.issued.today.links).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { call, type Envelope, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectDailyQuotaAnswer, expectWeChatFailure, theOneJsonPostTo } from "./wechat-answers.ts";

// SPEC §6 POST /Wechat/{appKey}/GenerateScheme → POST /wxa/generatescheme (WECHAT.md §11):
// `data` is the openlink. The target goes inside `jump_wxa`; the errors and the daily quota are
// those of URL links (the two share 500,000 a day).

const PATH = "/wxa/generatescheme";
const OPENLINK = /^weixin:\/\/dl\/business\/\?t=[0-9A-Za-z]{11}$/;

function generate(app: RegisteredApp, body: unknown) {
  return call<Envelope<string | null>>("POST", `/Wechat/${app.appKey}/GenerateScheme`, {
    token: app.apiKey,
    body,
  });
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("POST /Wechat/{appKey}/GenerateScheme", () => {
  it("answers the openlink, asking with the token in the query and the caller's fields as sent", async () => {
    const app = await registerApp("v1-scheme-ok", "wxv1scheme000001");
    const body = {
      jump_wxa: {
        path: "pages/order/detail",
        query: "id=42",
        env_version: "trial",
        future_jump_option: "y",
      },
      expire_type: 0,
      expire_time: nowSeconds() + 3600,
      future_option: { x: 1 },
    };

    const answer = await generate(app, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: expect.stringMatching(OPENLINK), error: "" });

    expect(await theOneJsonPostTo(app.appId, PATH)).toEqual(body);
  });

  it("without jump_wxa it opens the home page", async () => {
    const app = await registerApp("v1-scheme-home", "wxv1scheme000002");
    const answer = await generate(app, { expire_type: 1, expire_interval: 30 });
    expect(answer.body).toEqual({ code: 200, data: expect.stringMatching(OPENLINK), error: "" });
  });

  it("a jump_wxa.path that is not a page is a 400 with WeChat's 40165", async () => {
    const app = await registerApp("v1-scheme-page", "wxv1scheme000003");
    expectWeChatFailure(
      await generate(app, { jump_wxa: { path: "pages/missing/page", query: "id=1" } }),
      400,
      40165,
      "invalid weapp pagepath",
    );
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("an expire_time in the past is a 400 with WeChat's 85401", async () => {
    const app = await registerApp("v1-scheme-expiry", "wxv1scheme000004");
    expectWeChatFailure(
      await generate(app, { jump_wxa: { path: "pages/index/index" }, expire_time: nowSeconds() - 60 }),
      400,
      85401,
      "time limit between 1min and 1year",
    );
  });

  it("a mini program without a published release is a 502 with WeChat's 85079", async () => {
    const app = await registerApp("v1-scheme-unpublished", "wxv1scheme000005", {
      simulator: { published: false },
    });
    expectWeChatFailure(
      await generate(app, { jump_wxa: { path: "pages/index/index" } }),
      502,
      85079,
      "miniprogram has no online release",
    );
  });

  it("schemes share the daily link quota with URL links: over it is a 429 with Retry-After", async () => {
    const app = await registerApp("v1-scheme-quota", "wxv1scheme000006", {
      simulator: { quotas: { links: 1 } },
    });
    const link = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, { token: app.apiKey, body: {} });
    expect(link.status).toBe(200);
    await expectDailyQuotaAnswer(() => generate(app, { jump_wxa: { path: "pages/index/index" } }));
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("a busy WeChat is asked again", async () => {
    const app = await registerApp("v1-scheme-busy", "wxv1scheme000007");
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    const answer = await generate(app, {});
    expect(answer.body).toEqual({ code: 200, data: expect.stringMatching(OPENLINK), error: "" });
    expect(await callsTo(app.appId, PATH)).toBe(2);
  });

  it("a WeChat that stays busy is a 503 with errcode -1 after three attempts", async () => {
    const app = await registerApp("v1-scheme-busy5", "wxv1scheme000008");
    await sim.queueFault(app.appId, { kind: "busy", times: 5, paths: [PATH] });
    expectWeChatFailure(await generate(app, {}), 503, -1, "system error");
    expect(await callsTo(app.appId, PATH)).toBe(3);
  });
});

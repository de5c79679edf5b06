import { describe, expect, it } from "vitest";
import { call, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectDailyQuotaAnswer, expectWeChatFailure, theOneJsonPostTo } from "./wechat-answers.ts";

// SPEC §6 POST /Wechat/{appKey}/SubscribeMSG → POST /cgi-bin/message/template/subscribe
// (WECHAT.md §10): an official account's one-time subscribe message; `data` is WeChat's result.
// Each authorization (per user and scene) allows one message; without one WeChat answers 43101.

const PATH = "/cgi-bin/message/template/subscribe";
const TEMPLATE = "tmpl-oa-notice";

function oneTime(touser: string, extra: Record<string, unknown> = {}) {
  return {
    touser,
    template_id: TEMPLATE,
    scene: "1000",
    title: "Order update",
    data: { content: { value: "Your order has shipped", color: "#173177" } },
    ...extra,
  };
}

function send(app: RegisteredApp, body: unknown) {
  return call("POST", `/Wechat/${app.appKey}/SubscribeMSG`, { token: app.apiKey, body });
}

function officialAccount(appKey: string, appId: string) {
  return registerApp(appKey, appId, { type: "officialaccount" });
}

/** A follower who authorized one message of the template under `scene`. */
async function authorizedFollower(appId: string, openid: string, scene: string | number = "1000") {
  await sim.putUser(appId, openid);
  await sim.authorize(appId, openid, { template_id: TEMPLATE, scene });
  return openid;
}

describe("POST /Wechat/{appKey}/SubscribeMSG", () => {
  it("sends the message and answers WeChat's result", async () => {
    const app = await officialAccount("v1-oamsg-ok", "wxv1oamsg0000001");
    const touser = await authorizedFollower(app.appId, "oV1OaMsgUser00001");
    const body = oneTime(touser, {
      url: "https://shop.example.com/orders/42",
      miniprogram: { appid: "wxv1oamsgminiapp", pagepath: "pages/order/detail?id=42" },
      future_option: { x: 1 },
    });

    const answer = await send(app, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: { errcode: 0, errmsg: "ok" }, error: "" });

    const delivered = await sim.messages(app.appId);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({
      path: PATH,
      msgid: null,
      touser,
      template_id: TEMPLATE,
      scene: "1000",
      page: "pages/order/detail?id=42",
      data: body.data,
    });
    expect(await theOneJsonPostTo(app.appId, PATH)).toEqual(body);
  });

  it("an authorization allows one message under its own scene; a numeric scene works too", async () => {
    const app = await officialAccount("v1-oamsg-scene", "wxv1oamsg0000002");
    const touser = await authorizedFollower(app.appId, "oV1OaMsgUser00002");
    await sim.authorize(app.appId, touser, { template_id: TEMPLATE, scene: 3000 });

    expect((await send(app, oneTime(touser))).status).toBe(200);
    expectWeChatFailure(await send(app, oneTime(touser)), 400, 43101, "user refuse to accept the msg");
    expectWeChatFailure(
      await send(app, oneTime(touser, { scene: "2000" })),
      400,
      43101,
      "user refuse to accept the msg",
    );
    const numeric = await send(app, oneTime(touser, { scene: 3000 }));
    expect(numeric.status).toBe(200);
    expect(numeric.body).toEqual({ code: 200, data: { errcode: 0, errmsg: "ok" }, error: "" });
    expect((await sim.messages(app.appId)).map((m) => m.scene)).toEqual(["1000", "3000"]);
  });

  it("WeChat's refusals are 400s with WeChat's errcode and errmsg, asked once each", async () => {
    const app = await officialAccount("v1-oamsg-refused", "wxv1oamsg0000003");
    const touser = await authorizedFollower(app.appId, "oV1OaMsgUser00003");
    await sim.putUser(app.appId, "oV1OaMsgNoGrant01");

    const cases: [body: unknown, errcode: number, errmsg: string][] = [
      [oneTime("oV1OaMsgStranger1"), 40003, "invalid openid"],
      [oneTime(touser, { template_id: "tmpl-not-mine" }), 40037, "invalid template_id"],
      [oneTime("oV1OaMsgNoGrant01"), 43101, "user refuse to accept the msg"],
      [
        oneTime(touser, { data: { content: { value: "" } } }),
        47003,
        "argument invalid! data.content.value is empty",
      ],
    ];
    for (const [body, errcode, errmsg] of cases) {
      expectWeChatFailure(await send(app, body), 400, errcode, errmsg);
    }
    expect(await callsTo(app.appId, PATH)).toBe(cases.length);
    expect(await sim.messages(app.appId)).toEqual([]);
    // The refusals did not use up the follower's authorization.
    expect((await send(app, oneTime(touser))).status).toBe(200);
  });

  it("WeChat's daily quota is a 429 with Retry-After until China midnight, not retried", async () => {
    const app = await officialAccount("v1-oamsg-quota", "wxv1oamsg0000004");
    const touser = await authorizedFollower(app.appId, "oV1OaMsgUser00004");
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 45009,
      errmsg: "reach max api daily quota limit",
      times: 1,
      paths: [PATH],
    });
    await expectDailyQuotaAnswer(() => send(app, oneTime(touser)));
    expect(await callsTo(app.appId, PATH)).toBe(1);
    expect(await sim.messages(app.appId)).toEqual([]);
  });

  it("a busy WeChat is asked again and the message goes out once", async () => {
    const app = await officialAccount("v1-oamsg-busy", "wxv1oamsg0000005");
    const touser = await authorizedFollower(app.appId, "oV1OaMsgUser00005");
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    const answer = await send(app, oneTime(touser));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: { errcode: 0, errmsg: "ok" }, error: "" });
    expect(await callsTo(app.appId, PATH)).toBe(2);
    expect(await sim.messages(app.appId)).toHaveLength(1);
  });

  it("a WeChat that stays busy is a 503 with errcode -1 after three attempts", async () => {
    const app = await officialAccount("v1-oamsg-busy5", "wxv1oamsg0000006");
    const touser = await authorizedFollower(app.appId, "oV1OaMsgUser00006");
    await sim.queueFault(app.appId, { kind: "busy", times: 5, paths: [PATH] });
    expectWeChatFailure(await send(app, oneTime(touser)), 503, -1, "system error");
    expect(await callsTo(app.appId, PATH)).toBe(3);
    expect(await sim.messages(app.appId)).toEqual([]);
  });
});

import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import {
  callsTo,
  expectDailyQuotaAnswer,
  expectWeChatFailure,
  requestsTo,
  theOneJsonPostTo,
} from "./wechat-answers.ts";

// SPEC §6 POST /Wechat/{appKey}/SubscribeSend → POST /cgi-bin/message/subscribe/send (WECHAT.md §8):
// `data` is WeChat's answer as sent, msgid with all 19 digits; WeChat's refusals keep their errcode.

const PATH = "/cgi-bin/message/subscribe/send";
const TEMPLATE = "tmpl-order-shipped";
const DATA = {
  thing1: { value: "Order shipped" },
  character_string2: { value: "SF1234567890" },
  time3: { value: "2026-11-21 10:00" },
};

function message(touser: string, extra: Record<string, unknown> = {}) {
  return { touser, template_id: TEMPLATE, data: DATA, ...extra };
}

function send(app: RegisteredApp, body: unknown) {
  return call("POST", `/Wechat/${app.appKey}/SubscribeSend`, { token: app.apiKey, body });
}

/** The gateway's answer as text: parsing it as JSON would cut the msgid's digits. */
async function sendRaw(app: RegisteredApp, body: unknown) {
  const response = await exports.default.fetch(
    new Request(`https://gateway.test/Wechat/${app.appKey}/SubscribeSend`, {
      method: "POST",
      headers: { Authorization: `Bearer ${app.apiKey}`, "Content-Type": "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
  );
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A user of the app who accepted `count` messages of the template. */
async function authorizedUser(appId: string, openid: string, count = 1) {
  await sim.putUser(appId, openid);
  await sim.authorize(appId, openid, { template_id: TEMPLATE, count });
  return openid;
}

describe("POST /Wechat/{appKey}/SubscribeSend", () => {
  it("delivers the message and answers WeChat's result with every digit of the msgid", async () => {
    const app = await registerApp("v1-subsend-ok", "wxv1subsend00001");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0001");
    const body = message(touser, {
      page: "pages/order/detail?id=42",
      miniprogram_state: "formal",
      lang: "zh_CN",
      future_option: { x: 1 },
    });

    const answer = await sendRaw(app, body);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);

    const delivered = await sim.messages(app.appId);
    expect(delivered).toHaveLength(1);
    const msgid = delivered[0]!.msgid!;
    expect(msgid).toMatch(/^\d{19}$/);
    expect(JSON.parse(answer.text)).toEqual({
      code: 200,
      data: { errcode: 0, errmsg: "ok", msgid: expect.any(Number) },
      error: "",
    });
    // The digits as WeChat sent them, not as a double would round them.
    expect(answer.text.match(/"msgid"\s*:\s*(\d+)/)?.[1]).toBe(msgid);
    expect(delivered[0]).toMatchObject({
      path: PATH,
      touser,
      template_id: TEMPLATE,
      data: DATA,
      page: "pages/order/detail?id=42",
    });

    expect(await theOneJsonPostTo(app.appId, PATH)).toEqual(body);
  });

  it("fields the gateway does not know reach WeChat unchanged, big integers with every digit", async () => {
    const app = await registerApp("v1-subsend-bigint", "wxv1subsend00007");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0007");
    // What a caller's JSON library writes for an int64 (e.g. an order id from a database).
    const text = `{"touser":"${touser}","template_id":"${TEMPLATE}","data":${JSON.stringify(DATA)},"future_id":9007199254740993123}`;
    const answer = await sendRaw(app, text);
    expect(answer.status).toBe(200);
    const [sent] = await requestsTo(app.appId, PATH);
    expect(sent!.bodyText).toMatch(/"future_id":9007199254740993123[,}]/);
  });

  it("an access_token the caller left in the body never reaches WeChat", async () => {
    const app = await registerApp("v1-subsend-bodytoken", "wxv1subsend00008");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0008");
    const answer = await send(app, message(touser, { access_token: "a-stale-token-of-the-caller" }));
    expect(answer.status).toBe(200);
    const [sent] = await requestsTo(app.appId, PATH);
    expect(sent).toMatchObject({ accessTokenInQuery: true, bodyHasAccessToken: false });
    expect(JSON.parse(sent!.bodyText)).toEqual(message(touser));
  });

  it("an access_token key spelled with a JSON escape is dropped as well", async () => {
    const app = await registerApp("v1-subsend-escapedtoken", "wxv1subsend00009");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0009");
    const spelled = JSON.stringify(message(touser)).replace(/}$/, ',"access\\u005ftoken":"a-stale-token"}');
    expect(spelled).toContain("access\\u005ftoken");
    const answer = await send(app, spelled);
    expect(answer.status).toBe(200);
    const [sent] = await requestsTo(app.appId, PATH);
    expect(sent).toMatchObject({ accessTokenInQuery: true, bodyHasAccessToken: false });
    expect(JSON.parse(sent!.bodyText)).toEqual(message(touser));
  });

  it("one authorization is one message: the next one is refused with 43101", async () => {
    const app = await registerApp("v1-subsend-once", "wxv1subsend00002");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0002");
    expect((await send(app, message(touser))).status).toBe(200);
    expectWeChatFailure(await send(app, message(touser)), 400, 43101, "user refuse to accept the msg");
    expect((await sim.user(app.appId, touser)).authorizations).toEqual([
      { template_id: TEMPLATE, scene: null, remaining: 0 },
    ]);
    expect(await sim.messages(app.appId)).toHaveLength(1);
  });

  it("WeChat's refusals are 400s with WeChat's errcode and errmsg, asked once each", async () => {
    const app = await registerApp("v1-subsend-refused", "wxv1subsend00003");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0003", 5);
    await sim.putUser(app.appId, "oV1SubSendNoGrant1");
    await sim.authorize(app.appId, "oV1SubSendNoGrant1", { template_id: "tmpl-oa-notice" });

    const cases: [body: unknown, errcode: number, errmsg: string][] = [
      [message("oV1SubSendStranger"), 40003, "invalid openid"],
      [{ ...message(touser), template_id: "tmpl-not-mine" }, 40037, "invalid template_id"],
      [message("oV1SubSendNoGrant1"), 43101, "user refuse to accept the msg"],
      [
        message(touser, { data: { ...DATA, thing1: { value: "" } } }),
        47003,
        "argument invalid! data.thing1.value is empty",
      ],
      [
        message(touser, { data: { thing1: DATA.thing1, character_string2: DATA.character_string2 } }),
        47003,
        "argument invalid! data.time3.value is empty",
      ],
      [
        message(touser, {
          data: { ...DATA, thing1: { value: "这是一个超过二十个字的订单名称所以微信不会接受它" } },
        }),
        47003,
        "argument invalid! data.thing1.value invalid",
      ],
      [message(touser, { page: "pages/missing/page" }), 41030, "invalid page"],
    ];
    for (const [body, errcode, errmsg] of cases) {
      expectWeChatFailure(await send(app, body), 400, errcode, errmsg);
    }
    // A refusal is final: no retry, nothing delivered, no authorization used up.
    expect(await callsTo(app.appId, PATH)).toBe(cases.length);
    expect(await sim.messages(app.appId)).toEqual([]);
    expect((await sim.user(app.appId, touser)).authorizations).toEqual([
      { template_id: TEMPLATE, scene: null, remaining: 5 },
    ]);
  });

  it("WeChat's daily quota is a 429 with Retry-After until China midnight, not retried", async () => {
    const app = await registerApp("v1-subsend-quota", "wxv1subsend00004");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0004");
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 45009,
      errmsg: "reach max api daily quota limit",
      times: 1,
      paths: [PATH],
    });
    await expectDailyQuotaAnswer(() => send(app, message(touser)));
    expect(await callsTo(app.appId, PATH)).toBe(1);
    expect(await sim.messages(app.appId)).toEqual([]);
  });

  it("a busy WeChat is asked again and the message goes out once", async () => {
    const app = await registerApp("v1-subsend-busy", "wxv1subsend00005");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0005");
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    const answer = await send(app, message(touser));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code: 200, data: { errcode: 0, errmsg: "ok" }, error: "" });
    expect(await callsTo(app.appId, PATH)).toBe(2);
    expect(await sim.messages(app.appId)).toHaveLength(1);
  });

  it("a WeChat that stays busy is a 503 with errcode -1 after three attempts", async () => {
    const app = await registerApp("v1-subsend-busy5", "wxv1subsend00006");
    const touser = await authorizedUser(app.appId, "oV1SubSendUser0006");
    await sim.queueFault(app.appId, { kind: "busy", times: 5, paths: [PATH] });
    expectWeChatFailure(await send(app, message(touser)), 503, -1, "system error");
    expect(await callsTo(app.appId, PATH)).toBe(3);
    expect(await sim.messages(app.appId)).toEqual([]);
  });
});

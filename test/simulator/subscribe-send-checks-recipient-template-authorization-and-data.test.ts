import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, postRaw, RID_SUFFIX, sim } from "../support/simulator.ts";

const SEND = "/cgi-bin/message/subscribe/send";
const TEMPLATE = "tmpl-order-shipped";
const GOOD_DATA = {
  thing1: { value: "Order shipped" },
  character_string2: { value: "SF1234567890" },
  time3: { value: "2024-05-01 10:30" },
};

async function userWithAuthorization(appid: string, count = 1): Promise<string> {
  const { openid } = await sim.loginCode(appid);
  await sim.authorize(appid, openid, { template_id: TEMPLATE, count });
  return openid;
}

describe("subscribe/send checks recipient, template, data and authorization", () => {
  it("success returns a 19-digit msgid that a double cannot hold, and records the message", async () => {
    const appid = "wxsimsend0000001";
    const token = await appWithToken(appid);
    const touser = await userWithAuthorization(appid);
    const body = {
      touser,
      template_id: TEMPLATE,
      data: GOOD_DATA,
      page: "pages/order/detail?id=7",
      lang: "en_US",
    };
    const res = await postRaw(SEND, token, body);
    expect(res.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    const text = await res.text();
    const match = /^\{"errcode":0,"errmsg":"ok","msgid":(\d{19})\}$/.exec(text);
    expect(match).not.toBeNull();
    const digits = match?.[1] ?? "";
    expect(BigInt(digits) > 2n ** 53n).toBe(true);
    expect(String((JSON.parse(text) as { msgid: number }).msgid)).not.toBe(digits);

    const [message] = await sim.messages(appid);
    expect(message).toMatchObject({
      path: SEND,
      msgid: digits,
      touser,
      template_id: TEMPLATE,
      data: GOOD_DATA,
      page: "pages/order/detail?id=7",
      body,
    });
  });

  it("each send uses one authorization; without one left comes 43101", async () => {
    const appid = "wxsimsend0000002";
    const token = await appWithToken(appid);
    const touser = await userWithAuthorization(appid, 2);
    const body = { touser, template_id: TEMPLATE, data: GOOD_DATA };
    expect((await postBusiness(SEND, token, body)).errcode).toBe(0);
    expect((await sim.user(appid, touser)).authorizations).toEqual([
      { template_id: TEMPLATE, scene: null, remaining: 1 },
    ]);
    expect((await postBusiness(SEND, token, body)).errcode).toBe(0);
    const refused = await postBusiness(SEND, token, body);
    expect(refused.errcode).toBe(43101);
    expect(refused.errmsg).toMatch(/^user refuse to accept the msg/);
    expect(refused.errmsg).toMatch(RID_SUFFIX);
    expect(await sim.messages(appid)).toHaveLength(2);
  });

  it("an unknown recipient gets 40003, an unknown template 40037", async () => {
    const appid = "wxsimsend0000003";
    const token = await appWithToken(appid);
    const touser = await userWithAuthorization(appid);
    const stranger = await postBusiness(SEND, token, {
      touser: "oNobodyKnowsThisUser00000000",
      template_id: TEMPLATE,
      data: GOOD_DATA,
    });
    expect(stranger.errcode).toBe(40003);
    expect(stranger.errmsg).toMatch(/^invalid openid/);
    expect((await postBusiness(SEND, token, { template_id: TEMPLATE, data: GOOD_DATA })).errcode).toBe(40003);
    const wrongTemplate = await postBusiness(SEND, token, {
      touser,
      template_id: "tmpl-nope",
      data: GOOD_DATA,
    });
    expect(wrongTemplate.errcode).toBe(40037);
    expect(wrongTemplate.errmsg).toMatch(/^invalid template_id/);
    // A refused send does not use the authorization.
    expect((await sim.user(appid, touser)).authorizations[0]?.remaining).toBe(1);
  });

  it("every template key needs a value that fits its placeholder type (47003 naming the key)", async () => {
    const appid = "wxsimsend0000004";
    const token = await appWithToken(appid);
    const touser = await userWithAuthorization(appid);
    const send = (data: unknown) => postBusiness(SEND, token, { touser, template_id: TEMPLATE, data });

    const missing = await send({ thing1: GOOD_DATA.thing1, time3: GOOD_DATA.time3 });
    expect(missing.errcode).toBe(47003);
    expect(missing.errmsg).toMatch(/^argument invalid! data\.character_string2\.value is empty rid: /);
    expect((await send({ ...GOOD_DATA, thing1: { value: "" } })).errmsg).toMatch(
      /^argument invalid! data\.thing1\.value is empty/,
    );
    const tooLong = await send({
      ...GOOD_DATA,
      thing1: { value: "一二三四五六七八九十一二三四五六七八九十一" },
    });
    expect(tooLong.errmsg).toMatch(/^argument invalid! data\.thing1\.value invalid/);
    const notAscii = await send({ ...GOOD_DATA, character_string2: { value: "订单号" } });
    expect(notAscii.errmsg).toMatch(/^argument invalid! data\.character_string2\.value invalid/);
    expect((await send(GOOD_DATA)).errcode).toBe(0);
  });

  it("limits by placeholder type: number, letter, symbol, phone_number, car_number, phrase, name", async () => {
    const appid = "wxsimsend0000005";
    const keys = ["number1", "letter2", "symbol3", "phone_number4", "car_number5", "phrase6", "name7"];
    const token = await appWithToken(appid, { templates: { "tmpl-all-types": keys } });
    const { openid: touser } = await sim.loginCode(appid);
    await sim.authorize(appid, touser, { template_id: "tmpl-all-types" });
    const good: Record<string, { value: string }> = {
      number1: { value: "12.50" },
      letter2: { value: "abc" },
      symbol3: { value: "%" },
      phone_number4: { value: "+86 138 0000 0000" },
      car_number5: { value: "粤A12345" },
      phrase6: { value: "已发货" },
      name7: { value: "张三" },
    };
    const bad: Record<string, string> = {
      number1: "12a",
      letter2: "abc1",
      symbol3: "%%%%%%",
      phone_number4: "+86 138 0000 0000 0",
      car_number5: "粤A1234567",
      phrase6: "已经发货了吧",
      name7: "ABCDEFGHIJKLMNOPQRSTU",
    };
    for (const [key, value] of Object.entries(bad)) {
      const answer = await postBusiness(SEND, token, {
        touser,
        template_id: "tmpl-all-types",
        data: { ...good, [key]: { value } },
      });
      expect(answer.errmsg, key).toMatch(new RegExp(`^argument invalid! data\\.${key}\\.value invalid`));
    }
    expect(
      (await postBusiness(SEND, token, { touser, template_id: "tmpl-all-types", data: good })).errcode,
    ).toBe(0);
  });

  it("page must be a published page (41030); miniprogram_state one of developer/trial/formal (47003)", async () => {
    const appid = "wxsimsend0000006";
    const token = await appWithToken(appid);
    const touser = await userWithAuthorization(appid);
    const base = { touser, template_id: TEMPLATE, data: GOOD_DATA };
    const badPage = await postBusiness(SEND, token, { ...base, page: "pages/missing/missing?x=1" });
    expect(badPage.errcode).toBe(41030);
    expect(badPage.errmsg).toMatch(/^invalid page/);
    expect((await postBusiness(SEND, token, { ...base, miniprogram_state: "production" })).errcode).toBe(
      47003,
    );
    expect(
      (await postBusiness(SEND, token, { ...base, page: "pages/index/index", miniprogram_state: "trial" }))
        .errcode,
    ).toBe(0);
  });
});

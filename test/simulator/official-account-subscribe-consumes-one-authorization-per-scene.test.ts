import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, sim } from "../support/simulator.ts";

const SUBSCRIBE = "/cgi-bin/message/template/subscribe";
const TEMPLATE = "tmpl-oa-notice";

function message(touser: string, scene: string | number, extra: Record<string, unknown> = {}) {
  return {
    touser,
    template_id: TEMPLATE,
    scene,
    title: "Order update",
    data: { content: { value: "Shipped" } },
    ...extra,
  };
}

describe("official-account one-time subscribe consumes one authorization per scene", () => {
  it("an authorization for a scene allows one send under that scene only", async () => {
    const appid = "wxsimoneo0000001";
    const token = await appWithToken(appid);
    const { openid } = await sim.putUser(appid, "oOneTimeSubscriber0000000001");
    await sim.authorize(appid, openid, { template_id: TEMPLATE, scene: 1000 });
    expect((await postBusiness(SUBSCRIBE, token, message(openid, "2000"))).errcode).toBe(43101);
    expect(await postBusiness(SUBSCRIBE, token, message(openid, "1000"))).toEqual({
      errcode: 0,
      errmsg: "ok",
    });
    const again = await postBusiness(SUBSCRIBE, token, message(openid, 1000));
    expect(again.errcode).toBe(43101);
    expect(again.errmsg).toMatch(/^user refuse to accept the msg/);
  });

  it("a number scene and its text are the same scene; a mini-program authorization does not count", async () => {
    const appid = "wxsimoneo0000002";
    const token = await appWithToken(appid);
    const { openid } = await sim.putUser(appid, "oOneTimeSubscriber0000000002");
    await sim.authorize(appid, openid, { template_id: TEMPLATE });
    expect((await postBusiness(SUBSCRIBE, token, message(openid, 7))).errcode).toBe(43101);
    const granted = await sim.authorize(appid, openid, { template_id: TEMPLATE, scene: "7" });
    expect(granted.authorizations).toContainEqual({ template_id: TEMPLATE, scene: "7", remaining: 1 });
    expect((await postBusiness(SUBSCRIBE, token, message(openid, 7))).errcode).toBe(0);
    const [sent] = await sim.messages(appid);
    expect(sent).toMatchObject({
      path: SUBSCRIBE,
      msgid: null,
      touser: openid,
      template_id: TEMPLATE,
      scene: "7",
    });
  });

  it("checks touser (40003), template_id (40037) and the fields (47003 naming the field)", async () => {
    const appid = "wxsimoneo0000003";
    const token = await appWithToken(appid);
    const { openid } = await sim.putUser(appid, "oOneTimeSubscriber0000000003");
    await sim.authorize(appid, openid, { template_id: TEMPLATE, scene: "1" });
    expect((await postBusiness(SUBSCRIBE, token, message("oUnknownUser0000000000000000", "1"))).errcode).toBe(
      40003,
    );
    expect(
      (await postBusiness(SUBSCRIBE, token, message(openid, "1", { template_id: "nope" }))).errcode,
    ).toBe(40037);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ scene: "" }, /^argument invalid! scene is empty/],
      [{ title: undefined }, /^argument invalid! title is empty/],
      [{ title: "一二三四五六七八九十一二三四五六" }, /^argument invalid! title invalid/],
      [{ data: {} }, /^argument invalid! data\.content\.value is empty/],
      [{ data: { content: { value: "x".repeat(201) } } }, /^argument invalid! data\.content\.value invalid/],
      [{ miniprogram: { appid: "wxother" } }, /^argument invalid! miniprogram\.pagepath is empty/],
    ];
    for (const [change, errmsg] of cases) {
      const answer = await postBusiness(SUBSCRIBE, token, message(openid, "1", change));
      expect(answer.errcode, JSON.stringify(change)).toBe(47003);
      expect(answer.errmsg).toMatch(errmsg);
    }
    const ok = message(openid, "1", { miniprogram: { appid: "wxother", pagepath: "pages/index/index?x=1" } });
    expect((await postBusiness(SUBSCRIBE, token, ok)).errcode).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { appWithToken, getBusiness, sim } from "../support/simulator.ts";

const USER_INFO = "/cgi-bin/user/info";

describe("user/info returns the follower, with a unionid only when one is bound", () => {
  it("a follower with a unionid gets the full object, no errcode", async () => {
    const appid = "wxsiminfo0000001";
    const token = await appWithToken(appid);
    const user = await sim.putUser(appid, "oFollowerWithUnionid00000001", {
      unionid: "oUnionOfTheFollower000000001",
    });
    const info = await getBusiness(USER_INFO, token, { openid: user.openid, lang: "zh_CN" });
    expect(info).toEqual({
      subscribe: 1,
      openid: user.openid,
      language: "zh_CN",
      subscribe_time: user.subscribeTime,
      unionid: "oUnionOfTheFollower000000001",
      remark: "",
      groupid: 0,
      tagid_list: [],
      subscribe_scene: "ADD_SCENE_QR_CODE",
      qr_scene: 0,
      qr_scene_str: "",
    });
  });

  it("no unionid field for a user without one", async () => {
    const appid = "wxsiminfo0000002";
    const token = await appWithToken(appid);
    await sim.putUser(appid, "oFollowerWithoutUnionid00002", { unionid: null });
    const info = await getBusiness(USER_INFO, token, { openid: "oFollowerWithoutUnionid00002" });
    expect(info.subscribe).toBe(1);
    expect("unionid" in info).toBe(false);
  });

  it("someone who does not follow gets only subscribe, openid and unionid", async () => {
    const appid = "wxsiminfo0000003";
    const token = await appWithToken(appid);
    const user = await sim.putUser(appid, "oFormerFollower0000000000003", { subscribe: 0 });
    expect(await getBusiness(USER_INFO, token, { openid: user.openid })).toEqual({
      subscribe: 0,
      openid: user.openid,
      unionid: user.unionid,
    });
  });

  it("an unknown or missing openid gets 40003", async () => {
    const appid = "wxsiminfo0000004";
    const token = await appWithToken(appid);
    const unknown = await getBusiness(USER_INFO, token, { openid: "oNotAFollower000000000000004" });
    expect(unknown.errcode).toBe(40003);
    expect(unknown.errmsg).toMatch(/^invalid openid rid: /);
    expect((await getBusiness(USER_INFO, token)).errcode).toBe(40003);
  });
});

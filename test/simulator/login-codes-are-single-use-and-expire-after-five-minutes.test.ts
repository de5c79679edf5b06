import { describe, expect, it } from "vitest";
import { jscode2session, RID_SUFFIX, SIM_BASE, sim } from "../support/simulator.ts";

/** WeChat ids: 28 characters of base64url starting with "o". */
const WECHAT_ID = /^o[A-Za-z0-9_-]{27}$/;

describe("login codes are single use and expire after five minutes", () => {
  it("a fresh code gives the user's openid, session_key and unionid, with no errcode", async () => {
    const appid = "wxsimcode0000001";
    await sim.registerApp(appid);
    const issued = await sim.loginCode(appid);
    expect(issued.openid).toMatch(WECHAT_ID);
    expect(issued.unionid).toMatch(WECHAT_ID);
    expect(issued.session_key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const session = await jscode2session(appid, issued.code);
    expect(session).toEqual({
      session_key: issued.session_key,
      openid: issued.openid,
      unionid: issued.unionid,
    });
  });

  it("the second exchange of a code gets 40163 'code been used'", async () => {
    const appid = "wxsimcode0000002";
    await sim.registerApp(appid);
    const { code } = await sim.loginCode(appid);
    expect((await jscode2session(appid, code)).openid).toBeDefined();
    const again = await jscode2session(appid, code);
    expect(again.errcode).toBe(40163);
    expect(again.errmsg).toMatch(/^code been used/);
    expect(again.errmsg).toMatch(RID_SUFFIX);
  });

  it("a code older than five minutes, or never issued, gets 40029 'invalid code'", async () => {
    const appid = "wxsimcode0000003";
    await sim.registerApp(appid);
    const fresh = await sim.loginCode(appid);
    const stale = await sim.loginCode(appid);
    await sim.advance(appid, 299);
    expect((await jscode2session(appid, fresh.code)).openid).toBe(fresh.openid);
    await sim.advance(appid, 2);
    const expired = await jscode2session(appid, stale.code);
    expect(expired.errcode).toBe(40029);
    expect(expired.errmsg).toMatch(/^invalid code rid: /);
    expect((await jscode2session(appid, "0nEverIssuedCode000000000000000x")).errcode).toBe(40029);
  });

  it("a blocked code gets 40226; a missing js_code 41008", async () => {
    const appid = "wxsimcode0000004";
    await sim.registerApp(appid);
    const { code } = await sim.loginCode(appid, { blocked: true });
    const blocked = await jscode2session(appid, code);
    expect(blocked.errcode).toBe(40226);
    expect(blocked.errmsg).toMatch(/^code blocked/);
    const missing = await jscode2session(appid, undefined);
    expect(missing.errcode).toBe(41008);
    expect(missing.errmsg).toMatch(/^missing code/);
  });

  it("a user without a unionid gets none; a user's later code reuses the openid with a new session_key", async () => {
    const appid = "wxsimcode0000005";
    await sim.registerApp(appid);
    const first = await sim.loginCode(appid, { unionid: null });
    expect(first.unionid).toBeNull();
    const session = await jscode2session(appid, first.code);
    expect(session).toEqual({ session_key: first.session_key, openid: first.openid });
    expect("unionid" in session).toBe(false);

    const second = await sim.loginCode(appid, { openid: first.openid });
    expect(second.openid).toBe(first.openid);
    expect(second.session_key).not.toBe(first.session_key);
    expect((await sim.user(appid, first.openid)).session_key).toBe(second.session_key);
  });

  it("the user of a code becomes known to the app, and the exchange counts as a business call", async () => {
    const appid = "wxsimcode0000006";
    await sim.registerApp(appid);
    const { code, openid } = await sim.loginCode(appid, { openid: "oTestUserForLoginCodes000006" });
    await jscode2session(appid, code);
    const user = await sim.user(appid, openid);
    expect(user.lastLoginAt).not.toBeNull();
    const state = await sim.state(appid);
    expect(state.calls.business).toBe(1);
    expect(state.calls.byPath["/sns/jscode2session"]).toBe(1);
  });

  it("codes belong to one app", async () => {
    const appid = "wxsimcode0000007";
    const other = "wxsimcode0000008";
    await sim.registerApp(appid);
    await sim.registerApp(other);
    const { code } = await sim.loginCode(appid);
    expect((await jscode2session(other, code)).errcode).toBe(40029);
    const res = await fetch(`${SIM_BASE}/sns/jscode2session?appid=${appid}`);
    expect(res.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    await res.text();
  });
});

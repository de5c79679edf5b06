import { describe, expect, it } from "vitest";
import { authorizedApp, componentWithToken, SIM_BASE, sim, type WeChatAnswer } from "../support/simulator.ts";

async function componentSession(query: Record<string, string>): Promise<WeChatAnswer> {
  const params = new URLSearchParams({ grant_type: "authorization_code", ...query });
  return (await fetch(`${SIM_BASE}/sns/component/jscode2session?${params}`)).json();
}

describe("component jscode2session exchanges a code with the component token", () => {
  it("gives the authorizer's user session for a wx.login code, once", async () => {
    const component = "wxsimcompsess001";
    const authorizer = "wxsimcompsessapp1";
    const { componentToken } = await authorizedApp(component, authorizer);
    const code = await sim.loginCode(authorizer);
    const query = {
      appid: authorizer,
      js_code: code.code,
      component_appid: component,
      component_access_token: componentToken,
    };
    const session = await componentSession(query);
    expect(session).toEqual({ session_key: code.session_key, openid: code.openid, unionid: code.unionid });
    expect((await componentSession(query)).errcode).toBe(40163);
    expect((await sim.component(component)).calls.jscode2session).toBe(2);
    const logged = (await sim.requests(authorizer)).at(-1);
    expect(logged?.query.component_access_token).toBe("<redacted>");
  });

  it("checks the component token (41001, 40001), the component (40013) and the authorization (61003)", async () => {
    const component = "wxsimcompsess002";
    const authorizer = "wxsimcompsessapp2";
    const { componentToken } = await authorizedApp(component, authorizer);
    const { code } = await sim.loginCode(authorizer);
    const base = { appid: authorizer, js_code: code, component_appid: component };
    expect((await componentSession(base)).errcode).toBe(41001);
    expect((await componentSession({ ...base, component_access_token: "garbage" })).errcode).toBe(40001);
    const otherToken = await componentWithToken("wxsimcompsess003");
    expect((await componentSession({ ...base, component_access_token: otherToken })).errcode).toBe(40013);
    const stranger = "wxsimcompsessapp3";
    await sim.registerApp(stranger);
    const strangerCode = await sim.loginCode(stranger);
    const notAuthorized = await componentSession({
      ...base,
      appid: stranger,
      js_code: strangerCode.code,
      component_access_token: componentToken,
    });
    expect(notAuthorized.errcode).toBe(61003);
    await sim.revokeApp(component, authorizer);
    expect((await componentSession({ ...base, component_access_token: componentToken })).errcode).toBe(61003);
  });

  it("the grant_type must be authorization_code (40002), js_code present (41008)", async () => {
    const component = "wxsimcompsess004";
    const authorizer = "wxsimcompsessapp4";
    const { componentToken } = await authorizedApp(component, authorizer);
    const base = { appid: authorizer, component_appid: component, component_access_token: componentToken };
    expect((await componentSession({ ...base, grant_type: "client_credential" })).errcode).toBe(40002);
    expect((await componentSession(base)).errcode).toBe(41008);
  });
});

import { describe, expect, it } from "vitest";
import { componentWithToken, errcodeWith, postComponent, sim } from "../support/simulator.ts";

const queryAuth = (componentAppid: string, token: string, code: string) =>
  postComponent("api_query_auth", token, { component_appid: componentAppid, authorization_code: code });

describe("authorization codes are exchanged once", () => {
  it("api_query_auth gives the authorizer's token, refresh token and the granted permission sets", async () => {
    const component = "wxsimauthcode001";
    const authorizer = "wxsimauthcodeapp1";
    const token = await componentWithToken(component);
    const granted = await sim.authorizeApp(component, {
      authorizerAppid: authorizer,
      funcInfo: [17, 18, 65],
    });
    expect(granted.authCode).toMatch(/^queryauthcode@@@/);
    expect(granted.infoType).toBe("authorized");
    const answer = await queryAuth(component, token, granted.authCode);
    expect(answer.errcode).toBeUndefined();
    expect(answer.authorization_info).toEqual({
      authorizer_appid: authorizer,
      authorizer_access_token: expect.stringMatching(/^\d+_[A-Za-z0-9_-]{100,}$/),
      expires_in: 7200,
      authorizer_refresh_token: expect.stringMatching(/^refreshtoken@@@/),
      func_info: [17, 18, 65].map((id) => ({ funcscope_category: { id } })),
    });
    expect(await errcodeWith(answer.authorization_info?.authorizer_access_token)).toBe(0);
    const state = await sim.component(component);
    expect(state.authorizers).toEqual([
      expect.objectContaining({
        authorizerAppid: authorizer,
        authorized: true,
        refreshToken: answer.authorization_info?.authorizer_refresh_token,
        funcInfo: [17, 18, 65],
      }),
    ]);
  });

  it("the second exchange of a code is 61010, a code never issued 61009, a missing one 41008", async () => {
    const component = "wxsimauthcode002";
    const token = await componentWithToken(component);
    const { authCode } = await sim.authorizeApp(component, { authorizerAppid: "wxsimauthcodeapp2" });
    expect((await queryAuth(component, token, authCode)).authorization_info).toBeDefined();
    const again = await queryAuth(component, token, authCode);
    expect(again.errcode).toBe(61010);
    expect(again.errmsg).toMatch(/^code is expired rid: /);
    expect((await queryAuth(component, token, "queryauthcode@@@neverIssued")).errcode).toBe(61009);
    const missing = await postComponent("api_query_auth", token, { component_appid: component });
    expect(missing.errcode).toBe(41008);
  });

  it("a code expires after 10 minutes (AuthorizationCodeExpiredTime)", async () => {
    const component = "wxsimauthcode003";
    const token = await componentWithToken(component);
    const first = await sim.authorizeApp(component, { authorizerAppid: "wxsimauthcodeapp3" });
    const second = await sim.authorizeApp(component, { authorizerAppid: "wxsimauthcodeapp4" });
    expect(first.expiresAt - (await sim.component(component)).now).toBeGreaterThan(599_000);
    await sim.advance(component, 599);
    expect((await queryAuth(component, token, first.authCode)).authorization_info).toBeDefined();
    await sim.advance(component, 2);
    expect((await queryAuth(component, token, second.authCode)).errcode).toBe(61010);
  });

  it("a code belongs to its component: another component's token is refused", async () => {
    const component = "wxsimauthcode004";
    const other = "wxsimauthcode005";
    await componentWithToken(component);
    const otherToken = await componentWithToken(other);
    const { authCode } = await sim.authorizeApp(component, { authorizerAppid: "wxsimauthcodeapp5" });
    expect((await queryAuth(other, otherToken, authCode)).errcode).toBe(61009);
    // The body's component_appid must be the token's component.
    expect((await queryAuth(component, otherToken, authCode)).errcode).toBe(40013);
  });

  it("a pre_auth_code is single use and lives 1800 s; a revoked app's unexchanged code is dead", async () => {
    const component = "wxsimauthcode006";
    const token = await componentWithToken(component);
    const pre = await postComponent("api_create_preauthcode", token, { component_appid: component });
    expect(pre.pre_auth_code).toMatch(/^preauthcode@@@/);
    expect(pre.expires_in).toBe(1800);
    const granted = await sim.authorizeApp(component, {
      authorizerAppid: "wxsimauthcodeapp6",
      preAuthCode: pre.pre_auth_code,
    });
    expect(granted.preAuthCode).toBe(pre.pre_auth_code);
    const reused = await sim.raw("POST", `/components/${component}/authorize`, {
      authorizerAppid: "wxsimauthcodeapp6",
      preAuthCode: pre.pre_auth_code,
    });
    expect(reused.status).toBe(400);
    await sim.revokeApp(component, "wxsimauthcodeapp6");
    expect((await queryAuth(component, token, granted.authCode)).errcode).toBe(61010);
  });
});

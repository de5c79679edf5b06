import { describe, expect, it } from "vitest";
import { authorizedApp, postComponent, sim } from "../support/simulator.ts";

const refresh = (
  component: string,
  componentToken: string,
  authorizer: string,
  refreshToken: string | undefined,
  tokenParam?: "component_access_token" | "access_token",
) =>
  postComponent(
    "api_authorizer_token",
    componentToken,
    { component_appid: component, authorizer_appid: authorizer, authorizer_refresh_token: refreshToken },
    tokenParam,
  );

describe("authorizer refresh tokens rotate and old ones are refused with 61023", () => {
  it("every refresh hands back a new refresh token; the one before it is refused", async () => {
    const component = "wxsimrefresh0001";
    const authorizer = "wxsimrefreshapp01";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer);
    const first = await refresh(component, componentToken, authorizer, refreshToken);
    expect(first.errcode).toBeUndefined();
    expect(first.expires_in).toBe(7200);
    expect(first.authorizer_access_token).toMatch(/^\d+_/);
    expect(first.authorizer_refresh_token).toMatch(/^refreshtoken@@@/);
    expect(first.authorizer_refresh_token).not.toBe(refreshToken);

    const stale = await refresh(component, componentToken, authorizer, refreshToken);
    expect(stale.errcode).toBe(61023);
    expect(stale.errmsg).toMatch(/^refresh_token is invalid rid: /);
    const second = await refresh(component, componentToken, authorizer, first.authorizer_refresh_token);
    expect(second.authorizer_refresh_token).not.toBe(first.authorizer_refresh_token);
    const state = await sim.component(component);
    expect(state.authorizers[0]?.refreshToken).toBe(second.authorizer_refresh_token);
    expect(state.authorizers[0]?.refreshes).toBe(2);
    expect(state.calls.authorizerToken).toBe(3);
  });

  it("a component set not to rotate hands back the same refresh token every time", async () => {
    const component = "wxsimrefresh0002";
    const authorizer = "wxsimrefreshapp02";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer, {
      rotateRefreshTokens: false,
    });
    for (let i = 0; i < 3; i++) {
      const answer = await refresh(component, componentToken, authorizer, refreshToken);
      expect(answer.authorizer_refresh_token).toBe(refreshToken);
    }
    await sim.registerComponent(component, { rotateRefreshTokens: true });
    const rotated = await refresh(component, componentToken, authorizer, refreshToken);
    expect(rotated.authorizer_refresh_token).not.toBe(refreshToken);
  });

  it("takes the component token as access_token= too (newer docs)", async () => {
    const component = "wxsimrefresh0003";
    const authorizer = "wxsimrefreshapp03";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer);
    const answer = await refresh(component, componentToken, authorizer, refreshToken, "access_token");
    expect(answer.authorizer_access_token).toBeDefined();
  });

  it("an invalidated refresh token is 61023; its replacement (or none) is what the control call says", async () => {
    const component = "wxsimrefresh0004";
    const authorizer = "wxsimrefreshapp04";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer);
    const replaced = await sim.invalidateRefreshToken(component, authorizer);
    expect(replaced.refreshToken).toMatch(/^refreshtoken@@@/);
    expect((await refresh(component, componentToken, authorizer, refreshToken)).errcode).toBe(61023);
    expect(
      (await refresh(component, componentToken, authorizer, replaced.refreshToken ?? "")).errcode,
    ).toBeUndefined();

    const dropped = await sim.invalidateRefreshToken(component, authorizer, false);
    expect(dropped.refreshToken).toBeNull();
    expect((await sim.component(component)).authorizers[0]?.refreshToken).toBeNull();
  });

  it("a revoked app's refresh token is 61023; an app that never authorized the component is 61003", async () => {
    const component = "wxsimrefresh0005";
    const authorizer = "wxsimrefreshapp05";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer);
    await sim.revokeApp(component, authorizer);
    expect((await refresh(component, componentToken, authorizer, refreshToken)).errcode).toBe(61023);
    expect((await refresh(component, componentToken, "wxsimrefreshnever", refreshToken)).errcode).toBe(61003);
  });

  it("authorizing again leaves the old refresh token working until the new code is exchanged", async () => {
    const component = "wxsimrefresh0006";
    const authorizer = "wxsimrefreshapp06";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer);
    const again = await sim.authorizeApp(component, { authorizerAppid: authorizer, update: true });
    expect(again.infoType).toBe("updateauthorized");
    const before = await refresh(component, componentToken, authorizer, refreshToken);
    expect(before.errcode).toBeUndefined();
    const exchanged = await postComponent("api_query_auth", componentToken, {
      component_appid: component,
      authorization_code: again.authCode,
    });
    const fresh = exchanged.authorization_info?.authorizer_refresh_token;
    expect(fresh).not.toBe(before.authorizer_refresh_token);
    expect(
      (await refresh(component, componentToken, authorizer, before.authorizer_refresh_token)).errcode,
    ).toBe(61023);
    expect((await refresh(component, componentToken, authorizer, fresh)).errcode).toBeUndefined();
  });
});

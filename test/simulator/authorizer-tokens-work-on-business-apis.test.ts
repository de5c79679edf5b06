import { describe, expect, it } from "vitest";
import {
  authorizedApp,
  errcodeWith,
  fetchClassicToken,
  postComponent,
  sim,
  useToken,
} from "../support/simulator.ts";

const refresh = (component: string, componentToken: string, authorizer: string, refreshToken: string) =>
  postComponent("api_authorizer_token", componentToken, {
    component_appid: component,
    authorizer_appid: authorizer,
    authorizer_refresh_token: refreshToken,
  });

describe("authorizer tokens work on business APIs", () => {
  it("an authorizer app unknown to the simulator becomes one, whose token its business APIs take", async () => {
    const component = "wxsimauthztok001";
    const authorizer = "wxsimauthztokapp1";
    const { accessToken } = await authorizedApp(component, authorizer);
    expect(await errcodeWith(accessToken)).toBe(0);
    const state = await sim.state(authorizer);
    expect(state.tokens.authorizer.current?.token).toBe(accessToken);
    expect(state.calls.byPath["/cgi-bin/get_api_domain_ip"]).toBe(1);
    expect(state.requests.at(-1)?.path).toBe("/cgi-bin/get_api_domain_ip");
  });

  it("a refreshed token replaces the old one, which keeps working 5 minutes", async () => {
    const component = "wxsimauthztok002";
    const authorizer = "wxsimauthztokapp2";
    const { componentToken, accessToken, refreshToken } = await authorizedApp(component, authorizer);
    const fresh = await refresh(component, componentToken, authorizer, refreshToken);
    expect(await errcodeWith(accessToken)).toBe(0);
    await sim.advance(authorizer, 301);
    expect(await errcodeWith(accessToken)).toBe(40001);
    expect(await errcodeWith(fresh.authorizer_access_token)).toBe(0);
    await sim.advance(authorizer, 7200);
    expect(await errcodeWith(fresh.authorizer_access_token)).toBe(42001);
  });

  it("a registered app keeps its own classic token beside its authorizer token", async () => {
    const component = "wxsimauthztok003";
    const authorizer = "wxsimauthztokapp3";
    await sim.registerApp(authorizer);
    const classic = (await fetchClassicToken(authorizer)).access_token;
    const { accessToken } = await authorizedApp(component, authorizer);
    expect(await errcodeWith(classic)).toBe(0);
    expect(await errcodeWith(accessToken)).toBe(0);
  });

  it("revoking kills the authorizer's tokens at once", async () => {
    const component = "wxsimauthztok004";
    const authorizer = "wxsimauthztokapp4";
    const { accessToken } = await authorizedApp(component, authorizer);
    await sim.revokeApp(component, authorizer);
    expect(await errcodeWith(accessToken)).toBe(40001);
    const state = await sim.component(component);
    expect(state.authorizers[0]).toMatchObject({ authorized: false, refreshToken: null });
  });

  it("faults queued on the authorizer apply to its token refreshes", async () => {
    const component = "wxsimauthztok005";
    const authorizer = "wxsimauthztokapp5";
    const { componentToken, refreshToken } = await authorizedApp(component, authorizer);
    await sim.queueFault(authorizer, { kind: "busy", paths: ["/cgi-bin/component/api_authorizer_token"] });
    expect((await refresh(component, componentToken, authorizer, refreshToken)).errcode).toBe(-1);
    // The fault answered instead of WeChat: the refresh token did not rotate.
    const after = await refresh(component, componentToken, authorizer, refreshToken);
    expect(after.authorizer_access_token).toBeDefined();
    expect((await useToken(after.authorizer_access_token)).ip_list).toBeDefined();
    expect((await sim.component(component)).calls.authorizerToken).toBe(2);
    expect((await sim.state(authorizer)).calls.byPath["/cgi-bin/component/api_authorizer_token"]).toBe(2);
  });
});

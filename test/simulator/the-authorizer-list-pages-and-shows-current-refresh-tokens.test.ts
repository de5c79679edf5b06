import { describe, expect, it } from "vitest";
import { componentWithToken, postComponent, sim } from "../support/simulator.ts";

const list = (component: string, token: string, offset: number, count: number) =>
  postComponent("api_get_authorizer_list", token, { component_appid: component, offset, count });

async function exchange(component: string, token: string, authorizer: string): Promise<string> {
  const { authCode } = await sim.authorizeApp(component, { authorizerAppid: authorizer });
  const answer = await postComponent("api_query_auth", token, {
    component_appid: component,
    authorization_code: authCode,
  });
  return answer.authorization_info?.authorizer_refresh_token ?? "";
}

describe("the authorizer list pages and shows current refresh tokens", () => {
  it("pages through the authorized apps in the order they authorized, with total_count", async () => {
    const component = "wxsimauthzlist01";
    const token = await componentWithToken(component);
    const apps = ["wxsimlistapp1a", "wxsimlistapp1b", "wxsimlistapp1c", "wxsimlistapp1d", "wxsimlistapp1e"];
    const refreshTokens = [];
    for (const app of apps) refreshTokens.push(await exchange(component, token, app));
    const first = await list(component, token, 0, 2);
    const second = await list(component, token, 2, 2);
    const third = await list(component, token, 4, 2);
    expect(first.errcode).toBeUndefined();
    expect([first.total_count, second.total_count, third.total_count]).toEqual([5, 5, 5]);
    const listed = [...(first.list ?? []), ...(second.list ?? []), ...(third.list ?? [])];
    expect(listed.map((a) => a.authorizer_appid)).toEqual(apps);
    expect(listed.map((a) => a.refresh_token)).toEqual(refreshTokens);
    const now = Math.floor((await sim.component(component)).now / 1000);
    for (const entry of listed) expect(Math.abs(entry.auth_time - now)).toBeLessThanOrEqual(2);
    expect((await list(component, token, 5, 2)).list).toEqual([]);
  });

  it("shows the refresh token after a rotation, none before the code is exchanged, and leaves out revoked apps", async () => {
    const component = "wxsimauthzlist02";
    const token = await componentWithToken(component);
    const refreshToken = await exchange(component, token, "wxsimlistapp2a");
    await exchange(component, token, "wxsimlistapp2b");
    await sim.authorizeApp(component, { authorizerAppid: "wxsimlistapp2c" });
    const rotated = await postComponent("api_authorizer_token", token, {
      component_appid: component,
      authorizer_appid: "wxsimlistapp2a",
      authorizer_refresh_token: refreshToken,
    });
    await sim.revokeApp(component, "wxsimlistapp2b");
    const answer = await list(component, token, 0, 500);
    expect(answer.total_count).toBe(2);
    expect(answer.list).toEqual([
      {
        authorizer_appid: "wxsimlistapp2a",
        refresh_token: rotated.authorizer_refresh_token,
        auth_time: expect.any(Number),
      },
      { authorizer_appid: "wxsimlistapp2c", auth_time: expect.any(Number) },
    ]);
  });

  it("count must be 1 to 500 (40097), and offset and count numbers (47001)", async () => {
    const component = "wxsimauthzlist03";
    const token = await componentWithToken(component);
    expect((await list(component, token, 0, 501)).errcode).toBe(40097);
    expect((await list(component, token, 0, 0)).errcode).toBe(40097);
    expect((await list(component, token, -1, 10)).errcode).toBe(40097);
    const text = await postComponent("api_get_authorizer_list", token, {
      component_appid: component,
      offset: 0,
      count: "10",
    });
    expect(text.errcode).toBe(47001);
    expect((await sim.component(component)).calls.authorizerList).toBe(4);
  });
});

// SPEC §11 authorization flow: the admin endpoint answers PC and mobile links (a fresh
// pre_auth_code each) and a signed link to the hosted page; the hosted page shows fresh links only
// for a signed, unexpired link; WeChat (the simulator's stand-in page) sends the merchant back to
// /authorized, which exchanges the code and says which app was authorized. With autoRegister the
// new authorizer gets the appKey equal to its appid.

import { describe, expect, it } from "vitest";
import { authorizerEntry, pushTicket, registerPlatform } from "../support/component.ts";
import { admin, fetchGateway } from "../support/gateway.ts";
import { SIM_BASE, sim } from "../support/simulator.ts";

type Links = { pcUrl: string; mobileUrl: string; expires_in: number; pageUrl: string };

const GATEWAY = "https://gateway.test";

async function followToSimulator(link: string): Promise<URL> {
  // The links point at WeChat; the simulator serves the same paths.
  const url = new URL(link);
  const page = await fetch(`${SIM_BASE}${url.pathname}${url.search}`);
  const href = /<a id="authorize" href="([^"]+)">/.exec(await page.text())?.[1];
  if (!href) throw new Error("no authorize link on the simulator's page");
  const confirmed = await fetch(`${SIM_BASE}${href.replaceAll("&amp;", "&")}`, { redirect: "manual" });
  return new URL(confirmed.headers.get("location") ?? "");
}

describe("authorization links", () => {
  it("are WeChat's PC and mobile pages with a fresh pre_auth_code each", async () => {
    const platform = await registerPlatform("links-platform", "wxcomplinks00001");
    await pushTicket(platform);
    const body = {
      redirectUri: `${GATEWAY}/component/links-platform/authorized`,
      authType: 2,
      bizAppId: "wxauthlinks00001",
    };
    const one = await admin<Links>("POST", "/components/links-platform/authorization-links", body);
    const two = await admin<Links>("POST", "/components/links-platform/authorization-links", body);
    expect(one.status).toBe(200);
    const pc = new URL(one.body.data.pcUrl);
    expect(`${pc.origin}${pc.pathname}`).toBe("https://mp.weixin.qq.com/cgi-bin/componentloginpage");
    expect(Object.fromEntries(pc.searchParams)).toEqual({
      component_appid: platform.componentAppId,
      pre_auth_code: expect.any(String),
      redirect_uri: body.redirectUri,
      auth_type: "2",
      biz_appid: "wxauthlinks00001",
    });
    const mobile = new URL(one.body.data.mobileUrl);
    expect(`${mobile.origin}${mobile.pathname}`).toBe(
      "https://open.weixin.qq.com/wxaopen/safe/bindcomponent",
    );
    expect(mobile.hash).toBe("#wechat_redirect");
    expect(mobile.searchParams.get("action")).toBe("bindcomponent");
    expect(mobile.searchParams.get("pre_auth_code")).toBe(pc.searchParams.get("pre_auth_code"));
    expect(new URL(two.body.data.pcUrl).searchParams.get("pre_auth_code")).not.toBe(
      pc.searchParams.get("pre_auth_code"),
    );
    expect(one.body.data.expires_in).toBeGreaterThan(0);
    expect((await sim.component(platform.componentAppId)).calls.preAuthCode).toBe(2);
    const bad = await admin("POST", "/components/links-platform/authorization-links", {
      ...body,
      authType: 4,
    });
    expect(bad.status).toBe(400);
  });

  it("the hosted page opens only with a signed link, and the redirect says which app was authorized", async () => {
    const platform = await registerPlatform("page-platform", "wxcomppage000001");
    await pushTicket(platform);
    await admin("PUT", "/components/page-platform", {
      componentAppId: platform.componentAppId,
      autoRegister: true,
    });
    const made = await admin<Links>("POST", "/components/page-platform/authorization-links", {
      redirectUri: `${GATEWAY}/component/page-platform/authorized`,
      authType: 2,
    });
    const pageUrl = new URL(made.body.data.pageUrl);
    expect(pageUrl.pathname).toBe("/component/page-platform/authorize");

    const forged = new URL(pageUrl);
    forged.searchParams.set("auth_type", "3");
    expect((await fetchGateway("GET", `${forged.pathname}${forged.search}`)).status).toBe(403);
    const unsigned = new URL(pageUrl);
    unsigned.searchParams.delete("sig");
    expect((await fetchGateway("GET", `${unsigned.pathname}${unsigned.search}`)).status).toBe(403);
    const codesBefore = (await sim.component(platform.componentAppId)).calls.preAuthCode;

    const page = await fetchGateway("GET", `${pageUrl.pathname}${pageUrl.search}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect((await sim.component(platform.componentAppId)).calls.preAuthCode).toBe(codesBefore + 1);
    const pcLink = /data-testid="pc-link" href="([^"]+)"/.exec(html)?.[1]?.replaceAll("&amp;", "&");
    expect(pcLink).toMatch(/^https:\/\/mp\.weixin\.qq\.com\/cgi-bin\/componentloginpage\?/);

    const back = await followToSimulator(pcLink ?? "");
    expect(`${back.origin}${back.pathname}`).toBe(`${GATEWAY}/component/page-platform/authorized`);
    const authorized = await fetchGateway("GET", `${back.pathname}${back.search}`);
    expect(authorized.status).toBe(200);
    const authorizerAppId =
      /data-testid="authorizer-appid">([^<]+)</.exec(await authorized.text())?.[1] ?? "";
    expect(authorizerAppId).toMatch(/^wxauthdemo[0-9a-f]{8}$/);
    expect(await authorizerEntry(platform, authorizerAppId)).toMatchObject({
      state: "authorized",
      appKeys: [authorizerAppId],
    });
    // autoRegister: the appKey equal to the appid, bound to the platform, as a mini program.
    const app = await admin<{ appId: string; component: string; type: string }>(
      "GET",
      `/apps/${authorizerAppId}`,
    );
    expect(app.body.data).toMatchObject({
      appId: authorizerAppId,
      component: "page-platform",
      type: "miniprogram",
    });
  });
});

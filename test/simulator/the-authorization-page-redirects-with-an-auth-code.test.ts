import { describe, expect, it } from "vitest";
import { componentWithToken, postComponent, SIM_BASE, sim } from "../support/simulator.ts";

async function preAuthCode(component: string, token: string): Promise<string> {
  const answer = await postComponent("api_create_preauthcode", token, { component_appid: component });
  return answer.pre_auth_code ?? "";
}

/** Opens the authorization page and returns the link's target (the confirm URL). */
async function openPage(
  path: string,
  query: Record<string, string>,
): Promise<{ status: number; link: string | null; html: string }> {
  const res = await fetch(`${SIM_BASE}${path}?${new URLSearchParams(query)}`);
  const html = await res.text();
  const href = /<a id="authorize" href="([^"]+)">/.exec(html)?.[1];
  return { status: res.status, link: href ? href.replaceAll("&amp;", "&") : null, html };
}

describe("the authorization page redirects with an auth code", () => {
  it("the PC page links to 'Authorize demo app', which uses up the pre_auth_code and redirects with auth_code", async () => {
    const component = "wxsimauthpage001";
    const token = await componentWithToken(component);
    const preAuth = await preAuthCode(component, token);
    const query = {
      component_appid: component,
      pre_auth_code: preAuth,
      redirect_uri: "https://gateway.example/component/shop/authorized?from=test",
      auth_type: "2",
    };
    const page = await openPage("/cgi-bin/componentloginpage", query);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/Authorize demo app wxauthdemo[0-9a-f]{8}</);
    expect(page.link).toMatch(/^\/cgi-bin\/componentloginpage\/confirm\?/);

    const confirmed = await fetch(`${SIM_BASE}${page.link}`, { redirect: "manual" });
    expect(confirmed.status).toBe(302);
    const location = new URL(confirmed.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(
      "https://gateway.example/component/shop/authorized",
    );
    expect(location.searchParams.get("from")).toBe("test");
    expect(location.searchParams.get("expires_in")).toBe("600");
    const authCode = location.searchParams.get("auth_code") ?? "";

    const state = await sim.component(component);
    const authorizer = state.authorizers[0]?.authorizerAppid;
    expect(authorizer).toMatch(/^wxauthdemo[0-9a-f]{8}$/);
    expect(state.pushes.at(-1)).toMatchObject({ infoType: "authorized", authorizerAppid: authorizer });
    const exchanged = await postComponent("api_query_auth", token, {
      component_appid: component,
      authorization_code: authCode,
    });
    expect(exchanged.authorization_info?.authorizer_appid).toBe(authorizer);

    expect((await openPage("/cgi-bin/componentloginpage", query)).status).toBe(400);
    expect((await fetch(`${SIM_BASE}${page.link}`, { redirect: "manual" })).status).toBe(400);
  });

  it("the mobile page authorizes biz_appid as an official account (auth_type 1)", async () => {
    const component = "wxsimauthpage002";
    const token = await componentWithToken(component);
    const page = await openPage("/safe/bindcomponent", {
      action: "bindcomponent",
      no_scan: "1",
      component_appid: component,
      pre_auth_code: await preAuthCode(component, token),
      redirect_uri: "https://gateway.example/done",
      auth_type: "1",
      biz_appid: "wxsimauthpageoa2",
    });
    expect(page.html).toContain("Authorize demo app wxsimauthpageoa2<");
    const confirmed = await fetch(`${SIM_BASE}${page.link}`, { redirect: "manual" });
    expect(confirmed.status).toBe(302);
    await confirmed.text();
    const [authorizer] = (await sim.component(component)).authorizers;
    expect(authorizer).toMatchObject({ authorizerAppid: "wxsimauthpageoa2", type: "officialaccount" });
  });

  it("a second authorization of the same app is an updateauthorized event", async () => {
    const component = "wxsimauthpage003";
    const token = await componentWithToken(component);
    for (let round = 0; round < 2; round++) {
      const page = await openPage("/cgi-bin/componentloginpage", {
        component_appid: component,
        pre_auth_code: await preAuthCode(component, token),
        redirect_uri: "https://gateway.example/done",
        auth_type: "3",
      });
      await (await fetch(`${SIM_BASE}${page.link}`, { redirect: "manual" })).text();
    }
    const state = await sim.component(component);
    expect(state.authorizers).toHaveLength(1);
    const events = state.pushes.filter((p) => p.infoType !== "component_verify_ticket");
    expect(events.map((p) => p.infoType)).toEqual(["authorized", "updateauthorized"]);
  });

  it("an unknown component or pre_auth_code gets an error page", async () => {
    const component = "wxsimauthpage004";
    await componentWithToken(component);
    const unknown = await openPage("/cgi-bin/componentloginpage", {
      component_appid: "wxnosuchcomponent",
      pre_auth_code: "x",
    });
    expect(unknown.status).toBe(400);
    const badCode = await openPage("/cgi-bin/componentloginpage", {
      component_appid: component,
      pre_auth_code: "x",
    });
    expect(badCode.status).toBe(400);
    expect(badCode.link).toBeNull();
  });
});

// SPEC §11: an authorization code is exchanged with api_query_auth once, however often WeChat
// repeats the authorized push and even when the /authorized redirect brings the same code at the
// same moment; later arrivals of the code answer the app without asking WeChat again.

import { describe, expect, it } from "vitest";
import {
  authorizerEntry,
  deliver,
  pushTicket,
  registerPlatform,
  untilExchanged,
} from "../support/component.ts";
import { fetchGateway } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

const redirect = (componentKey: string, code: string) =>
  fetchGateway(
    "GET",
    `/component/${componentKey}/authorized?auth_code=${encodeURIComponent(code)}&expires_in=600`,
  );

describe("an authorization code", () => {
  it("pushed twice and brought by the redirect at the same time is exchanged once", async () => {
    const platform = await registerPlatform("once-platform", "wxcomponce000001");
    await pushTicket(platform);
    const authorized = await sim.authorizeApp(platform.componentAppId, {
      authorizerAppid: "wxauthonce000001",
      funcInfo: [17, 18],
    });
    const [first, second, page] = await Promise.all([
      deliver(platform.componentKey, authorized.push),
      deliver(platform.componentKey, authorized.push),
      redirect(platform.componentKey, authorized.authCode),
    ]);
    expect(first).toEqual({ status: 200, text: "success" });
    expect(second).toEqual({ status: 200, text: "success" });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("wxauthonce000001");
    await untilExchanged(platform, "wxauthonce000001");
    // A third push and a reload of the redirect, later: still no second exchange.
    expect(await deliver(platform.componentKey, authorized.push)).toEqual({ status: 200, text: "success" });
    expect((await redirect(platform.componentKey, authorized.authCode)).status).toBe(200);
    await untilExchanged(platform, "wxauthonce000001");
    const view = await sim.component(platform.componentAppId);
    expect(view.calls.queryAuth).toBe(1);
    expect(await authorizerEntry(platform, "wxauthonce000001")).toMatchObject({
      state: "authorized",
      funcInfo: [17, 18],
    });
  });

  it("that WeChat refuses is answered on the redirect page, and nothing is authorized", async () => {
    const platform = await registerPlatform("once-platform-2", "wxcomponce000002");
    await pushTicket(platform);
    const page = await redirect(platform.componentKey, "not-a-code-wechat-issued");
    expect(page.status).toBe(400);
    expect(await page.text()).toMatch(/could not be completed/);
    expect((await sim.component(platform.componentAppId)).calls.queryAuth).toBe(1);
  });
});

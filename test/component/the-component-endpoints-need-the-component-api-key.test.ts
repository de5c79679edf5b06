// GET /Component/{componentKey}/AccessToken and /proxy/component/{componentKey}/… answer only the
// platform's own component API key (or, on the proxy, a component_access_token the keeper issued).

import { describe, expect, it } from "vitest";
import { componentToken, pushTicket, registerPlatform } from "../support/component.ts";
import { admin, call, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

describe("the component endpoints", () => {
  it("refuse a missing, foreign, app or revoked key and serve the platform's own", async () => {
    const platform = await registerPlatform("ckey-own", "wxcompckeyown001");
    const other = await registerPlatform("ckey-other", "wxcompckeyoth001");
    const app = await registerApp("ckey-app", "wxckeyappkey0001");
    await pushTicket(platform);

    expect((await call("GET", `/Component/${platform.componentKey}/AccessToken`)).status).toBe(401);
    expect((await componentToken(platform, other.apiKey)).status).toBe(403);
    expect((await componentToken(platform, app.apiKey)).status).toBe(401);
    expect((await componentToken(platform, `${platform.apiKey.slice(0, -1)}0`)).status).toBe(401);
    // A platform key is no app's key either.
    expect((await call("GET", `/Wechat/${app.appKey}/AccessToken`, { token: platform.apiKey })).status).toBe(
      401,
    );
    const served = await componentToken(platform);
    expect(served.status).toBe(200);
    expect(served.body.data.component_access_token).toBe(
      (await sim.component(platform.componentAppId)).tokens.current?.token,
    );

    const made = await admin<{ id: string; key: string }>(
      "POST",
      `/components/${platform.componentKey}/keys`,
    );
    expect((await componentToken(platform, made.body.data.key)).status).toBe(200);
    expect(
      (await admin("DELETE", `/components/${platform.componentKey}/keys/${made.body.data.id}`)).status,
    ).toBe(200);
    expect((await componentToken(platform, made.body.data.key)).status).toBe(401);
  });

  it("proxy the platform's own calls with the component_access_token, for its key only", async () => {
    const platform = await registerPlatform("ckey-proxy", "wxcompckeyprx001");
    await pushTicket(platform);
    const path = `/proxy/component/${platform.componentKey}/cgi-bin/component/api_create_preauthcode`;
    const body = { component_appid: platform.componentAppId };
    const refused = await call<{ errcode: number }>("POST", path, { body });
    expect(refused.body.errcode).toBe(40001);
    const created = await call<{ pre_auth_code?: string; errcode?: number }>("POST", path, {
      body,
      token: platform.apiKey,
    });
    expect(created.status).toBe(200);
    expect(created.body.pre_auth_code).toMatch(/^preauthcode@@@/);
    // The token call is answered by the keeper, never forwarded.
    const tokenCall = await call<{ component_access_token: string }>(
      "POST",
      `/proxy/component/${platform.componentKey}/cgi-bin/component/api_component_token`,
      { body: {}, token: platform.apiKey },
    );
    expect(tokenCall.body.component_access_token).toBe(
      (await componentToken(platform)).body.data.component_access_token,
    );
    expect((await sim.component(platform.componentAppId)).calls.componentToken).toBe(1);
    // Only the open-platform family is reachable.
    const outside = await call<{ errcode: number }>(
      "GET",
      `/proxy/component/${platform.componentKey}/cgi-bin/token`,
      {
        token: platform.apiKey,
      },
    );
    expect(outside).toMatchObject({ status: 403, body: { errcode: 48001 } });
  });
});

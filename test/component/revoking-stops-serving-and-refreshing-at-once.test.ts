// SPEC §11 unauthorized: the app stops being served at once (403 "authorization revoked"), its
// keeper stops refreshing (no alarm, no api_authorizer_token call) and its refresh token is dropped.

import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authorizerEntry, boundAuthorizer, deliver } from "../support/component.ts";
import { call, getToken } from "../support/gateway.ts";
import { alarmOf, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

describe("an unauthorized push", () => {
  it("makes the app's endpoints answer 403 and its keeper stop refreshing, before WeChat is answered", async () => {
    const { platform, app } = await boundAuthorizer(
      "revoke-platform",
      "wxcomprevoke0001",
      "revoke-app",
      "wxauthrevoke00001",
    );
    expect((await getToken(app)).status).toBe(200);
    expect(await alarmOf(app.appId)).not.toBeNull();

    const revoked = await sim.revokeApp(platform.componentAppId, app.appId);
    expect(await deliver(platform.componentKey, revoked.push)).toEqual({ status: 200, text: "success" });

    const token = await getToken(app);
    expect(token.status).toBe(403);
    expect(token.body.error).toMatch(/authorization revoked/);
    const legacy = await call("POST", `/api/v1/Common/WxToken?appid=${app.appId}`, { token: app.apiKey });
    expect(JSON.stringify(legacy.body)).toMatch(/authorization revoked/);
    const link = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: { path: "pages/index/index" },
    });
    expect(link.status).toBe(403);

    expect(await alarmOf(app.appId)).toBeNull();
    const callsBefore = (await sim.component(platform.componentAppId)).calls.authorizerToken;
    await runDurableObjectAlarm(keeper(app.appId));
    expect((await getToken(app)).status).toBe(403);
    expect((await sim.component(platform.componentAppId)).calls.authorizerToken).toBe(callsBefore);

    const stored = await runInDurableObject(
      keeper(app.appId),
      (_instance, state) =>
        state.storage.sql.exec("SELECT refresh_token, authorization FROM app").toArray()[0],
    );
    expect(stored).toEqual({ refresh_token: null, authorization: "unauthorized" });
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("unauthorized");
  });
});

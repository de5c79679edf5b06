// SPEC §11: an authorization code is exchanged after WeChat is answered, so a revocation can
// arrive while api_query_auth is still answering. An exchange that finishes after a newer
// revocation was applied discards what it got: the app stays revoked (403), its keeper is not
// given the refresh token. The /authorized redirect's code has no CreateTime: its exchange loses
// to any revocation applied while it ran.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  authorizationEvent,
  authorizerEntry,
  bindAuthorizer,
  boundAuthorizer,
  deliver,
  pushTicket,
  type RegisteredPlatform,
  registerPlatform,
  untilExchanged,
} from "../support/component.ts";
import { fetchGateway, getToken } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

const success = { status: 200, text: "success" };
const QUERY_AUTH = "/cgi-bin/component/api_query_auth";

/** api_query_auth answers after `ms`, once. */
const slowQueryAuth = (platform: RegisteredPlatform, ms: number) =>
  sim.queueFault(platform.componentAppId, { kind: "slow", paths: [QUERY_AUTH], delayMs: ms });

async function untilQueryAuthCalls(platform: RegisteredPlatform, calls: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await sim.component(platform.componentAppId)).calls.queryAuth >= calls) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("api_query_auth was not called");
}

async function refreshTokenHeld(appId: string): Promise<unknown> {
  return runInDurableObject(
    env.TOKEN_KEEPER.getByName(appId),
    (_instance, state) => state.storage.sql.exec("SELECT refresh_token FROM app").toArray()[0]?.refresh_token,
  );
}

describe("a revocation", () => {
  it("is not undone by an authorization whose exchange finishes after it", async () => {
    const { platform, app } = await boundAuthorizer(
      "late-exchange-platform",
      "wxcomplate000001",
      "late-exchange-app",
      "wxauthlate0000001",
    );
    expect((await getToken(app)).status).toBe(200);
    const before = (await sim.component(platform.componentAppId)).calls.queryAuth;
    const now = Math.floor(Date.now() / 1000);

    const update = await sim.authorizeApp(platform.componentAppId, {
      authorizerAppid: app.appId,
      update: true,
    });
    await slowQueryAuth(platform, 1500);
    const updated = await authorizationEvent(platform, {
      infoType: "updateauthorized",
      authorizerAppId: app.appId,
      createTime: now + 1,
      code: update.authCode,
    });
    expect(await deliver(platform.componentKey, updated)).toEqual(success);
    await untilQueryAuthCalls(platform, before + 1);

    // The merchant revokes while the exchange waits for WeChat.
    const revoked = await authorizationEvent(platform, {
      infoType: "unauthorized",
      authorizerAppId: app.appId,
      createTime: now + 2,
    });
    expect(await deliver(platform.componentKey, revoked)).toEqual(success);
    expect((await getToken(app)).status).toBe(403);

    // Joins the exchange under way (one per code) and waits for it.
    const exchanged = await env.TOKEN_KEEPER.getByName(platform.componentAppId).exchangeAuthorization(
      update.authCode,
    );
    expect(exchanged.ok).toBe(false);
    expect((await sim.component(platform.componentAppId)).calls.queryAuth).toBe(before + 1);

    const token = await getToken(app);
    expect(token.status).toBe(403);
    expect(token.body.error).toMatch(/authorization revoked/);
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("unauthorized");
    expect(await refreshTokenHeld(app.appId)).toBeNull();
  });

  it("is not undone by a redirect's exchange that was under way when it was applied", async () => {
    const platform = await registerPlatform("late-redirect-platform", "wxcomplate000002");
    await pushTicket(platform);
    const now = Math.floor(Date.now() / 1000);
    const first = await sim.authorizeApp(platform.componentAppId, { authorizerAppid: "wxauthlate0000002" });
    const authorized = await authorizationEvent(platform, {
      infoType: "authorized",
      authorizerAppId: "wxauthlate0000002",
      createTime: now - 100,
      code: first.authCode,
    });
    expect(await deliver(platform.componentKey, authorized)).toEqual(success);
    await untilExchanged(platform, "wxauthlate0000002");
    const app = await bindAuthorizer(platform, "late-redirect-app", "wxauthlate0000002");
    expect((await getToken(app)).status).toBe(200);
    const before = (await sim.component(platform.componentAppId)).calls.queryAuth;
    const again = await sim.authorizeApp(platform.componentAppId, { authorizerAppid: app.appId });
    await slowQueryAuth(platform, 1500);
    const page = fetchGateway(
      "GET",
      `/component/${platform.componentKey}/authorized?auth_code=${encodeURIComponent(again.authCode)}&expires_in=600`,
    );
    await untilQueryAuthCalls(platform, before + 1);

    // A revocation newer than the authorization applied, its CreateTime (WeChat's clock) a little
    // behind the gateway's clock when the redirect came.
    const revoked = await authorizationEvent(platform, {
      infoType: "unauthorized",
      authorizerAppId: app.appId,
      createTime: now - 5,
    });
    expect(await deliver(platform.componentKey, revoked)).toEqual(success);

    const answer = await page;
    expect(await answer.text()).toMatch(/could not be completed/);
    expect((await getToken(app)).status).toBe(403);
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("unauthorized");
    expect(await refreshTokenHeld(app.appId)).toBeNull();
  });
});

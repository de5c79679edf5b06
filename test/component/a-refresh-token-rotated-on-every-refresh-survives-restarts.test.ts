// SPEC §11: WeChat may hand back a new authorizer_refresh_token with every api_authorizer_token
// answer (the simulator always does); it is stored with the new token before anyone is answered,
// so a keeper restarted after any refresh still holds the one refresh token that works.

import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import { getToken } from "../support/gateway.ts";
import { ageAccessToken, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

const REFRESHES = 12;

async function storedRefreshToken(appId: string): Promise<string | null> {
  return runInDurableObject(keeper(appId), (_instance, state) => {
    const row = state.storage.sql.exec("SELECT refresh_token FROM app WHERE id = 1").toArray()[0];
    return typeof row?.refresh_token === "string" ? row.refresh_token : null;
  });
}

describe("an authorizer's rotating refresh token", () => {
  it("survives a restart after each of many refreshes, and every refresh uses the newest one", async () => {
    const { platform, app } = await boundAuthorizer(
      "rotate-platform",
      "wxcomprotate0001",
      "rotate-app",
      "wxauthrotate00001",
    );
    const issued = new Set<string>();
    for (let round = 1; round <= REFRESHES; round++) {
      await ageAccessToken(app.appId, { secondsLeft: 200 });
      await runDurableObjectAlarm(keeper(app.appId));
      await evictDurableObject(keeper(app.appId));
      const view = await sim.component(platform.componentAppId);
      const authorizer = view.authorizers.find((a) => a.authorizerAppid === app.appId);
      expect(authorizer?.refreshes).toBe(round);
      const stored = await storedRefreshToken(app.appId);
      expect(stored).toBe(authorizer?.refreshToken);
      issued.add(stored ?? "");
    }
    expect(issued.size).toBe(REFRESHES);
    const view = await sim.component(platform.componentAppId);
    // No refresh was refused: never a 61023, never a recovery from the list.
    expect(view.calls.authorizerToken).toBe(REFRESHES);
    expect(view.calls.authorizerList).toBe(0);
    const answer = await getToken(app);
    expect(answer.status).toBe(200);
    expect(answer.body.data?.access_token).toBe(
      (await sim.state(app.appId)).tokens.authorizer.current?.token,
    );
  });

  it("the component token is read from the platform's keeper: no component token call per refresh", async () => {
    const { platform, app } = await boundAuthorizer(
      "rotate-platform-2",
      "wxcomprotate0002",
      "rotate-app-2",
      "wxauthrotate00002",
    );
    for (let round = 0; round < 3; round++) {
      await ageAccessToken(app.appId, { secondsLeft: 200 });
      await runDurableObjectAlarm(keeper(app.appId));
    }
    expect((await sim.component(platform.componentAppId)).calls.componentToken).toBe(1);
  });
});

// SPEC §11: on 61023 (refresh token not valid) the keeper recovers the current refresh token from
// api_get_authorizer_list and retries once; when the list has none, the app is marked
// needs_reauthorization (in its keeper and in the platform's index) and refreshing stops.

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { authorizerEntry, boundAuthorizer } from "../support/component.ts";
import { getToken } from "../support/gateway.ts";
import { ageAccessToken, alarmOf, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

describe("a refresh token WeChat refuses (61023)", () => {
  it("is replaced by the one the authorizer list shows, and the refresh succeeds", async () => {
    const { platform, app } = await boundAuthorizer(
      "recover-platform",
      "wxcomprecover001",
      "recover-app",
      "wxauthrecover0001",
    );
    const { refreshToken: listed } = await sim.invalidateRefreshToken(platform.componentAppId, app.appId);
    await ageAccessToken(app.appId, { secondsLeft: 5 });
    const answer = await getToken(app);
    expect(answer.status).toBe(200);
    const view = await sim.component(platform.componentAppId);
    expect(view.calls.authorizerList).toBe(1);
    // The refused call, then the retry with the listed token.
    expect(view.calls.authorizerToken).toBe(2);
    const authorizer = view.authorizers.find((a) => a.authorizerAppid === app.appId);
    expect(authorizer?.refreshToken).not.toBe(listed);
    expect(answer.body.data?.access_token).toBe(
      (await sim.state(app.appId)).tokens.authorizer.current?.token,
    );
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("authorized");
  });

  it("without one in the list marks the app needs_reauthorization and stops refreshing", async () => {
    const { platform, app } = await boundAuthorizer(
      "reauth-platform",
      "wxcompreauth0001",
      "reauth-app",
      "wxauthreauth00001",
    );
    await sim.invalidateRefreshToken(platform.componentAppId, app.appId, false);
    await ageAccessToken(app.appId, { secondsLeft: 5 });
    const answer = await getToken(app);
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatch(/authorize again/);
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("needs_reauthorization");
    expect(await alarmOf(app.appId)).toBeNull();
    const calls = (await sim.component(platform.componentAppId)).calls.authorizerToken;
    await runDurableObjectAlarm(keeper(app.appId));
    expect((await getToken(app)).status).toBe(403);
    expect((await sim.component(platform.componentAppId)).calls.authorizerToken).toBe(calls);
  });
});

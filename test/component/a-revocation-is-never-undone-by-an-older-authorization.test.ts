// SPEC §11: authorization events are ordered by WeChat's CreateTime, not by arrival. An authorized
// push older than the revocation already applied (WeChat repeating an old push, a replay) is
// answered `success` and ignored: the app stays revoked and no code is exchanged. An authorization
// newer than the revocation authorizes again, and an older revocation pushed after it is ignored.

import { describe, expect, it } from "vitest";
import {
  authorizationEvent,
  authorizerEntry,
  bindAuthorizer,
  deliver,
  pushTicket,
  registerPlatform,
  untilExchanged,
} from "../support/component.ts";
import { getToken } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

const success = { status: 200, text: "success" };
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

async function authorizedThenRevoked(componentKey: string, componentAppId: string, authorizerAppId: string) {
  const platform = await registerPlatform(componentKey, componentAppId);
  await pushTicket(platform);
  const t1 = Math.floor(Date.now() / 1000) - 100;
  const first = await sim.authorizeApp(componentAppId, { authorizerAppid: authorizerAppId });
  const authorized = await authorizationEvent(platform, {
    infoType: "authorized",
    authorizerAppId,
    createTime: t1,
    code: first.authCode,
  });
  expect(await deliver(platform.componentKey, authorized)).toEqual(success);
  await untilExchanged(platform, authorizerAppId);
  const app = await bindAuthorizer(platform, `${componentKey}-app`, authorizerAppId);
  expect((await getToken(app)).status).toBe(200);
  const revoked = await sim.revokeApp(componentAppId, authorizerAppId);
  expect(await deliver(platform.componentKey, revoked.push)).toEqual(success);
  expect((await getToken(app)).status).toBe(403);
  return { platform, app, t1, authorized, revokedPush: revoked.push };
}

describe("a revocation", () => {
  it("is not undone by an authorized push older than it, pushed again or with a code WeChat would take", async () => {
    const { platform, app, t1, authorized } = await authorizedThenRevoked(
      "older-auth-platform",
      "wxcompolder00001",
      "wxauthorolder0001",
    );
    const exchanges = (await sim.component(platform.componentAppId)).calls.queryAuth;

    // The same authorized push again.
    expect(await deliver(platform.componentKey, authorized)).toEqual(success);
    // An authorization of that older CreateTime with a code WeChat still takes.
    const fresh = await sim.authorizeApp(platform.componentAppId, { authorizerAppid: app.appId });
    const older = await authorizationEvent(platform, {
      infoType: "updateauthorized",
      authorizerAppId: app.appId,
      createTime: t1 + 1,
      code: fresh.authCode,
    });
    expect(await deliver(platform.componentKey, older)).toEqual(success);
    await settle();

    const token = await getToken(app);
    expect(token.status).toBe(403);
    expect(token.body.error).toMatch(/authorization revoked/);
    expect((await sim.component(platform.componentAppId)).calls.queryAuth).toBe(exchanges);
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("unauthorized");
  });

  it("is undone by a newer authorization, and a revocation older than that is then ignored", async () => {
    const { platform, app, revokedPush } = await authorizedThenRevoked(
      "newer-auth-platform",
      "wxcompnewer00001",
      "wxauthornewer0001",
    );
    const again = await sim.authorizeApp(platform.componentAppId, { authorizerAppid: app.appId });
    const newer = await authorizationEvent(platform, {
      infoType: "authorized",
      authorizerAppId: app.appId,
      createTime: Math.floor(Date.now() / 1000) + 5,
      code: again.authCode,
    });
    expect(await deliver(platform.componentKey, newer)).toEqual(success);
    for (let attempt = 0; attempt < 100 && (await getToken(app)).status !== 200; attempt++) await settle();
    expect((await getToken(app)).status).toBe(200);
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("authorized");

    // The revocation pushed again (its CreateTime is older than the new authorization's).
    expect(await deliver(platform.componentKey, revokedPush)).toEqual(success);
    expect((await getToken(app)).status).toBe(200);
    expect((await authorizerEntry(platform, app.appId))?.state).toBe("authorized");
  });
});

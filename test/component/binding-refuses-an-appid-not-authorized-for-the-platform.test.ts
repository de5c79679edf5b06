// SPEC §11: PUT /admin/apps/{appKey} {appId, component} binds an appKey to an app the merchant
// authorized the platform to run; an appid that has not authorized it, or that is registered with
// its own AppSecret, is refused, and an appSecret or tokenMode beside component is a 400.

import { describe, expect, it } from "vitest";
import { authorizersPage, authorizeThroughPush, pushTicket, registerPlatform } from "../support/component.ts";
import { admin, registerApp } from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";

describe("binding an appKey to a platform's authorizer", () => {
  it("refuses an appid that never authorized the platform", async () => {
    await registerPlatform("bind-platform", "wxcompbind000001");
    const put = await admin("PUT", "/apps/bind-stranger", {
      appId: "wxauthstranger001",
      component: "bind-platform",
    });
    expect(put.status).toBe(409);
    expect(JSON.stringify(put.body)).toMatch(/has not authorized the platform/);
    expect((await admin("GET", "/apps/bind-stranger")).status).toBe(404);
  });

  it("refuses an appid registered with its own AppSecret, and a secret or unknown platform with component", async () => {
    const platform = await registerPlatform("bind-platform-2", "wxcompbind000002");
    const own = await registerApp("bind-own", "wxauthbindown0001");
    const put = await admin("PUT", "/apps/bind-own-2", {
      appId: own.appId,
      component: platform.componentKey,
    });
    expect(put.status).toBe(409);
    const withSecret = await admin("PUT", "/apps/bind-secret", {
      appId: "wxauthbindsec0001",
      component: platform.componentKey,
      appSecret: SECRET,
    });
    expect(withSecret.status).toBe(400);
    const unknown = await admin("PUT", "/apps/bind-unknown", {
      appId: "wxauthbindsec0001",
      component: "no-such",
    });
    expect(unknown.status).toBe(400);
  });

  it("binds an authorized appid, and the authorizers list shows the appKey", async () => {
    const platform = await registerPlatform("bind-platform-3", "wxcompbind000003");
    await pushTicket(platform);
    await authorizeThroughPush(platform, "wxauthbindok00001", { funcInfo: [1, 17] });
    const put = await admin<{ component: string; tokenMode: string }>("PUT", "/apps/bind-ok", {
      appId: "wxauthbindok00001",
      component: platform.componentKey,
      type: "miniprogram",
    });
    expect(put.status).toBe(201);
    expect(put.body.data).toMatchObject({ component: platform.componentKey });
    const page = await authorizersPage(platform.componentKey);
    expect(page.body.data.authorizers).toEqual([
      {
        authorizerAppId: "wxauthbindok00001",
        state: "authorized",
        funcInfo: [1, 17],
        authorizedAt: expect.stringMatching(/\+08:00$/),
        appKeys: ["bind-ok"],
      },
    ]);
    // A secret-based registration over a bound authorizer is refused.
    const over = await admin("PUT", "/apps/bind-over", { appId: "wxauthbindok00001", appSecret: SECRET });
    expect(over.status).toBe(409);
  });
});

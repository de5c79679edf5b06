// What the admin API tells an operator to paste into WeChat: for an app's own pushes its
// /push/{appKey}; for an app served through a third-party platform the platform's 消息与事件接收URL,
// which the Open Platform console takes once for all authorizers (WeChat replaces $APPID$).

import { describe, expect, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import { admin } from "../support/gateway.ts";
import { bindAuthorizerWithPush } from "../support/pushes.ts";

describe("the push URL an authorizer's appKey shows", () => {
  it("is the platform's message URL, not /push/{appKey}", async () => {
    const { platform } = await boundAuthorizer(
      "authpush-url",
      "wxauthpushurl001",
      "authpush-url-app",
      "wxauthpushurl0001",
    );
    await bindAuthorizerWithPush(platform, "authpush-url-app", "wxauthpushurl0001", ["authpush-url-t"]);
    const shown = await admin<{ push?: { url: string } }>("GET", "/apps/authpush-url-app");
    expect(shown.status).toBe(200);
    expect(shown.body.data.push?.url).toMatch(/\/component\/authpush-url\/messages\/\$APPID\$$/);
  });
});

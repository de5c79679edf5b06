// The {appid} of /component/{componentKey}/messages/{appid} must be an authorizer of that platform
// in state authorized: a correctly signed push for an appid the platform never had, or one whose
// authorization was revoked, is refused with the same answer and delivers nothing.

import { describe, expect, it } from "vitest";
import { boundAuthorizer, deliver } from "../support/component.ts";
import {
  bindAuthorizerWithPush,
  deliverAuthorizerPush,
  platformSealedPush,
  receivedBy,
  textMessageXml,
} from "../support/pushes.ts";
import { COMPONENT_AES_KEY, COMPONENT_TOKEN, sim } from "../support/simulator.ts";

const PLATFORM_KEYS = { token: COMPONENT_TOKEN, encodingAESKey: COMPONENT_AES_KEY };
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

describe("a push for an app the platform has not authorized", () => {
  it("is refused for an unknown appid and for a revoked one", async () => {
    const { platform } = await boundAuthorizer(
      "authpush-refused",
      "wxauthpushcomp03",
      "authpush-refused-app",
      "wxauthpushapp003",
    );
    await bindAuthorizerWithPush(platform, "authpush-refused-app", "wxauthpushapp003", [
      "authpush-refused-t",
    ]);
    const xml = textMessageXml("gh_authpush03", "7300000000000000003", "not yours");

    const unknown = await deliverAuthorizerPush(
      platform.componentKey,
      "wxneverauthorized",
      await platformSealedPush(platform.componentAppId, xml, PLATFORM_KEYS),
    );
    expect(unknown.status).toBe(403);

    const revoked = await sim.revokeApp(platform.componentAppId, "wxauthpushapp003");
    expect((await deliver(platform.componentKey, revoked.push)).text).toBe("success");
    const afterRevoke = await deliverAuthorizerPush(
      platform.componentKey,
      "wxauthpushapp003",
      await platformSealedPush(platform.componentAppId, xml, PLATFORM_KEYS),
    );
    expect(afterRevoke.status).toBe(403);
    // Both refusals say the same thing: which appids the platform has is not revealed.
    expect(JSON.parse(afterRevoke.text).error).toBe(JSON.parse(unknown.text).error);

    await settle();
    expect(await receivedBy("authpush-refused-t")).toHaveLength(0);
  });
});

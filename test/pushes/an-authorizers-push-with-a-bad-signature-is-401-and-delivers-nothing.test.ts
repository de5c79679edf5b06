// An authorizer's push is checked with the platform's keys before anything else: a push signed
// with any other Token (here the app's own push Token) is 401 and reaches no target.

import { describe, expect, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import {
  bindAuthorizerWithPush,
  deliverAuthorizerPush,
  PUSH_TOKEN,
  platformSealedPush,
  receivedBy,
  textMessageXml,
} from "../support/pushes.ts";
import { COMPONENT_AES_KEY, COMPONENT_TOKEN } from "../support/simulator.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

describe("an authorizer's push with a bad signature", () => {
  it("is 401 and delivers nothing", async () => {
    const { platform } = await boundAuthorizer(
      "authpush-badsig",
      "wxauthpushcomp02",
      "authpush-badsig-app",
      "wxauthpushapp002",
    );
    await bindAuthorizerWithPush(platform, "authpush-badsig-app", "wxauthpushapp002", ["authpush-badsig-t"]);
    const xml = textMessageXml("gh_authpush02", "7300000000000000002", "forged");
    const forged = await platformSealedPush(platform.componentAppId, xml, {
      token: PUSH_TOKEN,
      encodingAESKey: COMPONENT_AES_KEY,
    });
    const answer = await deliverAuthorizerPush(platform.componentKey, "wxauthpushapp002", forged);
    expect(answer.status).toBe(401);
    expect(answer.text).not.toContain(COMPONENT_TOKEN);

    // A genuine push's msg_signature over another Encrypt: still 401.
    const genuine = await platformSealedPush(platform.componentAppId, xml, {
      token: COMPONENT_TOKEN,
      encodingAESKey: COMPONENT_AES_KEY,
    });
    const tampered = { ...genuine, query: { ...genuine.query, msg_signature: "0".repeat(40) } };
    expect((await deliverAuthorizerPush(platform.componentKey, "wxauthpushapp002", tampered)).status).toBe(
      401,
    );

    await settle();
    expect(await receivedBy("authpush-badsig-t")).toHaveLength(0);
  });
});

// An authorizer of a third-party platform names the platform's URL as its server URL
// (/component/{componentKey}/messages/$APPID$): WeChat signs and encrypts its pushes with the
// platform's Token and EncodingAESKey for the component appid. The push reaches the targets of the
// appKey bound to the authorizer once, however often WeChat sends it.

import { describe, expect, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import {
  bindAuthorizerWithPush,
  deliverAuthorizerPush,
  platformSealedPush,
  receivedBy,
  textMessageXml,
  waitForDeliveries,
} from "../support/pushes.ts";
import { COMPONENT_AES_KEY, COMPONENT_TOKEN } from "../support/simulator.ts";

const PLATFORM_KEYS = { token: COMPONENT_TOKEN, encodingAESKey: COMPONENT_AES_KEY };
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

describe("an authorizer's push through its platform", () => {
  it("reaches the bound appKey's target once when WeChat sends it twice", async () => {
    const { platform } = await boundAuthorizer(
      "authpush-once",
      "wxauthpushcomp01",
      "authpush-once-app",
      "wxauthpushapp001",
    );
    await bindAuthorizerWithPush(platform, "authpush-once-app", "wxauthpushapp001", ["authpush-once-t"]);
    const xml = textMessageXml("gh_authpush01", "7300000000000000001", "经由平台");
    // A retry is sealed anew: other nonce, other bytes, the same message.
    const first = await platformSealedPush(platform.componentAppId, xml, PLATFORM_KEYS);
    const again = await platformSealedPush(platform.componentAppId, xml, PLATFORM_KEYS);
    expect(first.body).not.toBe(again.body);

    for (const push of [first, again]) {
      expect(await deliverAuthorizerPush(platform.componentKey, "wxauthpushapp001", push)).toEqual({
        status: 200,
        text: "success",
      });
    }
    const [delivery] = await waitForDeliveries("authpush-once-t", 1);
    await settle();
    expect(await receivedBy("authpush-once-t")).toHaveLength(1);
    const body = JSON.parse(delivery!.body);
    expect(body).toMatchObject({
      appKey: "authpush-once-app",
      appId: "wxauthpushapp001",
      format: "xml",
      raw: xml,
      message: { MsgId: "7300000000000000001", Content: "经由平台" },
    });
  });
});

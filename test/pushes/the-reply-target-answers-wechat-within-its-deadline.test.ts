// The target marked "reply" is called while WeChat waits: its answer is WeChat's passive reply
// (encrypted in safe mode) when it comes within the deadline; when it is late or fails, WeChat gets
// `success` in time and the target still gets the push through the queue, with the same id.

import { describe, expect, it } from "vitest";
import { MsgCrypt } from "../../src/wechat/msg-crypt.ts";
import {
  deliveries,
  deliverPush,
  PUSH_AES_KEY,
  PUSH_TOKEN,
  receivedBy,
  registerPushApp,
  scriptTarget,
  waitForDeliveries,
  wechatPush,
} from "../support/pushes.ts";

const REPLY =
  "<xml><ToUserName><![CDATA[u]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[回复]]></Content></xml>";

describe("the reply target", () => {
  it("answers WeChat with its reply, and gets the push once", async () => {
    const app = await registerPushApp("push-reply-plain", "wxpushreplypl001", {
      targets: ["push-reply-plain!", "push-reply-plain-other"],
    });
    await scriptTarget("push-reply-plain", [{ body: REPLY, contentType: "text/xml" }]);
    const push = await wechatPush(app.appId, { type: "text", content: "hi" });
    expect(await deliverPush(app.appKey, push)).toMatchObject({
      status: 200,
      text: REPLY,
      contentType: "text/xml",
    });
    await waitForDeliveries("push-reply-plain-other", 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await receivedBy("push-reply-plain")).toHaveLength(1);
    const log = (await deliveries(app.appKey)).body.data.deliveries;
    expect(log.map((d) => d.state)).toEqual(["delivered", "delivered"]);
  });

  it("answers a safe-mode push with the reply encrypted and signed for the app", async () => {
    const app = await registerPushApp("push-reply-safe", "wxpushreplysf001", {
      targets: ["push-reply-safe!"],
      mode: "safe",
    });
    await scriptTarget("push-reply-safe", [{ body: REPLY, contentType: "text/xml" }]);
    const push = await wechatPush(app.appId, { type: "text", content: "hi" });
    const answer = await deliverPush(app.appKey, push);
    expect(answer.status).toBe(200);
    const encrypt = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(answer.text)?.[1] ?? "";
    const signature = /<MsgSignature><!\[CDATA\[([^\]]*)\]\]><\/MsgSignature>/.exec(answer.text)?.[1] ?? "";
    const timestamp = /<TimeStamp>([0-9]+)<\/TimeStamp>/.exec(answer.text)?.[1] ?? "";
    const nonce = /<Nonce><!\[CDATA\[([^\]]*)\]\]><\/Nonce>/.exec(answer.text)?.[1] ?? "";
    const crypt = (await MsgCrypt.create(PUSH_TOKEN, PUSH_AES_KEY, app.appId))!;
    expect(await crypt.verify(signature, timestamp, nonce, encrypt)).toBe(true);
    expect(await crypt.decrypt(encrypt)).toMatchObject({ ok: true, message: REPLY });
  });

  it("gives WeChat `success` in time when the reply is late, and queues the push with the same id", async () => {
    const app = await registerPushApp("push-reply-late", "wxpushreplylt001", {
      targets: ["push-reply-late!"],
    });
    await scriptTarget("push-reply-late", [{ delayMs: 4_500, body: REPLY }]);
    const push = await wechatPush(app.appId, { type: "text", content: "slow" });
    const started = Date.now();
    expect(await deliverPush(app.appKey, push)).toMatchObject({ status: 200, text: "success" });
    expect(Date.now() - started).toBeLessThan(4_900);
    const [called, queued] = await waitForDeliveries("push-reply-late", 2);
    expect(queued!.headers["x-gateway-delivery"]).toBe(called!.headers["x-gateway-delivery"]);
    expect(queued!.body).toBe(called!.body);
    await expect
      .poll(async () => (await deliveries(app.appKey)).body.data.deliveries[0]?.state)
      .toBe("delivered");
  });

  it("gives WeChat `success` when the reply target fails, and delivers through the queue", async () => {
    const app = await registerPushApp("push-reply-fail", "wxpushreplyfl001", {
      targets: ["push-reply-fail!"],
    });
    await scriptTarget("push-reply-fail", [{ status: 502, body: REPLY }]);
    const push = await wechatPush(app.appId, { type: "text", content: "fail" });
    expect(await deliverPush(app.appKey, push)).toMatchObject({ status: 200, text: "success" });
    const [called, queued] = await waitForDeliveries("push-reply-fail", 2);
    expect(queued!.headers["x-gateway-delivery"]).toBe(called!.headers["x-gateway-delivery"]);
  });
});

// WeChat sends a push up to three more times when its answer is late, and may replay it: every
// target gets it once, through the queue, as SPEC §12's JSON with MsgId's digits intact.

import { describe, expect, it } from "vitest";
import {
  deliverPush,
  receivedBy,
  registerPushApp,
  waitForDeliveries,
  wechatPush,
} from "../support/pushes.ts";

const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

describe("a push sent four times", () => {
  it("is delivered once to each target, with the message as WeChat sent it", async () => {
    const app = await registerPushApp("push-four-times", "wxpushfourtimes1", {
      targets: ["push-four-a", "push-four-b"],
      mode: "safe",
      format: "json",
    });
    const msgId = "18014398509481985"; // 2^54 + 1: a JS number would end in 4
    const first = await wechatPush(app.appId, { type: "text", content: "四次", msgId });
    // WeChat's own retries are encrypted anew: the same message, other bytes.
    const again = await wechatPush(app.appId, {
      type: "text",
      content: "四次",
      msgId,
      fromUser: first.fromUser,
      createTime: first.createTime,
    });
    const answers = await Promise.all(
      [first, first, again, again].map((push) => deliverPush(app.appKey, push)),
    );
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, text: "success" });

    const [a] = await waitForDeliveries("push-four-a", 1);
    const [b] = await waitForDeliveries("push-four-b", 1);
    await settle();
    expect(await receivedBy("push-four-a")).toHaveLength(1);
    expect(await receivedBy("push-four-b")).toHaveLength(1);

    expect(a!.headers["content-type"]).toBe("application/json");
    expect(a!.headers["x-gateway-delivery"]).toMatch(/^[0-9a-f]{32}$/);
    expect(b!.headers["x-gateway-delivery"]).not.toBe(a!.headers["x-gateway-delivery"]);
    const body = JSON.parse(a!.body);
    expect(body).toMatchObject({
      id: a!.headers["x-gateway-delivery"],
      appKey: app.appKey,
      appId: app.appId,
      format: "json",
      raw: first.plaintext,
    });
    expect(Date.parse(body.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    // MsgId reaches the backend with every digit: the message is WeChat's JSON text, spliced in.
    expect(a!.body).toContain(`"MsgId":${msgId}`);
    expect(body.message.Content).toBe("四次");
  });

  it("delivers an XML push's elements as the message's fields", async () => {
    const app = await registerPushApp("push-four-xml", "wxpushfourxml001", { targets: ["push-four-xml"] });
    const push = await wechatPush(app.appId, {
      type: "text",
      content: "<b>&amp;",
      msgId: "9223372036854775807",
    });
    for (let i = 0; i < 4; i++) expect((await deliverPush(app.appKey, push)).status).toBe(200);
    const [delivery] = await waitForDeliveries("push-four-xml", 1);
    await settle();
    expect(await receivedBy("push-four-xml")).toHaveLength(1);
    const body = JSON.parse(delivery!.body);
    expect(body).toMatchObject({ format: "xml", raw: push.plaintext });
    expect(body.message).toMatchObject({
      MsgType: "text",
      Content: "<b>&amp;",
      MsgId: "9223372036854775807",
      FromUserName: push.fromUser,
    });
  });
});

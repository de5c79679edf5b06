// Events have no MsgId: a retry of one is known by its sender, CreateTime and every field it
// carries, so distinct events that share a sender and a CreateTime (a LOCATION report and a menu
// click, two LOCATION reports, subscribe then unsubscribe) are each delivered (WECHAT.md §17).

import { describe, expect, it } from "vitest";
import {
  deliveries,
  deliverPush,
  receivedBy,
  registerPushApp,
  waitForDeliveries,
  wechatPush,
} from "../support/pushes.ts";

describe("events without a MsgId", () => {
  it("delivers each distinct event of one sender and CreateTime, and each retry of one only once", async () => {
    const app = await registerPushApp("push-events", "wxpusheventsdd01", { targets: ["push-events"] });
    const first = await wechatPush(app.appId, { type: "event", event: "subscribe" });
    const same = { fromUser: first.fromUser, createTime: first.createTime };
    const events = [
      first,
      await wechatPush(app.appId, { type: "event", event: "unsubscribe", ...same }),
      await wechatPush(app.appId, {
        type: "event",
        event: "LOCATION",
        latitude: 23.137466,
        longitude: 113.352425,
        precision: 119.385,
        ...same,
      }),
      await wechatPush(app.appId, {
        type: "event",
        event: "LOCATION",
        latitude: 23.137467,
        longitude: 113.352425,
        precision: 119.385,
        ...same,
      }),
      await wechatPush(app.appId, { type: "event", event: "CLICK", eventKey: "menu-a", ...same }),
      await wechatPush(app.appId, { type: "event", event: "CLICK", eventKey: "menu-b", ...same }),
    ];
    // Each sent twice, the second time as WeChat's retry (the same message, newly signed).
    for (const push of events) expect((await deliverPush(app.appKey, push)).status).toBe(200);
    for (const push of events) {
      const { message } = push;
      const retry = await wechatPush(app.appId, {
        type: "event",
        event: String(message.Event),
        ...same,
        ...(message.EventKey === undefined ? {} : { eventKey: String(message.EventKey) }),
        ...(message.Latitude === undefined
          ? {}
          : {
              latitude: Number(message.Latitude),
              longitude: Number(message.Longitude),
              precision: Number(message.Precision),
            }),
      });
      expect(await deliverPush(app.appKey, retry)).toMatchObject({ status: 200, text: "success" });
    }
    await waitForDeliveries("push-events", events.length);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const received = await receivedBy("push-events");
    expect(received).toHaveLength(events.length);
    expect(received.map((r) => JSON.parse(r.body).raw).sort()).toEqual(events.map((e) => e.plaintext).sort());
    expect((await deliveries(app.appKey)).body.data.deliveries).toHaveLength(events.length);
  });

  it("takes two messages with the same MsgId for one, whatever else differs", async () => {
    const app = await registerPushApp("push-events-msgid", "wxpusheventsdd02", {
      targets: ["push-events-msgid"],
    });
    const a = await wechatPush(app.appId, { type: "text", content: "a", msgId: "1234567890123456789" });
    const b = await wechatPush(app.appId, { type: "text", content: "b", msgId: "1234567890123456789" });
    const c = await wechatPush(app.appId, { type: "text", content: "a", msgId: "1234567890123456788" });
    for (const push of [a, b, c]) expect((await deliverPush(app.appKey, push)).status).toBe(200);
    await waitForDeliveries("push-events-msgid", 2);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const contents = (await receivedBy("push-events-msgid"))
      .map((r) => JSON.parse(r.body).message.MsgId)
      .sort();
    expect(contents).toEqual(["1234567890123456788", "1234567890123456789"]);
  });
});

// A backend that fails is tried again with backoff, and every try carries the same delivery id and
// body; once it answers 2xx the delivery is acknowledged and logged as delivered, and the queue's
// later copies of it are acknowledged without another POST.

import { describe, expect, it } from "vitest";
import {
  consume,
  deliveries,
  deliverPush,
  queuedFrom,
  receivedBy,
  registerPushApp,
  scriptTarget,
  targetUrl,
  waitForDeliveries,
  wechatPush,
} from "../support/pushes.ts";

describe("a target failing twice", () => {
  it("gets the message on the third try with the same delivery id, and the other target at once", async () => {
    const app = await registerPushApp("push-fail-twice", "wxpushfailtwice1", {
      targets: ["push-fail-twice", "push-fail-twice-ok"],
    });
    await scriptTarget("push-fail-twice", [{ status: 500 }, { status: 503 }]);
    const push = await wechatPush(app.appId, { type: "text", content: "again" });
    expect(await deliverPush(app.appKey, push)).toMatchObject({ status: 200, text: "success" });

    // The first try (the queue's) fails; the healthy target is not held back by it.
    const [first] = await waitForDeliveries("push-fail-twice", 1);
    expect(await waitForDeliveries("push-fail-twice-ok", 1)).toHaveLength(1);
    const queued = queuedFrom(app.appKey, targetUrl("push-fail-twice"), first!);

    // The second try fails too: retried later.
    const second = await consume("push-deliveries", queued, 2);
    expect(second.retryMessages).toHaveLength(1);
    expect(second.explicitAcks).toEqual([]);
    const third = await consume("push-deliveries", queued, 3);
    expect(third.explicitAcks).toHaveLength(1);
    expect(third.retryMessages).toEqual([]);

    const tries = await receivedBy("push-fail-twice");
    expect(tries).toHaveLength(3);
    expect(new Set(tries.map((t) => t.headers["x-gateway-delivery"]))).toEqual(new Set([queued.id]));
    expect(new Set(tries.map((t) => t.body))).toEqual(new Set([queued.body]));
    const logged = (await deliveries(app.appKey)).body.data.deliveries.find((d) => d.id === queued.id);
    expect(logged).toMatchObject({ state: "delivered", attempts: 3, lastStatus: 200 });

    // The queue's own retry of the first try arrives later: acknowledged, not POSTed again.
    const late = await consume("push-deliveries", queued, 2);
    expect(late.explicitAcks).toHaveLength(1);
    expect(await receivedBy("push-fail-twice")).toHaveLength(3);
  });
});

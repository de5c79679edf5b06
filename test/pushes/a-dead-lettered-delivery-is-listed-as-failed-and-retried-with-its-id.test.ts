// After the queue's last try a delivery goes to the dead-letter queue: it is listed as failed,
// and POST …/deliveries/{id}/retry sends it again through the queue with the same id and body.

import { describe, expect, it } from "vitest";
import { admin } from "../support/gateway.ts";
import {
  consume,
  deliveries,
  deliverPush,
  queuedFrom,
  registerPushApp,
  scriptTarget,
  targetUrl,
  waitForDeliveries,
  wechatPush,
} from "../support/pushes.ts";

describe("the dead-letter path", () => {
  it("lists a dead-lettered delivery as failed and retries it with the same id", async () => {
    const app = await registerPushApp("push-dead-letter", "wxpushdeadlett01", {
      targets: ["push-dead-letter"],
    });
    await scriptTarget("push-dead-letter", [{ status: 500 }]);
    const push = await wechatPush(app.appId, { type: "event", event: "CLICK", eventKey: "menu-1" });
    expect((await deliverPush(app.appKey, push)).status).toBe(200);
    const [first] = await waitForDeliveries("push-dead-letter", 1);
    const queued = queuedFrom(app.appKey, targetUrl("push-dead-letter"), first!);

    // The queue gives up (as after max_retries): the dead-letter consumer marks it failed.
    const dead = await consume("push-deliveries-failed", queued, 1);
    expect(dead.explicitAcks).toHaveLength(1);
    const failed = (await deliveries(app.appKey, "?state=failed")).body.data.deliveries;
    expect(failed).toEqual([
      expect.objectContaining({
        id: queued.id,
        target: targetUrl("push-dead-letter"),
        state: "failed",
        lastStatus: 500,
      }),
    ]);
    expect((await deliveries(app.appKey, "?state=delivered")).body.data.deliveries).toEqual([]);

    const retried = await admin("POST", `/apps/${app.appKey}/push/deliveries/${queued.id}/retry`);
    expect(retried).toMatchObject({ status: 200, body: { data: { queued: true } } });
    const [, again] = await waitForDeliveries("push-dead-letter", 2);
    expect(again!.headers["x-gateway-delivery"]).toBe(queued.id);
    expect(again!.body).toBe(queued.body);
    await expect
      .poll(async () =>
        (await deliveries(app.appKey, "?state=delivered")).body.data.deliveries.map((d) => d.id),
      )
      .toEqual([queued.id]);
    // Only a failed delivery is retried; an unknown id is a 404.
    expect((await admin("POST", `/apps/${app.appKey}/push/deliveries/${queued.id}/retry`)).status).toBe(409);
    expect((await admin("POST", `/apps/${app.appKey}/push/deliveries/${"0".repeat(32)}/retry`)).status).toBe(
      404,
    );
    expect((await admin("POST", `/apps/${app.appKey}/push/deliveries/not-an-id/retry`)).status).toBe(400);
  });
});

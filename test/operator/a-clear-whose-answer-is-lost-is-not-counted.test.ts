import { describe, expect, it } from "vitest";
import { registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { allowanceOf, CLEAR_QUOTA_PATH, callsTo, clearQuota } from "./operator-client.ts";

// The gateway counts the resets WeChat accepted. When the answer is lost on the way (the
// connection dropped after the request went out), WeChat may have reset the quotas or not: the
// gateway says so and does not count it, since WeChat's own 48006 corrects a count that is short
// while a count that is long would refuse a reset WeChat still allows. A POST is not resent.

describe("a clear_quota whose answer is lost", () => {
  it("is a 503 that says the reset may have happened, and is not counted", async () => {
    const app = await registerApp("op-clear-lost", "wxopclearlost01");
    await sim.queueFault(app.appId, { kind: "drop", paths: [CLEAR_QUOTA_PATH] });
    const lost = await clearQuota(app.appKey);
    expect(lost.status).toBe(503);
    expect(lost.body).toEqual({
      code: 503,
      data: null,
      error: expect.stringMatching(/may or may not have happened/),
    });
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(1);
    expect((await allowanceOf(app.appKey)).body.data).toMatchObject({ clearsThisMonth: 0, clearsLeft: 10 });
    // The turn was given back: the next reset may go ahead at once.
    expect((await clearQuota(app.appKey)).status).toBe(200);
  });
});

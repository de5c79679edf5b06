import { describe, expect, it } from "vitest";
import { registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import {
  allowanceOf,
  CLEAR_QUOTA_PATH,
  callsTo,
  clearQuota,
  secondsToNextChinaMonth,
} from "./operator-client.ts";

// SPEC §4: the gateway counts the resets WeChat accepted, per appid and China-time month, in the
// appid's keeper; the eleventh is refused with 429 and Retry-After until the next month, without
// asking WeChat.

describe("clear_quota's allowance of 10 a month", () => {
  it("counts down to zero, then refuses the eleventh without a WeChat call", async () => {
    const app = await registerApp("op-clear-ten", "wxopclearten001");
    for (let i = 1; i <= 10; i++) {
      const answer = await clearQuota(app.appKey);
      expect(answer.status, `clear ${i}`).toBe(200);
      expect(answer.body.data).toMatchObject({ clearsThisMonth: i, clearsLeft: 10 - i });
    }
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(10);
    expect((await sim.state(app.appId)).clearQuotaUsedThisMonth).toBe(10);

    const before = secondsToNextChinaMonth();
    const eleventh = await clearQuota(app.appKey);
    const after = secondsToNextChinaMonth();
    expect(eleventh.status).toBe(429);
    expect(eleventh.body).toEqual({ code: 429, data: null, error: expect.stringMatching(/10 clear_quota/) });
    const retryAfter = Number(eleventh.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(after);
    expect(retryAfter).toBeLessThanOrEqual(before);
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(10);
    expect((await allowanceOf(app.appKey)).body.data).toMatchObject({
      clearsThisMonth: 10,
      clearsLeft: 0,
      usedUpAtWeChat: false,
    });
  });

  it("does not count a reset WeChat refused for another reason", async () => {
    const app = await registerApp("op-clear-refused", "wxopclearrefus1");
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 40013,
      errmsg: "invalid appid",
      paths: [CLEAR_QUOTA_PATH],
    });
    const refused = await clearQuota(app.appKey);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 502, errcode: 40013 });
    expect((await allowanceOf(app.appKey)).body.data).toMatchObject({ clearsThisMonth: 0, clearsLeft: 10 });
  });
});

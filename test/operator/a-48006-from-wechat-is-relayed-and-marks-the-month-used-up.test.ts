import { describe, expect, it } from "vitest";
import { getToken, registerApp } from "../support/gateway.ts";
import { postBusiness } from "../support/simulator.ts";
import {
  allowanceOf,
  CLEAR_QUOTA_PATH,
  callsTo,
  clearQuota,
  secondsToNextChinaMonth,
} from "./operator-client.ts";

// WECHAT.md §0: WeChat counts resets made in its console too, so the gateway's count can be
// short. Then WeChat answers 48006: the gateway relays it (429, WeChat's errcode and errmsg,
// Retry-After until the next month) and marks the month used up, asking WeChat no more.

describe("48006 from clear_quota", () => {
  it("is relayed as a 429 and leaves no resets for the rest of the month", async () => {
    const app = await registerApp("op-clear-48006", "wxopclear48006a");
    // Eight resets made elsewhere (WeChat's console, another tool) with the same account.
    const token = (await getToken(app)).body.data.access_token;
    for (let i = 0; i < 8; i++) {
      expect((await postBusiness(CLEAR_QUOTA_PATH, token, { appid: app.appId })).errcode).toBe(0);
    }
    expect((await clearQuota(app.appKey)).status).toBe(200);
    expect((await clearQuota(app.appKey)).status).toBe(200);

    const before = secondsToNextChinaMonth();
    const refused = await clearQuota(app.appKey);
    const after = secondsToNextChinaMonth();
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      code: 429,
      data: null,
      error: expect.stringMatching(/48006/),
      errcode: 48006,
      errmsg: expect.stringMatching(/^forbid to clear quota because of reaching the limit rid: /),
    });
    const retryAfter = Number(refused.headers.get("Retry-After"));
    expect(retryAfter).toBeGreaterThanOrEqual(after);
    expect(retryAfter).toBeLessThanOrEqual(before);

    expect((await allowanceOf(app.appKey)).body.data).toMatchObject({
      clearsThisMonth: 2,
      clearsLeft: 0,
      usedUpAtWeChat: true,
    });
    const calls = await callsTo(app.appId, CLEAR_QUOTA_PATH);
    const again = await clearQuota(app.appKey);
    expect(again.status).toBe(429);
    expect(again.body.errcode).toBeUndefined();
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(calls);
  });
});

import { describe, expect, it } from "vitest";
import { registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { allowanceOf, CLEAR_QUOTA_PATH, callsTo, clearQuota } from "./operator-client.ts";

// Two operators pressing "clear" at once must not both spend the last reset: the appid's keeper
// lets one reset run at a time, and a second one meanwhile is a 409 that asks WeChat nothing.

describe("concurrent clear_quota calls", () => {
  it("the second waits its turn: 409 while the first is under way", async () => {
    const app = await registerApp("op-clear-turns", "wxopclearturns1");
    await sim.queueFault(app.appId, { kind: "slow", delayMs: 1500, paths: [CLEAR_QUOTA_PATH] });
    const first = clearQuota(app.appKey);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await clearQuota(app.appKey);
    expect(second.status).toBe(409);
    expect((await first).status).toBe(200);
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(1);
    expect((await allowanceOf(app.appKey)).body.data).toMatchObject({ clearsThisMonth: 1 });
    expect((await clearQuota(app.appKey)).status).toBe(200);
  });
});

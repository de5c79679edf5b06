import { describe, expect, it } from "vitest";
import { fetchStableToken, postBusiness, sim } from "../support/simulator.ts";

// WECHAT.md §0/§18: clear_quota succeeds 10 times per account per month, then answers 48006 until
// the month turns (a calendar month in China time, like the daily quotas' days). Refused calls do
// not use up the allowance.

const DAY_SECONDS = 86_400;

describe("clear_quota's monthly allowance", () => {
  it("counts only successful resets, refuses the eleventh and comes back with the next month", async () => {
    const appid = "wxsimclearmonth1";
    await sim.registerApp(appid, { tokenLifetimeSeconds: 40 * DAY_SECONDS });
    const { access_token: token = "" } = await fetchStableToken(appid);
    expect((await postBusiness("/cgi-bin/clear_quota", token, { appid: "wxnotmine" })).errcode).toBe(40013);
    for (let i = 1; i <= 10; i++) {
      expect((await postBusiness("/cgi-bin/clear_quota", token, { appid })).errcode).toBe(0);
    }
    expect((await sim.state(appid)).clearQuotaUsedThisMonth).toBe(10);
    expect((await postBusiness("/cgi-bin/clear_quota", token, { appid })).errcode).toBe(48006);
    expect((await sim.state(appid)).clearQuotaUsedThisMonth).toBe(10);

    // 32 days always reach the next calendar month.
    await sim.advance(appid, 32 * DAY_SECONDS);
    const { access_token: later = "" } = await fetchStableToken(appid);
    expect((await sim.state(appid)).clearQuotaUsedThisMonth).toBe(0);
    expect((await postBusiness("/cgi-bin/clear_quota", later, { appid })).errcode).toBe(0);
  });
});

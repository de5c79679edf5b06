import { describe, expect, it } from "vitest";
import {
  fetchClassicToken,
  fetchStableToken,
  fetchTicket,
  postBusiness,
  RID_SUFFIX,
  sim,
} from "../support/simulator.ts";

describe("daily quotas end in 45009 until the China-time day turns or clear_quota resets them", () => {
  it("classic: every call counts, including failed ones; past the quota comes 45009", async () => {
    const appid = "wxsimquota01";
    await sim.registerApp(appid, { quotas: { token: 3 } });
    expect((await fetchClassicToken(appid, "wrong-secret")).errcode).toBe(40125);
    expect((await fetchClassicToken(appid)).access_token).toBeDefined();
    expect((await fetchClassicToken(appid)).access_token).toBeDefined();
    const over = await fetchClassicToken(appid);
    expect(over.errcode).toBe(45009);
    expect(over.errmsg).toMatch(
      /^reach max api daily quota limit, could get access_token by getStableAccessToken/,
    );
    expect(over.errmsg).toMatch(RID_SUFFIX);
    expect((await sim.state(appid)).callsToday.token).toBe(4);
  });

  it("the quota comes back on the next China-time day", async () => {
    const appid = "wxsimquota02";
    await sim.registerApp(appid, { quotas: { token: 1 } });
    await fetchClassicToken(appid);
    expect((await fetchClassicToken(appid)).errcode).toBe(45009);
    await sim.advance(appid, 24 * 3600);
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
    const state = await sim.state(appid);
    expect(state.callsToday.token).toBe(1);
    expect(state.calls.token).toBe(3);
  });

  it("stable normal calls and getticket have their own daily quotas", async () => {
    const appid = "wxsimquota03";
    await sim.registerApp(appid, { quotas: { stableNormal: 2, ticket: 1 } });
    const stable = await fetchStableToken(appid);
    await fetchStableToken(appid);
    expect((await fetchStableToken(appid)).errcode).toBe(45009);
    const token = stable.access_token ?? "";
    expect((await fetchTicket(token)).errcode).toBe(0);
    expect((await fetchTicket(token)).errcode).toBe(45009);
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
  });

  it("quota/get reports the limit, the calls used today and what remains", async () => {
    const appid = "wxsimquota04";
    await sim.registerApp(appid, { quotas: { token: 10 } });
    await fetchClassicToken(appid);
    const { access_token: token = "" } = await fetchClassicToken(appid);
    const quota = await postBusiness("/cgi-bin/openapi/quota/get", token, { cgi_path: "/cgi-bin/token" });
    expect(quota).toEqual({ errcode: 0, errmsg: "ok", quota: { daily_limit: 10, used: 2, remain: 8 } });
    const stable = await postBusiness("/cgi-bin/openapi/quota/get", token, {
      cgi_path: "/cgi-bin/stable_token",
    });
    expect(stable.quota).toEqual({ daily_limit: 500000, used: 0, remain: 500000 });
    const ticket = await postBusiness("/cgi-bin/openapi/quota/get", token, {
      cgi_path: "/cgi-bin/ticket/getticket",
    });
    expect(ticket.quota?.daily_limit).toBe(10000);
    const unknown = await postBusiness("/cgi-bin/openapi/quota/get", token, { cgi_path: "/nope" });
    expect(unknown.errcode).toBe(76021);
  });

  it("clear_quota resets today's counters, at most 10 times a month (then 48006)", async () => {
    const appid = "wxsimquota05";
    await sim.registerApp(appid, { quotas: { token: 1 } });
    const { access_token: stable = "" } = await fetchStableToken(appid);
    await fetchClassicToken(appid);
    expect((await fetchClassicToken(appid)).errcode).toBe(45009);
    expect(await postBusiness("/cgi-bin/clear_quota", stable, { appid })).toEqual({
      errcode: 0,
      errmsg: "ok",
    });
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();

    for (let i = 2; i <= 10; i++) {
      expect((await postBusiness("/cgi-bin/clear_quota", stable, { appid })).errcode).toBe(0);
    }
    const refused = await postBusiness("/cgi-bin/clear_quota", stable, { appid });
    expect(refused.errcode).toBe(48006);
    expect(refused.errmsg).toMatch(/^forbid to clear quota because of reaching the limit rid: /);
  });

  it("clear_quota checks its body: appid required and must be the token's own", async () => {
    const appid = "wxsimquota06";
    await sim.registerApp(appid);
    const { access_token: token = "" } = await fetchStableToken(appid);
    expect((await postBusiness("/cgi-bin/clear_quota", token, {})).errcode).toBe(41002);
    expect((await postBusiness("/cgi-bin/clear_quota", token, { appid: "wxsomeoneelse" })).errcode).toBe(
      40013,
    );
  });
});

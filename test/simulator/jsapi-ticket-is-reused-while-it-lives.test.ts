import { describe, expect, it } from "vitest";
import {
  expectSecondsLeft,
  fetchClassicToken,
  fetchStableToken,
  fetchTicket,
  SIM_BASE,
  sim,
} from "../support/simulator.ts";

describe("getticket hands out one jsapi ticket per app while it lives", () => {
  it("returns the same ticket with its remaining lifetime, and a new one after it expires", async () => {
    const appid = "wxsimticket01";
    await sim.registerApp(appid);
    const { access_token: token = "" } = await fetchStableToken(appid);
    const first = await fetchTicket(token);
    expect(first).toMatchObject({ errcode: 0, errmsg: "ok", expires_in: 7200 });
    expect(first.ticket).toMatch(/^[A-Za-z0-9_-]{80,}$/);
    await sim.advance(appid, 600);
    const again = await fetchTicket(token);
    expect(again.ticket).toBe(first.ticket);
    expectSecondsLeft(again.expires_in, 6600);
    await sim.advance(appid, 6600);
    const { access_token: later = "" } = await fetchStableToken(appid);
    const renewed = await fetchTicket(later);
    expect(renewed.ticket).not.toBe(first.ticket);
    expect(renewed.expires_in).toBe(7200);
  });

  it("is shared by all of the app's tokens; wx_card tickets are separate", async () => {
    const appid = "wxsimticket02";
    await sim.registerApp(appid);
    const classic = await fetchClassicToken(appid);
    const stable = await fetchStableToken(appid);
    const viaClassic = await fetchTicket(classic.access_token ?? "");
    const viaStable = await fetchTicket(stable.access_token ?? "");
    expect(viaStable.ticket).toBe(viaClassic.ticket);
    const card = await fetchTicket(stable.access_token ?? "", "wx_card");
    expect(card.errcode).toBe(0);
    expect(card.ticket).not.toBe(viaClassic.ticket);
    expect((await sim.state(appid)).calls.ticket).toBe(3);
  });

  it("checks the access_token first and the type after", async () => {
    const appid = "wxsimticket03";
    await sim.registerApp(appid);
    expect((await fetchTicket("1_notatoken")).errcode).toBe(40001);
    const missing = await fetch(`${SIM_BASE}/cgi-bin/ticket/getticket?type=jsapi`);
    expect(((await missing.json()) as { errcode: number }).errcode).toBe(41001);
    const { access_token: token = "" } = await fetchClassicToken(appid);
    expect((await fetchTicket(token, "bogus")).errcode).toBe(40097);
  });
});

import { describe, expect, it } from "vitest";
import { errcodeWith, expectSecondsLeft, fetchStableToken, sim } from "../support/simulator.ts";

describe("stable force_refresh is spaced 30 s apart and limited to 20 a day", () => {
  it("issues a new token and keeps the old one for a 300 s grace", async () => {
    const appid = "wxsimforce01";
    await sim.registerApp(appid);
    const old = await fetchStableToken(appid);
    const forced = await fetchStableToken(appid, { forceRefresh: true });
    expect(forced.access_token).not.toBe(old.access_token);
    expect(forced.expires_in).toBe(7200);
    expect(await errcodeWith(old.access_token)).toBe(0);
    await sim.advance(appid, 301);
    expect(await errcodeWith(old.access_token)).toBe(40001);
    expect(await errcodeWith(forced.access_token)).toBe(0);
  });

  it("does not refresh within 30 s of the previous force refresh: the current token comes back", async () => {
    const appid = "wxsimforce02";
    await sim.registerApp(appid);
    const forced = await fetchStableToken(appid, { forceRefresh: true });
    await sim.advance(appid, 29);
    const again = await fetchStableToken(appid, { forceRefresh: true });
    expect(again.errcode).toBeUndefined();
    expect(again.access_token).toBe(forced.access_token);
    expectSecondsLeft(again.expires_in, 7200 - 29);
  });

  it("two force refreshes 30 s apart kill the token from before both at once", async () => {
    const appid = "wxsimforce03";
    await sim.registerApp(appid);
    const leaked = await fetchStableToken(appid);
    const first = await fetchStableToken(appid, { forceRefresh: true });
    await sim.advance(appid, 30);
    const second = await fetchStableToken(appid, { forceRefresh: true });
    expect(second.access_token).not.toBe(first.access_token);
    expect(await errcodeWith(leaked.access_token)).toBe(40001);
    expect(await errcodeWith(first.access_token)).toBe(0);
    expect(await errcodeWith(second.access_token)).toBe(0);
  });

  it("answers 45009 after 20 force refreshes a day, while normal calls still work", async () => {
    const appid = "wxsimforce04";
    await sim.registerApp(appid);
    for (let i = 0; i < 20; i++) {
      expect((await fetchStableToken(appid, { forceRefresh: true })).errcode).toBeUndefined();
    }
    const over = await fetchStableToken(appid, { forceRefresh: true });
    expect(over.errcode).toBe(45009);
    expect((await fetchStableToken(appid)).errcode).toBeUndefined();
    const state = await sim.state(appid);
    expect(state.callsToday.stableForce).toBe(21);
    expect(state.callsToday.stableNormal).toBe(1);
    await sim.advance(appid, 24 * 3600);
    expect((await fetchStableToken(appid, { forceRefresh: true })).errcode).toBeUndefined();
  });
});

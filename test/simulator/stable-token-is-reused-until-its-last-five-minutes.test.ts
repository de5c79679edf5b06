import { describe, expect, it } from "vitest";
import {
  errcodeWith,
  expectSecondsLeft,
  fetchClassicToken,
  fetchStableToken,
  sim,
} from "../support/simulator.ts";

describe("a stable token is handed out again until its last five minutes", () => {
  it("returns the same token with expires_in = its remaining seconds", async () => {
    const appid = "wxsimstable01";
    await sim.registerApp(appid);
    const first = await fetchStableToken(appid);
    expect(first.errcode).toBeUndefined();
    expect(first.expires_in).toBe(7200);
    await sim.advance(appid, 1000);
    const again = await fetchStableToken(appid, { forceRefresh: false });
    expect(again.access_token).toBe(first.access_token);
    expectSecondsLeft(again.expires_in, 6200);
    await sim.advance(appid, 5899);
    const late = await fetchStableToken(appid);
    expect(late.access_token).toBe(first.access_token);
    expectSecondsLeft(late.expires_in, 301);
  });

  it("issues a new token in the last 300 s and keeps the old one until it expires", async () => {
    const appid = "wxsimstable02";
    await sim.registerApp(appid);
    const old = await fetchStableToken(appid);
    await sim.advance(appid, 7200 - 299);
    const renewed = await fetchStableToken(appid);
    expect(renewed.access_token).not.toBe(old.access_token);
    expect(renewed.expires_in).toBe(7200);
    expect(await errcodeWith(old.access_token)).toBe(0);
    await sim.advance(appid, 298);
    expect(await errcodeWith(old.access_token)).toBe(0);
    await sim.advance(appid, 2);
    expect(await errcodeWith(old.access_token)).toBe(42001);
    expect(await errcodeWith(renewed.access_token)).toBe(0);
  });

  it("issues a new token once the old one has expired", async () => {
    const appid = "wxsimstable03";
    await sim.registerApp(appid);
    const old = await fetchStableToken(appid);
    await sim.advance(appid, 8000);
    const fresh = await fetchStableToken(appid);
    expect(fresh.access_token).not.toBe(old.access_token);
    expect(fresh.expires_in).toBe(7200);
  });

  it("lives in its own slot: classic and stable fetches never invalidate each other", async () => {
    const appid = "wxsimstable04";
    await sim.registerApp(appid);
    const stable = await fetchStableToken(appid);
    await fetchClassicToken(appid);
    await fetchClassicToken(appid);
    const classic = await fetchClassicToken(appid);
    expect(await errcodeWith(stable.access_token)).toBe(0);
    expect((await fetchStableToken(appid)).access_token).toBe(stable.access_token);

    await fetchStableToken(appid, { forceRefresh: true });
    await sim.advance(appid, 30);
    await fetchStableToken(appid, { forceRefresh: true });
    expect(await errcodeWith(classic.access_token)).toBe(0);
  });
});

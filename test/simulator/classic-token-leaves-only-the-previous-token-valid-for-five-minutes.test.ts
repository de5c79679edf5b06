import { describe, expect, it } from "vitest";
import { errcodeWith, fetchClassicToken, sim } from "../support/simulator.ts";

describe("a classic token fetch leaves only the previous token valid for five minutes", () => {
  it("issues a new token on every call, with expires_in = the token lifetime", async () => {
    const appid = "wxsimclassic01";
    await sim.registerApp(appid);
    const first = await fetchClassicToken(appid);
    const second = await fetchClassicToken(appid);
    expect(first.errcode).toBeUndefined();
    expect(first.expires_in).toBe(7200);
    expect(first.access_token).toMatch(/^\d+_[A-Za-z0-9_-]{100,}$/);
    expect(first.access_token?.length).toBeLessThan(512);
    expect(second.access_token).not.toBe(first.access_token);
  });

  it("keeps the replaced token working for 300 s, then rejects it as not latest (40001)", async () => {
    const appid = "wxsimclassic02";
    await sim.registerApp(appid);
    const old = await fetchClassicToken(appid);
    const fresh = await fetchClassicToken(appid);
    expect(await errcodeWith(old.access_token)).toBe(0);
    await sim.advance(appid, 299);
    expect(await errcodeWith(old.access_token)).toBe(0);
    await sim.advance(appid, 2);
    expect(await errcodeWith(old.access_token)).toBe(40001);
    expect(await errcodeWith(fresh.access_token)).toBe(0);
  });

  it("kills the token two generations back at once", async () => {
    const appid = "wxsimclassic03";
    await sim.registerApp(appid);
    const first = await fetchClassicToken(appid);
    const second = await fetchClassicToken(appid);
    const third = await fetchClassicToken(appid);
    expect(await errcodeWith(first.access_token)).toBe(40001);
    expect(await errcodeWith(second.access_token)).toBe(0);
    expect(await errcodeWith(third.access_token)).toBe(0);
  });

  it("never extends a replaced token past its own lifetime", async () => {
    const appid = "wxsimclassic04";
    await sim.registerApp(appid, { tokenLifetimeSeconds: 200 });
    const old = await fetchClassicToken(appid);
    expect(old.expires_in).toBe(200);
    await sim.advance(appid, 100);
    await fetchClassicToken(appid);
    await sim.advance(appid, 99);
    expect(await errcodeWith(old.access_token)).toBe(0);
    await sim.advance(appid, 2);
    // It reached the end of its natural life, so it reads as expired.
    expect(await errcodeWith(old.access_token)).toBe(42001);
  });

  it("expires the current token after its lifetime (42001)", async () => {
    const appid = "wxsimclassic05";
    await sim.registerApp(appid);
    const token = await fetchClassicToken(appid);
    await sim.advance(appid, 7199);
    expect(await errcodeWith(token.access_token)).toBe(0);
    await sim.advance(appid, 1);
    expect(await errcodeWith(token.access_token)).toBe(42001);
  });
});

import { describe, expect, it } from "vitest";
import { errcodeWith, fetchClassicToken, fetchStableToken, SIM_BASE, sim } from "../support/simulator.ts";

describe("the control API manages apps, their clocks and their tokens", () => {
  it("health answers ok", async () => {
    expect(await (await fetch(`${SIM_BASE}/__sim/health`)).json()).toEqual({ ok: true });
  });

  it("registers an app and returns its settings without the secret", async () => {
    const res = await sim.raw("PUT", "/apps/wxsimcontrol01", {
      secret: "s1",
      tokenLifetimeSeconds: 3600,
      quotas: { token: 5 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      appid: "wxsimcontrol01",
      tokenLifetimeSeconds: 3600,
      whitelisted: true,
      quotas: {
        token: 5,
        stableNormal: 500000,
        stableForce: 20,
        ticket: 10000,
        links: 500000,
        wxacodeUnlimitPerMinute: 5000,
        wxacodeDaily: 10000,
        wxacodeTotal: 100000,
      },
      published: true,
      pages: ["pages/index/index", "pages/login/login", "pages/order/detail"],
      templates: {
        "tmpl-order-shipped": ["thing1", "character_string2", "time3"],
        "tmpl-oa-notice": ["content"],
      },
      riskyWords: ["赌博", "代开发票", "risky-test", "fraud-test"],
    });
  });

  it("updating an app keeps its tokens and unspecified settings", async () => {
    const appid = "wxsimcontrol02";
    await sim.registerApp(appid, { quotas: { token: 7 } });
    const { access_token } = await fetchClassicToken(appid);
    const res = await sim.raw("PUT", `/apps/${appid}`, { whitelisted: false });
    expect((res.body as { quotas: { token: number } }).quotas.token).toBe(7);
    expect(await errcodeWith(access_token)).toBe(0);
    expect((await sim.state(appid)).tokens.classic.current?.token).toBe(access_token);
  });

  it("advance moves only that app's clock, cumulatively", async () => {
    const appid = "wxsimcontrol03";
    const other = "wxsimcontrol03b";
    await sim.registerApp(appid);
    await sim.registerApp(other);
    await sim.advance(appid, 100);
    await sim.advance(appid, 50);
    const [moved, still] = await Promise.all([sim.state(appid), sim.state(other)]);
    expect(moved.clockOffsetSeconds).toBe(150);
    expect(still.clockOffsetSeconds).toBe(0);
    expect(moved.now - still.now).toBeGreaterThanOrEqual(149_000);
  });

  it("invalidate kills a slot's current and previous tokens with no grace", async () => {
    const appid = "wxsimcontrol04";
    await sim.registerApp(appid);
    const previous = await fetchClassicToken(appid);
    const current = await fetchClassicToken(appid);
    const stable = await fetchStableToken(appid);
    await sim.invalidate(appid, "classic");
    expect(await errcodeWith(previous.access_token)).toBe(40001);
    expect(await errcodeWith(current.access_token)).toBe(40001);
    expect(await errcodeWith(stable.access_token)).toBe(0);
    const state = await sim.state(appid);
    expect(state.tokens.classic).toEqual({ current: null, previous: null });

    await sim.invalidate(appid);
    expect(await errcodeWith(stable.access_token)).toBe(40001);
    const fresh = await fetchStableToken(appid);
    expect(fresh.access_token).not.toBe(stable.access_token);
    expect(fresh.expires_in).toBe(7200);
  });

  it("reports the app's tokens with their times", async () => {
    const appid = "wxsimcontrol05";
    await sim.registerApp(appid);
    const old = await fetchClassicToken(appid);
    const fresh = await fetchClassicToken(appid);
    const state = await sim.state(appid);
    const current = state.tokens.classic.current;
    expect(current?.token).toBe(fresh.access_token);
    expect((current?.expiresAt ?? 0) - (current?.issuedAt ?? 0)).toBe(7_200_000);
    expect(state.tokens.classic.previous?.token).toBe(old.access_token);
    expect(state.tokens.classic.previous?.graceUntil).toBe((current?.issuedAt ?? 0) + 300_000);
    expect(state.tokens.stable).toMatchObject({ current: null, previous: null });
  });

  it("rejects bad input with 400 and unknown apps with 404", async () => {
    expect((await sim.raw("PUT", "/apps/wxsimcontrol06", {})).status).toBe(400);
    expect((await sim.raw("PUT", "/apps/wxsimcontrol06", { secret: 5 })).status).toBe(400);
    expect((await sim.raw("GET", "/apps/wxsimcontrol06")).status).toBe(404);
    await sim.registerApp("wxsimcontrol06");
    expect((await sim.raw("POST", "/apps/wxsimcontrol06/faults", { kind: "meteor" })).status).toBe(400);
    expect((await sim.raw("POST", "/apps/wxsimcontrol06/faults", { kind: "errcode" })).status).toBe(400);
    expect((await sim.raw("POST", "/apps/wxsimcontrol06/advance", {})).status).toBe(400);
    expect((await sim.raw("POST", "/apps/wxsimcontrol06/invalidate", { slot: "both" })).status).toBe(400);
    expect((await sim.raw("POST", "/apps/wxsimcontrol06/nothing")).status).toBe(404);
  });
});

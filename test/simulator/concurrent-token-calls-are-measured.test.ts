import { describe, expect, it } from "vitest";
import { fetchClassicToken, fetchStableToken, sim } from "../support/simulator.ts";

describe("maxConcurrentTokenCalls records the most token calls in flight at once", () => {
  it("sees overlapping classic and stable calls held open by a slow fault", async () => {
    const appid = "wxsimconcurrent01";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "slow", delayMs: 300, times: 3 });
    const answers = await Promise.all([
      fetchClassicToken(appid),
      fetchClassicToken(appid),
      fetchStableToken(appid),
    ]);
    for (const answer of answers) expect(answer.access_token).toBeDefined();
    const state = await sim.state(appid);
    expect(state.maxConcurrentTokenCalls).toBe(3);
    expect(state.tokenCallsInFlight).toBe(0);
  });

  it("stays at 1 for calls made one after another", async () => {
    const appid = "wxsimconcurrent02";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "slow", delayMs: 50, times: 2 });
    await fetchClassicToken(appid);
    await fetchStableToken(appid);
    await fetchClassicToken(appid);
    expect((await sim.state(appid)).maxConcurrentTokenCalls).toBe(1);
  });
});

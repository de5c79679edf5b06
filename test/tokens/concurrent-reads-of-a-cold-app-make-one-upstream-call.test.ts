import { describe, expect, it } from "vitest";
import { getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

describe("single flight", () => {
  it("hundreds of concurrent reads of a cold app make one upstream call and all get the same token", async () => {
    const app = await registerApp("cold-stable", "wxcoldstable001");
    // Slow the first token call down so every read arrives while it is in flight.
    await sim.queueFault(app.appId, { kind: "slow", delayMs: 300, paths: ["/cgi-bin/stable_token"] });

    const answers = await Promise.all(Array.from({ length: 300 }, () => getToken(app)));

    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tokens = new Set(answers.map((a) => a.body.data.access_token));
    expect(tokens.size).toBe(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
    expect((await sim.state(app.appId)).maxConcurrentTokenCalls).toBe(1);
  });

  it("classic mode: concurrent reads make one /cgi-bin/token call", async () => {
    const app = await registerApp("cold-classic", "wxcoldclassic01", { tokenMode: "classic" });
    const answers = await Promise.all(Array.from({ length: 200 }, () => getToken(app)));
    expect(new Set(answers.map((a) => a.body.data.access_token)).size).toBe(1);
    const state = await sim.state(app.appId);
    expect(state.calls.token).toBe(1);
    expect(state.calls.stableNormal).toBe(0);
  });
});

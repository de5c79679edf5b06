import { describe, expect, it } from "vitest";
import { getToken, registerApp, reportToken, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken } from "../support/keeper.ts";
import { errcodeWith, sim } from "../support/simulator.ts";

describe("passive refresh", () => {
  it("a flood of reports of the current token refreshes once and everyone gets the new token", async () => {
    const app = await registerApp("flood-classic", "wxfloodclassic1", { tokenMode: "classic" });
    const old = (await getToken(app)).body.data.access_token;
    await ageAccessToken(app.appId, { secondsLeft: 3600, due: false });

    const answers = await Promise.all(Array.from({ length: 150 }, () => reportToken(app, old)));

    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tokens = new Set(answers.map((a) => a.body.data.access_token));
    expect(tokens.size).toBe(1);
    expect(tokens.has(old)).toBe(false);
    expect(await upstreamTokenCalls(app.appId)).toBe(2);
    expect(await errcodeWith([...tokens][0])).toBe(0);
  });

  it("a stale report (the token was already replaced) makes no upstream call", async () => {
    const app = await registerApp("stale-report", "wxstalereport01", { tokenMode: "classic" });
    const old = (await getToken(app)).body.data.access_token;
    await ageAccessToken(app.appId, { secondsLeft: 3600, due: false });
    const renewed = (await reportToken(app, old)).body.data.access_token;
    expect(renewed).not.toBe(old);
    const calls = await upstreamTokenCalls(app.appId);

    const again = await reportToken(app, old);
    const garbage = await reportToken(app, "not-a-token-we-ever-issued");

    expect(again.body.data.access_token).toBe(renewed);
    expect(garbage.body.data.access_token).toBe(renewed);
    expect(await upstreamTokenCalls(app.appId)).toBe(calls);
  });

  it("a report of a token younger than 30 s is not trusted and makes no upstream call", async () => {
    const app = await registerApp("young-report", "wxyoungreport01", { tokenMode: "classic" });
    const current = (await getToken(app)).body.data.access_token;

    const answer = await reportToken(app, current);

    expect(answer.status).toBe(200);
    expect(answer.body.data.access_token).toBe(current);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("stable mode: a token invalidated behind the gateway's back is replaced after a report", async () => {
    const app = await registerApp("stable-report", "wxstablereport1");
    const old = (await getToken(app)).body.data.access_token;
    await sim.invalidate(app.appId, "stable");
    expect(await errcodeWith(old)).toBe(40001);
    await ageAccessToken(app.appId, { secondsLeft: 3600, due: false });

    const answer = await reportToken(app, old);

    expect(answer.body.data.access_token).not.toBe(old);
    expect(await errcodeWith(answer.body.data.access_token)).toBe(0);
    const state = await sim.state(app.appId);
    expect(state.calls.stableForce).toBe(0);
  });
});

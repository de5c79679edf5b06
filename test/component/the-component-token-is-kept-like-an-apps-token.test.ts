// The component_access_token is kept by the platform's keeper with the machinery of an app's
// token: one upstream call for any number of concurrent readers, renewed by the alarm before it
// expires, and served from storage after the keeper restarts.

import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { componentToken, pushTicket, registerPlatform } from "../support/component.ts";
import { ageAccessToken, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

describe("the component_access_token", () => {
  it("is fetched once for fifty concurrent readers, with the verify ticket", async () => {
    const platform = await registerPlatform("ctoken-concurrent", "wxcompconcurr001");
    await pushTicket(platform);
    const answers = await Promise.all(Array.from({ length: 50 }, () => componentToken(platform)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tokens = new Set(answers.map((a) => a.body.data.component_access_token));
    expect(tokens.size).toBe(1);
    const view = await sim.component(platform.componentAppId);
    expect(view.calls.componentToken).toBe(1);
    expect(view.tokens.current?.token).toBe([...tokens][0]);
  });

  it("is renewed by the alarm before it expires, and readers get the new one", async () => {
    const platform = await registerPlatform("ctoken-alarm", "wxcompalarm00001");
    await pushTicket(platform);
    const first = (await componentToken(platform)).body.data.component_access_token;
    await ageAccessToken(platform.componentAppId, { secondsLeft: 200 });
    await runDurableObjectAlarm(keeper(platform.componentAppId));
    const view = await sim.component(platform.componentAppId);
    expect(view.calls.componentToken).toBe(2);
    const second = (await componentToken(platform)).body.data.component_access_token;
    expect(second).not.toBe(first);
    expect(second).toBe(view.tokens.current?.token);
  });

  it("survives a keeper restart without another upstream call", async () => {
    const platform = await registerPlatform("ctoken-restart", "wxcomprestart001");
    await pushTicket(platform);
    const before = (await componentToken(platform)).body.data.component_access_token;
    await evictDurableObject(keeper(platform.componentAppId));
    const after = (await componentToken(platform)).body.data.component_access_token;
    expect(after).toBe(before);
    expect((await sim.component(platform.componentAppId)).calls.componentToken).toBe(1);
  });
});

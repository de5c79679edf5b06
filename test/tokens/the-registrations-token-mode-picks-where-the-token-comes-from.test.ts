// Where an appid's access_token comes from is a CredentialSource (src/tokens/sources.ts), picked
// from the stored registration; the keeper asks it instead of branching on the token mode.
import { describe, expect, it } from "vitest";
import {
  FORCED_REFRESH_DAILY_LIMIT,
  FORCED_REFRESH_MIN_INTERVAL_SECONDS,
  TOKEN_CALL_DAILY_BUDGET,
} from "../../src/tokens/policy.ts";
import { credentialSourceFor } from "../../src/tokens/sources.ts";
import { type KeeperApp, NOT_AN_AUTHORIZER } from "../../src/tokens/store.ts";
import { SECRET, SIM_BASE, sim } from "../support/simulator.ts";

function registered(appId: string, tokenMode: KeeperApp["tokenMode"]): KeeperApp {
  return {
    appId,
    appSecret: SECRET,
    tokenMode,
    appType: "miniprogram",
    source: "secret",
    ...NOT_AN_AUTHORIZER,
  };
}

describe("credentialSourceFor", () => {
  it("stable: stable_token, forced refreshes within WeChat's limits, the same token rechecked inside its last minutes", async () => {
    const appId = "wxsourcestable01";
    await sim.registerApp(appId);
    const source = credentialSourceFor(registered(appId, "stable"), SIM_BASE);
    expect(source.dailyBudget).toBe(TOKEN_CALL_DAILY_BUDGET.stable);
    expect(source.forcedRefresh).toEqual({
      dailyLimit: FORCED_REFRESH_DAILY_LIMIT,
      minIntervalSeconds: FORCED_REFRESH_MIN_INTERVAL_SECONDS,
    });
    const now = Date.now();
    const expiresAt = now + 7_200_000;
    expect(source.dueAfterSameToken(expiresAt, now)).toBeGreaterThan(now);

    const first = await source.fetch(false);
    const again = await source.fetch(false);
    expect(first.ok && again.ok && again.value === first.value).toBe(true);
    const forced = await source.fetch(true);
    expect(forced.ok && first.ok && forced.value !== first.value).toBe(true);
    expect((await sim.state(appId)).calls).toMatchObject({ stableNormal: 2, stableForce: 1, token: 0 });
  });

  it("classic: /cgi-bin/token, where every call is a new token and forcing means nothing", async () => {
    const appId = "wxsourceclassic1";
    await sim.registerApp(appId);
    const source = credentialSourceFor(registered(appId, "classic"), SIM_BASE);
    expect(source.dailyBudget).toBe(TOKEN_CALL_DAILY_BUDGET.classic);
    expect(source.forcedRefresh).toBeNull();
    expect(source.dueAfterSameToken(Date.now() + 7_200_000, Date.now())).toBeNull();

    const first = await source.fetch(false);
    const second = await source.fetch(true);
    expect(first.ok && second.ok && second.value !== first.value).toBe(true);
    expect((await sim.state(appId)).calls).toMatchObject({ token: 2, stableNormal: 0, stableForce: 0 });
  });

  it("answers WeChat's refusal as a failure, without the secret", async () => {
    const appId = "wxsourcerefused1";
    await sim.registerApp(appId, { secret: "rotated-at-wechat" });
    const answer = await credentialSourceFor(registered(appId, "classic"), SIM_BASE).fetch(false);
    expect(answer).toMatchObject({ ok: false, kind: "definite", errcode: 40125 });
    expect(JSON.stringify(answer)).not.toContain(SECRET);
  });
});

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { forgetRememberedTokens } from "../../src/tokens/current-token.ts";
import { TOKEN_CALL_DAILY_BUDGET } from "../../src/tokens/policy.ts";
import { sdkStableToken } from "../proxy/proxy-client.ts";
import {
  getToken,
  type RegisteredApp,
  registerApp,
  reportToken,
  upstreamTokenCalls,
} from "../support/gateway.ts";
import { keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

// Issue 6: a tight loop of passive refresh reports, proxy token calls with force_refresh, and
// keeper restarts, for an hour of simulated time, stays within the daily budget of upstream token
// calls. Each simulated minute: 20 reports of the current token, 20 forced "refreshes" through the
// proxy, a keeper restart, then the clock moves on a minute (the keeper's stored times move back
// a minute, WeChat's clock forward a minute).

const MINUTES = 60;
const PER_MINUTE = 20;

/** One simulated minute passes for the keeper's stored token (and for WeChat's clock). */
async function aMinutePasses(app: RegisteredApp) {
  await runInDurableObject(keeper(app.appId), (_instance, state) => {
    state.storage.sql.exec(
      `UPDATE credential SET created_at = created_at - 60000, expires_at = expires_at - 60000,
         confirmed_at = confirmed_at - 60000 WHERE kind = 'access_token'`,
    );
  });
  await evictDurableObject(keeper(app.appId));
  forgetRememberedTokens();
  await sim.advance(app.appId, 60);
}

describe("quota safety under abuse", () => {
  it.each(["classic", "stable"] as const)(
    "%s mode: an hour of reports, forced proxy refreshes and restarts",
    async (tokenMode) => {
      const app = await registerApp(
        `quota-abuse-${tokenMode}`,
        `wxquotaabuse${tokenMode === "classic" ? "01" : "02"}`,
        {
          tokenMode,
        },
      );
      for (let minute = 0; minute < MINUTES; minute++) {
        const token = (await getToken(app)).body.data.access_token;
        const answers = await Promise.all([
          ...Array.from({ length: PER_MINUTE }, () => reportToken(app, token)),
          ...Array.from({ length: PER_MINUTE }, () => sdkStableToken(app, true)),
        ]);
        expect(answers.every((a) => a.status === 200)).toBe(true);
        await aMinutePasses(app);
      }
      const calls = await upstreamTokenCalls(app.appId);
      const state = await sim.state(app.appId);
      // No forced refresh ever reached WeChat, and a flood of reports of one token is at most one
      // call: at most one per simulated minute, plus the first fetch.
      expect(state.calls.stableForce).toBe(0);
      expect(calls).toBeLessThanOrEqual(MINUTES + 1);
      expect(calls).toBeLessThan(TOKEN_CALL_DAILY_BUDGET[tokenMode]);
      const status = await keeper(app.appId).status();
      expect(status.configured && status.accessToken.callsToday).toBe(calls);
    },
    60_000,
  );
});

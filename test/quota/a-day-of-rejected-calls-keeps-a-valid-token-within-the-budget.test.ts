import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TOKEN_CALL_DAILY_BUDGET } from "../../src/tokens/policy.ts";
import { getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { alarmOf, keeper } from "../support/keeper.ts";
import { rejectEveryCallTo, rejectedProxyCall } from "../support/rejected-calls.ts";
import { errcodeWith, sim } from "../support/simulator.ts";

// SPEC §5, quota care under abuse: a day of a caller replaying calls that WeChat rejects never
// leaves the appid without a valid token and stays inside the budget. Time is simulated: the
// gateway's clock (Date, faked in this isolate, which the keepers share) and the simulator's clock
// move together; the keeper's alarm runs whenever it is due, as it would.

const DAY_SECONDS = 86_400;
const STEP_SECONDS = 120;
const REJECTED_PER_STEP = 3;
/**
 * A healthy classic keeper renews about 12 times a day; report-driven refreshes back off to one
 * every 30 minutes at most (48 a day) while the rejections go on. 80 leaves room for the ramp.
 */
const DAY_CALL_BOUND = 80;

afterEach(() => {
  vi.useRealTimers();
});

describe("a day of abuse", () => {
  it.each(["classic", "stable"] as const)(
    "%s mode: a day of rejected proxied calls keeps a valid token at every step and stays inside the budget",
    async (tokenMode) => {
      const app = await registerApp(
        `abuse-day-${tokenMode}`,
        `wxabuseday${tokenMode === "classic" ? "0001" : "0002"}`,
        {
          tokenMode,
        },
      );
      await rejectEveryCallTo(app.appId);
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
      const start = Date.now();
      let rejected = 0;
      let steps = 0;

      for (let elapsed = 0; elapsed < DAY_SECONDS; elapsed += STEP_SECONDS) {
        const token = await getToken(app);
        expect(token.status).toBe(200);
        expect(await errcodeWith(token.body.data.access_token)).toBe(0);
        for (let i = 0; i < REJECTED_PER_STEP; i++) if ((await rejectedProxyCall(app)) === 40001) rejected++;

        vi.setSystemTime(start + (elapsed + STEP_SECONDS) * 1000);
        await sim.advance(app.appId, STEP_SECONDS);
        const alarm = await alarmOf(app.appId);
        if (alarm !== null && alarm <= Date.now()) await runDurableObjectAlarm(keeper(app.appId));
        steps++;
      }

      expect(rejected).toBe(steps * REJECTED_PER_STEP);
      const calls = await upstreamTokenCalls(app.appId);
      expect(calls).toBeLessThanOrEqual(DAY_CALL_BOUND);
      expect(calls).toBeLessThan(TOKEN_CALL_DAILY_BUDGET[tokenMode]);
      const state = await sim.state(app.appId);
      expect(state.calls.stableForce).toBe(0);
    },
    180_000,
  );
});

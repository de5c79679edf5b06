import { describe, expect, it } from "vitest";
import { BUDGET_RESERVED_FOR_SCHEDULE, TOKEN_CALL_DAILY_BUDGET } from "../../src/tokens/policy.ts";
import { getToken, registerApp, reportToken, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken, seedTokenCallsToday } from "../support/keeper.ts";

describe("quota care", () => {
  it("reports stop causing upstream calls once only the scheduled reserve of the budget is left", async () => {
    const app = await registerApp("budget-reports", "wxbudgetreport1", { tokenMode: "classic" });
    const token = (await getToken(app)).body.data.access_token;
    await seedTokenCallsToday(app.appId, TOKEN_CALL_DAILY_BUDGET.classic - BUDGET_RESERVED_FOR_SCHEDULE);
    await ageAccessToken(app.appId, { secondsLeft: 3600, due: false });

    const answers = await Promise.all(Array.from({ length: 20 }, () => reportToken(app, token)));

    // The held token is still valid, so it keeps being served; WeChat is not asked.
    expect(answers.every((a) => a.status === 200 && a.body.data.access_token === token)).toBe(true);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("an empty keeper whose budget is used up answers 429 without calling WeChat", async () => {
    const app = await registerApp("budget-empty", "wxbudgetempty01");
    await seedTokenCallsToday(app.appId, TOKEN_CALL_DAILY_BUDGET.stable);

    const answer = await getToken(app);

    expect(answer.status).toBe(429);
    expect(answer.body.error).toMatch(/budget/);
    expect(Number(answer.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await upstreamTokenCalls(app.appId)).toBe(0);
  });
});

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BUDGET_RESERVED_FOR_SCHEDULE, TOKEN_CALL_DAILY_BUDGET } from "../../src/tokens/policy.ts";
import { getToken, registerApp, reportToken, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken, keeper, seedTokenCallsToday } from "../support/keeper.ts";
import { errcodeWith } from "../support/simulator.ts";

// SPEC §5, quota care under abuse: reports can never spend the calls kept for the scheduled
// refresh, and a used-up report allowance is not a failure that would hold the schedule back.

describe("the report allowance and the schedule", () => {
  it("reports never spend the reserve, and the scheduled refresh still runs", async () => {
    const app = await registerApp("report-allowance", "wxreportallow01", { tokenMode: "classic" });
    const token = (await getToken(app)).body.data.access_token;
    await ageAccessToken(app.appId, { secondsLeft: 3600, due: false });
    await seedTokenCallsToday(app.appId, TOKEN_CALL_DAILY_BUDGET.classic - BUDGET_RESERVED_FOR_SCHEDULE);
    const callsBefore = await upstreamTokenCalls(app.appId);

    const reports = await Promise.all(Array.from({ length: 20 }, () => reportToken(app, token)));

    expect(reports.every((r) => r.status === 200 && r.body.data.access_token === token)).toBe(true);
    expect(await upstreamTokenCalls(app.appId)).toBe(callsBefore);
    const status = await keeper(app.appId).status();
    expect(status.configured && status.accessToken.lastError).toBeNull();

    // The token comes due: the alarm renews it from the reserve.
    await ageAccessToken(app.appId, { secondsLeft: 200 });
    await runDurableObjectAlarm(keeper(app.appId));

    const renewed = (await getToken(app)).body.data;
    expect(renewed.access_token).not.toBe(token);
    expect(renewed.expires_in).toBeGreaterThan(7000);
    expect(await errcodeWith(renewed.access_token)).toBe(0);
    expect(await upstreamTokenCalls(app.appId)).toBe(callsBefore + 1);
  });
});

import { runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getToken, registerApp, reportToken, upstreamTokenCalls } from "../support/gateway.ts";
import { ageAccessToken, keeper } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

// SPEC §5: during a failure backoff every path respects it (reports, empty-token reads, alarm,
// cron) except the admin's forced refresh; meanwhile the still-valid token keeps being served.

describe("reports during a failure backoff", () => {
  it("reports of the current token reach WeChat only after the backoff", async () => {
    const app = await registerApp("report-backoff", "wxreportbackof1", { tokenMode: "classic" });
    const token = (await getToken(app)).body.data.access_token;
    await sim.startOutage(app.appId, { kind: "http500", paths: ["/cgi-bin/token"] });
    await ageAccessToken(app.appId, { secondsLeft: 3600 });
    await runDurableObjectAlarm(keeper(app.appId));
    const status = await keeper(app.appId).status();
    if (!status.configured) throw new Error("not configured");
    expect(status.accessToken.failuresInRow).toBe(1);
    const callsAfterFailure = await upstreamTokenCalls(app.appId);

    const reports = await Promise.all(Array.from({ length: 30 }, () => reportToken(app, token)));

    expect(reports.every((r) => r.status === 200 && r.body.data.access_token === token)).toBe(true);
    expect(await upstreamTokenCalls(app.appId)).toBe(callsAfterFailure);
    await sim.endOutage(app.appId);
  }, 30_000);
});

// SPEC §5 quota care, for an authorizer: a flood of reports that the current token is invalid
// (callers that saw WeChat's 40001) becomes one api_authorizer_token call, and the platform's
// own token is not refreshed for it.

import { describe, expect, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import { getToken, reportToken } from "../support/gateway.ts";
import { ageAccessToken } from "../support/keeper.ts";
import { sim } from "../support/simulator.ts";

const REPORTS = 60;

describe("one authorizer's 40001 storm", () => {
  it("is one refresh, and every caller gets the new token", async () => {
    const { platform, app } = await boundAuthorizer(
      "storm-platform",
      "wxcompstorm00001",
      "storm-app",
      "wxauthstorm000001",
    );
    const first = (await getToken(app)).body.data!.access_token;
    // Old enough that a report is believed (SPEC §5: ≤ 30 s minimum age), and not yet due.
    await ageAccessToken(app.appId, { secondsLeft: 5000, due: false });
    await sim.invalidate(app.appId, "authorizer");
    const before = await sim.component(platform.componentAppId);
    const answers = await Promise.all(Array.from({ length: REPORTS }, () => reportToken(app, first)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const tokens = new Set(answers.map((a) => a.body.data?.access_token));
    expect(tokens.size).toBe(1);
    expect(tokens.has(first)).toBe(false);
    const after = await sim.component(platform.componentAppId);
    expect(after.calls.authorizerToken - before.calls.authorizerToken).toBe(1);
    expect(after.calls.componentToken).toBe(before.calls.componentToken);
  });
});

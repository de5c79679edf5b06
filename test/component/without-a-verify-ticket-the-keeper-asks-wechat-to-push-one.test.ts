// There is no API to fetch a verify ticket: without a valid one the platform's keeper asks WeChat
// to push one (api_start_push_ticket), at most once per 10 minutes, says so in the status, and
// fetches the token as soon as a ticket arrives.

import { describe, expect, it } from "vitest";
import { componentStatus, componentToken, pushTicket, registerPlatform } from "../support/component.ts";
import { sim } from "../support/simulator.ts";

describe("a platform without a verify ticket", () => {
  it("asks WeChat to push one, once, and serves the token when it arrives", async () => {
    const platform = await registerPlatform("noticket-asks", "wxcompnoticket01");
    // Registering found no ticket and asked for one.
    expect((await sim.component(platform.componentAppId)).calls.startPushTicket).toBe(1);
    const status = (await componentStatus(platform.componentKey)).body.data;
    expect(status.verify_ticket).toMatchObject({ held: false, valid: false });
    expect(status.push_request).toMatchObject({ error: null });

    // A token read cannot be served; it sends no token call and asks no second time within 10 minutes.
    const refused = await componentToken(platform);
    expect(refused.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(refused.body)).toContain("component_verify_ticket");
    const view = await sim.component(platform.componentAppId);
    expect(view.calls.startPushTicket).toBe(1);
    expect(view.calls.componentToken).toBe(0);

    // The ticket arrives: the keeper fetches at once, without waiting out its backoff.
    await pushTicket(platform);
    const served = await componentToken(platform);
    expect(served.status).toBe(200);
    expect((await sim.component(platform.componentAppId)).calls.componentToken).toBe(1);
    expect((await componentStatus(platform.componentKey)).body.data.verify_ticket).toMatchObject({
      held: true,
      valid: true,
    });
  });
});

// Verify tickets: the newest by WeChat's CreateTime wins. WeChat repeats pushes it got no answer
// to, and anyone who saw a push can replay it: neither may put an older ticket back.

import { describe, expect, it } from "vitest";
import { componentStatus, deliver, pushTicket, registerPlatform } from "../support/component.ts";
import { COMPONENT_AES_KEY, COMPONENT_TOKEN, sim } from "../support/simulator.ts";

const heldCreateTime = async (componentKey: string) =>
  (await componentStatus(componentKey)).body.data.verify_ticket.create_time;

describe("verify tickets", () => {
  it("keep the newest: a replayed push and a push made earlier but delivered late change nothing", async () => {
    const platform = await registerPlatform("tickets-newest", "wxcompnewest0001");
    const first = await pushTicket(platform);
    const firstHeld = await heldCreateTime(platform.componentKey);
    // WeChat's clock moves on (it pushes every 10 minutes); the next push is newer.
    await sim.advance(platform.componentAppId, 60);
    const second = await pushTicket(platform);
    expect(second.answer.status).toBe(200);
    const secondHeld = await heldCreateTime(platform.componentKey);
    expect(secondHeld).not.toBe(firstHeld);

    // The first push again (WeChat's retry, or a replay): answered success, ticket unchanged.
    expect(await deliver(platform.componentKey, first.push)).toEqual({ status: 200, text: "success" });
    expect(await heldCreateTime(platform.componentKey)).toBe(secondHeld);
    // The second push again, same CreateTime: unchanged too.
    expect((await deliver(platform.componentKey, second.push)).status).toBe(200);
    expect(await heldCreateTime(platform.componentKey)).toBe(secondHeld);

    // A correctly signed push with an older CreateTime and another ticket is not taken either.
    const older = Math.floor(Date.now() / 1000) - 3600;
    const stale = await sim.sealMessage({
      token: COMPONENT_TOKEN,
      encodingAESKey: COMPONENT_AES_KEY,
      appid: platform.componentAppId,
      xml: `<xml><AppId>${platform.componentAppId}</AppId><CreateTime>${older}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@stale</ComponentVerifyTicket></xml>`,
    });
    expect((await deliver(platform.componentKey, stale)).status).toBe(200);
    expect(await heldCreateTime(platform.componentKey)).toBe(secondHeld);
  });

  it("refuses a ticket whose CreateTime is far ahead of the clock, which would otherwise block every later one", async () => {
    const platform = await registerPlatform("tickets-future", "wxcompfuture0001");
    await pushTicket(platform);
    const held = await heldCreateTime(platform.componentKey);
    const tomorrow = Math.floor(Date.now() / 1000) + 86_400;
    const future = await sim.sealMessage({
      token: COMPONENT_TOKEN,
      encodingAESKey: COMPONENT_AES_KEY,
      appid: platform.componentAppId,
      xml: `<xml><AppId>${platform.componentAppId}</AppId><CreateTime>${tomorrow}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@future</ComponentVerifyTicket></xml>`,
    });
    expect((await deliver(platform.componentKey, future)).status).toBe(200);
    expect(await heldCreateTime(platform.componentKey)).toBe(held);
  });
});

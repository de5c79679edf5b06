// The 授权事件接收URL: a push whose signature does not match is refused with 401 and changes
// nothing; a body that is not a readable push is a 400, never a 500; a good push is answered with
// the plain text `success`.

import { describe, expect, it } from "vitest";
import { componentStatus, deliver, pushTicket, registerPlatform } from "../support/component.ts";
import { COMPONENT_AES_KEY, COMPONENT_TOKEN, sim } from "../support/simulator.ts";

describe("POST /component/{componentKey}/events", () => {
  it("refuses a push with a wrong signature with 401 and keeps no ticket from it", async () => {
    const platform = await registerPlatform("events-badsig", "wxcompbadsig0001");
    const pushed = await sim.pushVerifyTicket(platform.componentAppId);
    const forged = { ...pushed.query, msg_signature: "0".repeat(40) };
    expect(await deliver(platform.componentKey, { query: forged, body: pushed.body })).toMatchObject({
      status: 401,
    });
    // Signed with another Token: the same 401.
    const otherToken = await sim.sealMessage({
      token: "someoneelsestoken",
      encodingAESKey: COMPONENT_AES_KEY,
      appid: platform.componentAppId,
      xml: `<xml><AppId>${platform.componentAppId}</AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>ticket@@@forged</ComponentVerifyTicket></xml>`,
    });
    expect(await deliver(platform.componentKey, otherToken)).toMatchObject({ status: 401 });
    // No query at all: 401 too.
    expect(await deliver(platform.componentKey, { query: {} as never, body: pushed.body })).toMatchObject({
      status: 401,
    });
    const status = await componentStatus(platform.componentKey);
    expect(status.body.data.verify_ticket).toMatchObject({ held: false, valid: false });
  });

  it("answers 400 to a body it cannot read, decrypt or attribute, whatever it holds", async () => {
    const platform = await registerPlatform("events-garbage", "wxcompgarbage001");
    const pushed = await sim.pushVerifyTicket(platform.componentAppId);
    for (const body of [
      "",
      "not xml",
      "<xml><AppId>x</AppId></xml>",
      "<xml><Encrypt></Encrypt></xml>",
      "\u0000\u0001<xml",
    ]) {
      expect(
        (await deliver(platform.componentKey, { query: pushed.query, body })).status,
        JSON.stringify(body),
      ).toBe(400);
    }
    const xml = `<xml><AppId>${platform.componentAppId}</AppId><CreateTime>1</CreateTime><InfoType>component_verify_ticket</InfoType><ComponentVerifyTicket>t</ComponentVerifyTicket></xml>`;
    // Correctly signed, but encrypted with another EncodingAESKey, or for another appid, or not XML inside.
    const cases = [
      { token: COMPONENT_TOKEN, encodingAESKey: "B".repeat(43), appid: platform.componentAppId, xml },
      { token: COMPONENT_TOKEN, encodingAESKey: COMPONENT_AES_KEY, appid: "wxsomeotherplatf", xml },
      {
        token: COMPONENT_TOKEN,
        encodingAESKey: COMPONENT_AES_KEY,
        appid: platform.componentAppId,
        xml: "plain words",
      },
    ];
    for (const sealed of cases) {
      expect((await deliver(platform.componentKey, await sim.sealMessage(sealed))).status).toBe(400);
    }
    const status = await componentStatus(platform.componentKey);
    expect(status.body.data.verify_ticket.held).toBe(false);
  });

  it("answers `success` as plain text to a good push and keeps its ticket", async () => {
    const platform = await registerPlatform("events-success", "wxcompsuccess001");
    const { answer } = await pushTicket(platform);
    expect(answer).toEqual({ status: 200, text: "success" });
    const status = await componentStatus(platform.componentKey);
    expect(status.body.data.verify_ticket).toMatchObject({ held: true, valid: true });
  });

  it("answers 404 for a componentKey that names no platform", async () => {
    const pushed = await sim.sealMessage({
      token: COMPONENT_TOKEN,
      encodingAESKey: COMPONENT_AES_KEY,
      appid: "wxcompnowhere001",
      xml: "<xml/>",
    });
    expect((await deliver("no-such-platform", pushed)).status).toBe(404);
  });
});

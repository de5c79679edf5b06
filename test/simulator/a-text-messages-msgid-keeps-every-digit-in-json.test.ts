import { describe, expect, it } from "vitest";
import { sim } from "../support/simulator.ts";

const TOKEN = "simpushtoken";
const AES_KEY = "SimAppPushEncodingAESKey0123456789abcdefghi";

/** The largest 64-bit MsgId: far past 2^53, where a JS number starts dropping digits. */
const MAX_MSG_ID = "18446744073709551615";

async function jsonApp(appid: string, mode: "plaintext" | "safe" = "plaintext") {
  await sim.registerApp(appid);
  await sim.setPush(appid, { token: TOKEN, encodingAESKey: AES_KEY, mode, format: "json" });
}

describe("a text message's MsgId keeps every digit in JSON", () => {
  it("the JSON body carries the MsgId as a number with all its digits, which JSON.parse rounds", async () => {
    const appid = "wxsimpushmsgid0001";
    await jsonApp(appid);
    const push = await sim.pushMessage(appid, { type: "text", content: "hi", msgId: MAX_MSG_ID });
    expect(push.msgId).toBe(MAX_MSG_ID);
    expect(push.message.MsgId).toBe(MAX_MSG_ID);
    expect(push.body).toContain(`"MsgId":${MAX_MSG_ID}}`);
    expect(String(JSON.parse(push.body).MsgId)).not.toBe(MAX_MSG_ID);
    const { pushes } = await sim.pushes(appid);
    expect(pushes.at(-1)).toMatchObject({ kind: "message", msgType: "text", msgId: MAX_MSG_ID });
  });

  it("a MsgId the simulator draws is a 64-bit integer above 2^53, written out whole", async () => {
    const appid = "wxsimpushmsgid0002";
    await jsonApp(appid);
    const push = await sim.pushMessage(appid, { type: "text", content: "hi" });
    const msgId = push.msgId ?? "";
    expect(msgId).toMatch(/^\d{19}$/);
    expect(BigInt(msgId) > 2n ** 53n).toBe(true);
    expect(BigInt(msgId) < 2n ** 64n).toBe(true);
    expect(push.body).toMatch(new RegExp(`"MsgId":${msgId}}$`));
  });

  it("in safe mode the decrypted JSON keeps the digits too", async () => {
    const appid = "wxsimpushmsgid0003";
    await jsonApp(appid, "safe");
    const push = await sim.pushMessage(appid, { type: "text", content: "safe", msgId: MAX_MSG_ID });
    const { xml } = await sim.openMessage({
      encodingAESKey: AES_KEY,
      encrypt: JSON.parse(push.body).Encrypt,
    });
    expect(xml).toBe(push.plaintext);
    expect(xml).toContain(`"MsgId":${MAX_MSG_ID}`);
  });

  it("XML writes the MsgId bare, and images have one too", async () => {
    const appid = "wxsimpushmsgid0004";
    await sim.registerApp(appid);
    await sim.setPush(appid, { token: TOKEN });
    const push = await sim.pushMessage(appid, { type: "image", msgId: MAX_MSG_ID });
    expect(push.body).toContain(`<MsgId>${MAX_MSG_ID}</MsgId></xml>`);
  });

  it("events have no MsgId; two distinct events may share FromUserName and CreateTime", async () => {
    const appid = "wxsimpushmsgid0005";
    await jsonApp(appid);
    const shared = { fromUser: "oSimPushMsgIdUser0005", createTime: 1_700_000_000 };
    const location = await sim.pushMessage(appid, {
      type: "event",
      event: "LOCATION",
      latitude: 31.2304,
      longitude: 121.4737,
      ...shared,
    });
    const unsubscribe = await sim.pushMessage(appid, { type: "event", event: "unsubscribe", ...shared });
    for (const push of [location, unsubscribe]) {
      expect(push.msgId).toBeUndefined();
      expect(push.body).not.toContain('"MsgId"');
    }
    expect(JSON.parse(location.body)).toEqual({
      ToUserName: expect.stringMatching(/^gh_/),
      FromUserName: shared.fromUser,
      CreateTime: shared.createTime,
      MsgType: "event",
      Event: "LOCATION",
      Latitude: 31.2304,
      Longitude: 121.4737,
      Precision: expect.any(Number),
    });
    expect(JSON.parse(unsubscribe.body)).toMatchObject({
      ...{ CreateTime: shared.createTime },
      Event: "unsubscribe",
    });
    expect(location.body).not.toBe(unsubscribe.body);
    // The user WeChat pushed for now exists and, after unsubscribing, no longer follows the account.
    expect((await sim.user(appid, shared.fromUser)).subscribe).toBe(0);
  });

  it("a MsgId that is not a 64-bit unsigned integer is refused", async () => {
    const appid = "wxsimpushmsgid0006";
    await jsonApp(appid);
    for (const msgId of ["18446744073709551616", "-1", "12a", 1.5]) {
      const { status } = await sim.raw("POST", `/apps/${appid}/push/message`, { type: "text", msgId });
      expect(status).toBe(400);
    }
  });
});

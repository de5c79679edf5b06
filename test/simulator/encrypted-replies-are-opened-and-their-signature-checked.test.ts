import { describe, expect, it } from "vitest";
import { sim, slowServerUrl } from "../support/simulator.ts";

const TOKEN = "simpushtoken";
const AES_KEY = "SimAppPushEncodingAESKey0123456789abcdefghi";

/** A passive reply sealed as the receiver would send it in safe mode (WXBizMsgCrypt's EncryptMsg). */
async function sealedReply(appid: string, reply: string, format: "xml" | "json", signature?: string) {
  const sealed = await sim.sealMessage({
    token: TOKEN,
    encodingAESKey: AES_KEY,
    appid,
    xml: reply,
    timestamp: "1700000000",
    nonce: "12345",
  });
  const msgSignature = signature ?? sealed.query.msg_signature;
  if (format === "json") {
    return JSON.stringify({
      Encrypt: sealed.encrypt,
      MsgSignature: msgSignature,
      TimeStamp: 1700000000,
      Nonce: "12345",
    });
  }
  return (
    `<xml><Encrypt><![CDATA[${sealed.encrypt}]]></Encrypt><MsgSignature><![CDATA[${msgSignature}]]></MsgSignature>` +
    "<TimeStamp>1700000000</TimeStamp><Nonce><![CDATA[12345]]></Nonce></xml>"
  );
}

async function safeApp(appid: string, format: "xml" | "json", answer: string): Promise<void> {
  await sim.registerApp(appid);
  await sim.setPush(appid, {
    token: TOKEN,
    encodingAESKey: AES_KEY,
    mode: "safe",
    format,
    url: slowServerUrl(0, { answer }),
  });
}

const REPLY =
  "<xml><ToUserName><![CDATA[oUser]]></ToUserName><FromUserName><![CDATA[gh_x]]></FromUserName>" +
  "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[收到: hi]]></Content></xml>";

describe("encrypted replies are opened and their signature checked", () => {
  it("an encrypted XML reply is decrypted, its MsgSignature valid and its appid the app's", async () => {
    const appid = "wxsimpushreply0001";
    await safeApp(appid, "xml", await sealedReply(appid, REPLY, "xml"));
    const push = await sim.pushMessage(appid, { type: "text", content: "hi" });
    expect(push.delivered).toMatchObject({
      answer: REPLY,
      replyEncrypted: true,
      replySignatureValid: true,
      replyAppid: appid,
    });
  });

  it("an encrypted JSON reply too", async () => {
    const appid = "wxsimpushreply0002";
    const reply = JSON.stringify({ ToUserName: "oUser", MsgType: "text", Content: "收到: hi" });
    await safeApp(appid, "json", await sealedReply(appid, reply, "json"));
    const push = await sim.pushMessage(appid, { type: "text", content: "hi" });
    expect(push.delivered).toMatchObject({ answer: reply, replyEncrypted: true, replySignatureValid: true });
  });

  it("a reply signed wrongly is reported as such", async () => {
    const appid = "wxsimpushreply0003";
    await safeApp(appid, "xml", await sealedReply(appid, REPLY, "xml", "f".repeat(40)));
    const push = await sim.pushMessage(appid, { type: "text", content: "hi" });
    expect(push.delivered).toMatchObject({ answer: REPLY, replyEncrypted: true, replySignatureValid: false });
  });

  it("a plain reply or success is taken as is", async () => {
    const appid = "wxsimpushreply0004";
    await safeApp(appid, "xml", REPLY);
    const push = await sim.pushMessage(appid, { type: "text", content: "hi" });
    expect(push.delivered).toMatchObject({ answer: REPLY, replyEncrypted: false });
    expect(push.delivered).not.toHaveProperty("replySignatureValid");
  });
});

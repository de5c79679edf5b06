import { describe, expect, it } from "vitest";
import { type AppPushAnswer, sim } from "../support/simulator.ts";

// The signatures are checked here with Web Crypto, independently of the simulator's Node crypto;
// the Encrypt text is opened with the simulator's msg-crypt control call (tested against WeChat's
// sample vectors and Web Crypto elsewhere).

const TOKEN = "simpushtoken";
const AES_KEY = "SimAppPushEncodingAESKey0123456789abcdefghi";

async function sha1Hex(...parts: string[]): Promise<string> {
  const text = [...parts].sort().join("");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function appWithPush(appid: string, settings: Parameters<typeof sim.setPush>[1]) {
  await sim.registerApp(appid);
  return sim.setPush(appid, { token: TOKEN, encodingAESKey: AES_KEY, ...settings });
}

async function expectSigned(push: AppPushAnswer): Promise<void> {
  const { signature, timestamp, nonce } = push.query;
  expect(timestamp).toMatch(/^\d{10}$/);
  expect(nonce).toMatch(/^\d{1,10}$/);
  expect(signature).toBe(await sha1Hex(TOKEN, timestamp ?? "", nonce ?? ""));
}

function encryptIn(push: AppPushAnswer): string {
  const fromXml = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(push.body)?.[1];
  const encrypt = push.contentType === "application/json" ? JSON.parse(push.body).Encrypt : fromXml;
  if (typeof encrypt !== "string" || encrypt === "") throw new Error(`no Encrypt in ${push.body}`);
  return encrypt;
}

/** Opens the Encrypt text and checks msg_signature (with Web Crypto, and again in the simulator). */
async function opened(push: AppPushAnswer) {
  const encrypt = encryptIn(push);
  const { timestamp = "", nonce = "", msg_signature = "" } = push.query;
  expect(push.query.encrypt_type).toBe("aes");
  expect(msg_signature).toBe(await sha1Hex(TOKEN, timestamp, nonce, encrypt));
  const message = await sim.openMessage({
    encodingAESKey: AES_KEY,
    encrypt,
    token: TOKEN,
    timestamp,
    nonce,
    msg_signature,
  });
  expect(message.signatureValid).toBe(true);
  return message;
}

describe("pushes are signed as WeChat signs them in each mode", () => {
  it("plaintext: signature = sha1(sort(token, timestamp, nonce)) over the plain XML, the sender's openid in the query", async () => {
    const appid = "wxsimpushsign0001";
    const settings = await appWithPush(appid, { mode: "plaintext", format: "xml" });
    const push = await sim.pushMessage(appid, {
      type: "text",
      content: "你好 ]]> <b>",
      fromUser: "oSimPushSignUser0001",
    });
    await expectSigned(push);
    expect(Object.keys(push.query).sort()).toEqual(["nonce", "openid", "signature", "timestamp"]);
    expect(push.query.openid).toBe("oSimPushSignUser0001");
    expect(push.contentType).toBe("text/xml");
    expect(push.body).toBe(push.plaintext);
    expect(push.body).toBe(
      `<xml><ToUserName><![CDATA[${settings.originalId}]]></ToUserName>` +
        "<FromUserName><![CDATA[oSimPushSignUser0001]]></FromUserName>" +
        `<CreateTime>${push.createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
        "<Content><![CDATA[你好 ]]]]><![CDATA[> <b>]]></Content>" +
        `<MsgId>${push.msgId}</MsgId></xml>`,
    );
    expect(settings.originalId).toMatch(/^gh_[0-9a-f]{12}$/);
    expect(push.delivered).toBeNull();
  });

  it("a mini program's pushes carry no openid in the query", async () => {
    const appid = "wxsimpushsign0002";
    await appWithPush(appid, { mode: "plaintext", format: "json", openidInQuery: false });
    const push = await sim.pushMessage(appid, { type: "event", event: "subscribe" });
    await expectSigned(push);
    expect(Object.keys(push.query).sort()).toEqual(["nonce", "signature", "timestamp"]);
    expect(push.contentType).toBe("application/json");
    expect(JSON.parse(push.body)).toEqual(push.message);
  });

  it("compatible: the plain fields and Encrypt side by side, signature and msg_signature both", async () => {
    const appid = "wxsimpushsign0003";
    await appWithPush(appid, { mode: "compatible", format: "json" });
    const push = await sim.pushMessage(appid, { type: "text", content: "compatible" });
    await expectSigned(push);
    const { Encrypt, ...plain } = JSON.parse(push.body);
    expect(plain).toEqual(JSON.parse(push.plaintext));
    expect(typeof Encrypt).toBe("string");
    const message = await opened(push);
    expect(message).toMatchObject({ xml: push.plaintext, appid });
  });

  it("safe XML: only ToUserName and Encrypt in the body, encrypted for the app's own appid", async () => {
    const appid = "wxsimpushsign0004";
    const settings = await appWithPush(appid, {
      mode: "safe",
      format: "xml",
      originalId: "gh_simpushsign04",
    });
    const push = await sim.pushMessage(appid, { type: "event", event: "CLICK", eventKey: "MENU_1" });
    await expectSigned(push);
    const encrypt = encryptIn(push);
    expect(push.body).toBe(
      `<xml><ToUserName><![CDATA[gh_simpushsign04]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    );
    expect(settings.originalId).toBe("gh_simpushsign04");
    const message = await opened(push);
    expect(message.appid).toBe(appid);
    expect(message.xml).toBe(push.plaintext);
    expect(message.xml).toContain("<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[MENU_1]]></EventKey>");
  });

  it("safe JSON: {ToUserName, Encrypt}, the decrypted text the JSON message", async () => {
    const appid = "wxsimpushsign0005";
    const settings = await appWithPush(appid, { mode: "safe", format: "json" });
    const push = await sim.pushMessage(appid, { type: "image" });
    await expectSigned(push);
    expect(Object.keys(JSON.parse(push.body))).toEqual(["ToUserName", "Encrypt"]);
    expect(JSON.parse(push.body).ToUserName).toBe(settings.originalId);
    const message = await opened(push);
    expect(JSON.parse(message.xml)).toMatchObject({
      ToUserName: settings.originalId,
      MsgType: "image",
      PicUrl: expect.stringMatching(/^http/),
      MediaId: expect.any(String),
    });
  });

  it("compatible and safe mode need an EncodingAESKey; a first setting needs a token", async () => {
    const appid = "wxsimpushsign0006";
    await sim.registerApp(appid);
    expect((await sim.raw("PUT", `/apps/${appid}/push`, { mode: "plaintext" })).status).toBe(400);
    expect((await sim.raw("PUT", `/apps/${appid}/push`, { token: TOKEN, mode: "safe" })).status).toBe(400);
    expect(
      (await sim.raw("PUT", `/apps/${appid}/push`, { token: TOKEN, mode: "safe", encodingAESKey: "short" }))
        .status,
    ).toBe(400);
    expect((await sim.raw("POST", "/apps/wxsimpushsign0007/push/message", { type: "text" })).status).toBe(
      404,
    );
  });
});

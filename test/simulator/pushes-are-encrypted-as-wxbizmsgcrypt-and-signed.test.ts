import { describe, expect, it } from "vitest";
import {
  COMPONENT_AES_KEY,
  COMPONENT_TOKEN,
  encryptOf,
  type PushEnvelope,
  sim,
} from "../support/simulator.ts";

// Checked here with Web Crypto, independently of the simulator's Node implementation.

async function sha1Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/**
 * AES-256-CBC with WeChat's 32-byte padding. Web Crypto insists on 16-byte PKCS#7, so one more
 * block is appended that decrypts to a full block of 16s, which Web Crypto strips; WeChat's own
 * padding is then checked and removed here.
 */
async function open(
  encrypt: string,
  encodingAESKey: string,
): Promise<{ xml: string; appid: string; pad: number }> {
  const keyBytes = base64Bytes(`${encodingAESKey}=`);
  const iv = keyBytes.slice(0, 16);
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-CBC", false, ["encrypt", "decrypt"]);
  const cipher = base64Bytes(encrypt);
  expect(cipher.length % 32).toBe(0);
  const last = cipher.slice(-16);
  const filler = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv: last }, key, new Uint8Array(16).fill(16)),
  );
  const extended = new Uint8Array(cipher.length + 16);
  extended.set(cipher);
  extended.set(filler.slice(0, 16), cipher.length);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-CBC", iv }, key, extended));
  const pad = padded[padded.length - 1] ?? 0;
  expect(pad).toBeGreaterThanOrEqual(1);
  expect(pad).toBeLessThanOrEqual(32);
  expect(padded.slice(padded.length - pad).every((b) => b === pad)).toBe(true);
  const plain = padded.slice(0, padded.length - pad);
  const length = new DataView(plain.buffer).getUint32(16);
  const decoder = new TextDecoder();
  return {
    xml: decoder.decode(plain.slice(20, 20 + length)),
    appid: decoder.decode(plain.slice(20 + length)),
    pad,
  };
}

async function expectSigned(push: PushEnvelope): Promise<void> {
  const { timestamp, nonce, msg_signature } = push.query;
  expect(push.query.encrypt_type).toBe("aes");
  expect(timestamp).toMatch(/^\d{10}$/);
  expect(nonce).toMatch(/^\d{1,10}$/);
  const parts = [COMPONENT_TOKEN, timestamp, nonce, encryptOf(push)].sort();
  expect(msg_signature).toBe(await sha1Hex(parts.join("")));
}

/** The text of one field of an event, CDATA or bare. */
function field(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[(.*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match ? (match[1] ?? match[2]) : undefined;
}

describe("pushes are encrypted as WXBizMsgCrypt and signed", () => {
  it("a verify ticket push: <AppId> and <Encrypt> in the body, the ticket inside, the component appid trailing", async () => {
    const component = "wxsimpushcrypt01";
    await sim.registerComponent(component);
    const push = await sim.pushVerifyTicket(component);
    expect(push.body).toMatch(
      new RegExp(
        `^<xml><AppId><!\\[CDATA\\[${component}\\]\\]></AppId><Encrypt><!\\[CDATA\\[[A-Za-z0-9+/=]+\\]\\]></Encrypt></xml>$`,
      ),
    );
    await expectSigned(push);
    expect(push.query.timestamp).toBe(String(push.createTime));
    const { xml, appid } = await open(encryptOf(push), COMPONENT_AES_KEY);
    expect(appid).toBe(component);
    expect(xml).toBe(
      `<xml><AppId><![CDATA[${component}]]></AppId><CreateTime>${push.createTime}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${push.ticket}]]></ComponentVerifyTicket></xml>`,
    );
    expect(push.delivered).toBeNull();
  });

  it("authorized, updateauthorized and unauthorized events carry the authorizer and the code", async () => {
    const component = "wxsimpushcrypt02";
    const authorizer = "wxsimpushcryptapp2";
    await sim.registerComponent(component);
    const granted = await sim.authorizeApp(component, { authorizerAppid: authorizer });
    await expectSigned(granted.push);
    const authorized = await open(encryptOf(granted.push), COMPONENT_AES_KEY);
    expect(authorized.appid).toBe(component);
    expect(field(authorized.xml, "AppId")).toBe(component);
    expect(field(authorized.xml, "InfoType")).toBe("authorized");
    expect(field(authorized.xml, "AuthorizerAppid")).toBe(authorizer);
    expect(field(authorized.xml, "AuthorizationCode")).toBe(granted.authCode);
    expect(field(authorized.xml, "AuthorizationCodeExpiredTime")).toBe(
      String(Math.floor(granted.expiresAt / 1000)),
    );
    expect(field(authorized.xml, "PreAuthCode")).toBe(granted.preAuthCode);
    const createTime = Number(field(authorized.xml, "CreateTime"));
    expect(Number(field(authorized.xml, "AuthorizationCodeExpiredTime")) - createTime).toBe(600);

    const updated = await sim.authorizeApp(component, { authorizerAppid: authorizer, update: true });
    expect(field((await open(encryptOf(updated.push), COMPONENT_AES_KEY)).xml, "InfoType")).toBe(
      "updateauthorized",
    );

    const revoked = await sim.revokeApp(component, authorizer);
    await expectSigned(revoked.push);
    const unauthorized = (await open(encryptOf(revoked.push), COMPONENT_AES_KEY)).xml;
    expect(field(unauthorized, "InfoType")).toBe("unauthorized");
    expect(field(unauthorized, "AuthorizerAppid")).toBe(authorizer);

    const pushes = (await sim.component(component)).pushes;
    expect(pushes.map((p) => [p.infoType, p.authorizerAppid])).toEqual([
      ["authorized", authorizer],
      ["updateauthorized", authorizer],
      ["unauthorized", authorizer],
    ]);
    expect(pushes[0]?.envelope).toEqual(granted.push);
  });

  it("pushes cover many padding lengths: each decrypts with Web Crypto", async () => {
    const component = "wxsimpushcrypt03";
    await sim.registerComponent(component);
    const pads = new Set<number>();
    // 32 consecutive appid lengths take the plaintext through every padding length, 1 to 32.
    for (let extra = 0; extra < 32; extra++) {
      const authorizer = `wxpad${"x".repeat(extra + 3)}`;
      const { push } = await sim.authorizeApp(component, { authorizerAppid: authorizer });
      const opened = await open(encryptOf(push), COMPONENT_AES_KEY);
      expect(field(opened.xml, "AuthorizerAppid")).toBe(authorizer);
      pads.add(opened.pad);
    }
    expect(pads.size).toBe(32);
  });
});

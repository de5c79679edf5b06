// WeChat's server URL: the URL check answers echostr only for a signature over the Token, and a
// push whose signature (or, in safe mode, msg_signature) does not match is a 401 that queues and
// stores nothing. A body that is not a readable push is a 400, never a 500.

import { describe, expect, it } from "vitest";
import { call } from "../support/gateway.ts";
import { deliveries, deliverPush, receivedBy, registerPushApp, wechatPush } from "../support/pushes.ts";

async function sha1Hex(...parts: string[]): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode([...parts].sort().join("")));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const now = () => String(Math.floor(Date.now() / 1000));

describe("signatures come first", () => {
  it("answers the URL check's echostr only when the signature is over the Token", async () => {
    await registerPushApp("push-sig-get", "wxpushsigget0001", { targets: ["push-sig-get"] });
    const timestamp = now();
    const good = await sha1Hex("pushtesttoken", timestamp, "42");
    const answer = await call(
      "GET",
      `/push/push-sig-get?signature=${good}&timestamp=${timestamp}&nonce=42&echostr=hello123`,
    );
    expect(answer).toMatchObject({ status: 200, body: "hello123" });
    expect(answer.headers.get("Content-Type")).toMatch(/^text\/plain/);
    const forged = await sha1Hex("someothertoken", timestamp, "42");
    for (const query of [
      `signature=${forged}&timestamp=${timestamp}&nonce=42&echostr=x`,
      `timestamp=${timestamp}&nonce=42&echostr=x`,
      "echostr=x",
      // Right signature, but a timestamp an hour old: a captured check replayed.
      `signature=${await sha1Hex("pushtesttoken", String(Number(timestamp) - 3600), "42")}&timestamp=${Number(timestamp) - 3600}&nonce=42&echostr=x`,
    ]) {
      expect((await call("GET", `/push/push-sig-get?${query}`)).status, query).toBe(401);
    }
    expect(
      (
        await call(
          "GET",
          `/push/no-such-push-app?signature=${good}&timestamp=${timestamp}&nonce=42&echostr=x`,
        )
      ).status,
    ).toBe(404);
  });

  it("refuses a plaintext push with a wrong or missing signature with 401 and delivers nothing", async () => {
    const app = await registerPushApp("push-sig-plain", "wxpushsigplain01", { targets: ["push-sig-plain"] });
    const push = await wechatPush(app.appId, { type: "text", content: "hi" });
    const forged = { ...push, query: { ...push.query, signature: "0".repeat(40) } };
    expect((await deliverPush(app.appKey, forged)).status).toBe(401);
    const { signature: _, ...unsigned } = push.query;
    expect((await deliverPush(app.appKey, { ...push, query: unsigned })).status).toBe(401);
    expect((await deliveries(app.appKey)).body.data.deliveries).toEqual([]);
    // The real push is still new: nothing was remembered from the forged ones.
    expect(await deliverPush(app.appKey, push)).toMatchObject({ status: 200, text: "success" });
    expect((await deliveries(app.appKey)).body.data.deliveries).toHaveLength(1);
  });

  it("refuses a safe-mode push whose msg_signature does not cover its Encrypt with 401", async () => {
    const app = await registerPushApp("push-sig-safe", "wxpushsigsafe001", {
      targets: ["push-sig-safe"],
      mode: "safe",
    });
    const push = await wechatPush(app.appId, { type: "event", event: "subscribe" });
    const other = await wechatPush(app.appId, { type: "event", event: "unsubscribe" });
    // The signatures of one push with the body of another: signature (over the query) is right,
    // msg_signature is not over this Encrypt.
    expect((await deliverPush(app.appKey, { ...push, body: other.body })).status).toBe(401);
    const forged = { ...push, query: { ...push.query, msg_signature: "f".repeat(40) } };
    expect((await deliverPush(app.appKey, forged)).status).toBe(401);
    const { msg_signature: _, ...withoutIt } = push.query;
    expect((await deliverPush(app.appKey, { ...push, query: withoutIt })).status).toBe(401);
    expect((await deliveries(app.appKey)).body.data.deliveries).toEqual([]);
    expect(await receivedBy("push-sig-safe")).toEqual([]);
  });

  it("answers 400, never 500, to a signed body it cannot read", async () => {
    const app = await registerPushApp("push-sig-garbage", "wxpushsiggarb001", {
      targets: ["push-sig-garbage"],
    });
    const push = await wechatPush(app.appId, { type: "text", content: "hi" });
    for (const body of ["", "not a push", "<xml><unclosed>", '{"MsgId": ', "[1,2]", "\u0000<xml"]) {
      expect((await deliverPush(app.appKey, { ...push, body })).status, JSON.stringify(body)).toBe(400);
    }
    const safe = await registerPushApp("push-sig-garbage2", "wxpushsiggarb002", {
      targets: ["push-sig-garbage2"],
      mode: "safe",
    });
    const sealed = await wechatPush(safe.appId, { type: "text", content: "hi" });
    const timestamp = sealed.query.timestamp!;
    const nonce = sealed.query.nonce!;
    const encrypt = "QUJD"; // base64, but not whole AES blocks
    const body = `<xml><ToUserName>x</ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
    const query = {
      ...sealed.query,
      msg_signature: await sha1Hex("pushtesttoken", timestamp, nonce, encrypt),
    };
    expect((await deliverPush(safe.appKey, { ...sealed, query, body })).status).toBe(400);
    expect((await deliveries(safe.appKey)).body.data.deliveries).toEqual([]);
  });
});

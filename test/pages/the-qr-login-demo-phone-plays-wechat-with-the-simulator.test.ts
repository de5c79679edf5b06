import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, type Envelope, registerApp } from "../support/gateway.ts";
import { miniProgram, said, setQrAuth } from "../support/qrauth.ts";
import { demo } from "./demo-client.ts";

// The demo's phone panel appears only when the WeChat simulator answers at WECHAT_API_BASE: it hands
// out wx.login codes and reads the user's mailbox; everything else the phone does is the gateway's
// public API (JSCode2Session, Scan, Confirm-*), exactly as a mini program calls it.

type WxLogin = { code: string; openid: string; unionid: string | null };

async function signIn(appKey: string, login: WxLogin) {
  const answer = await call<Envelope<string>>(
    "GET",
    `/Wechat/${appKey}/JSCode2Session?js_code=${login.code}`,
  );
  expect(answer.status, said(answer)).toBe(200);
  return { session: answer.body.data, openid: login.openid, unionid: login.unionid };
}

describe("the QR-login demo's simulated phone", () => {
  it("says the simulator is there, with the codes the app asks for", async () => {
    await registerApp("qr-demo-phone", "wxqrdemophone001");
    const answer = await demo("qr-demo-phone").json("GET", "/phone");
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ simulator: true, requireEmailCode: false, requirePhoneCode: false });
  });

  it("says there is none when WECHAT_API_BASE does not answer like the simulator, and refuses its calls", async () => {
    await registerApp("qr-demo-nosim", "wxqrdemonosim001");
    // A server that is not the simulator (its health path is not there), and WeChat itself (never probed).
    for (const base of [`${env.WECHAT_API_BASE}/not-the-simulator`, "https://api.weixin.qq.com"]) {
      const site = demo("qr-demo-nosim", { WECHAT_API_BASE: base });
      expect((await site.json("GET", "/phone")).body.data, base).toEqual({ simulator: false });
      const login = await site.json("POST", "/phone/wx-login", {});
      expect(login.status, base).toBe(404);
      expect(login.body.error).toBe("no WeChat simulator answers here: use a real phone");
    }
  });

  it("logs the demo user in with wx.login codes that JSCode2Session accepts, the same user every time", async () => {
    const app = await registerApp("qr-demo-wx", "wxqrdemowx000001");
    const site = demo(app.appKey);
    const first = await site.json<WxLogin>("POST", "/phone/wx-login", { user: "demo" });
    expect(first.status).toBe(200);
    const again = await site.json<WxLogin>("POST", "/phone/wx-login", {});
    expect(again.body.data.openid).toBe(first.body.data.openid);
    expect(again.body.data.code).not.toBe(first.body.data.code);
    const fresh = await site.json<WxLogin>("POST", "/phone/wx-login", { user: "new" });
    expect(fresh.body.data.openid).not.toBe(first.body.data.openid);
    expect((await site.json("POST", "/phone/wx-login", { user: "someone" })).status).toBe(400);

    // The whole flow as the page drives it: the demo user registers, then logs in.
    const user = await signIn(app.appKey, again.body.data);
    const unionID = user.unionid ?? user.openid;
    const { signInKey } = await site.start();
    expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
    expect((await miniProgram(app, user).confirmLogin(signInKey)).status).toBe(404);
    const registered = await miniProgram(app, user).confirmRegister(signInKey, {
      unionID,
      nickName: "Demo user",
    });
    expect(registered.status, said(registered)).toBe(200);
    expect((await site.status(signInKey)).body.data.status).toBe("confirmed");

    const second = await site.start();
    const later = await signIn(
      app.appKey,
      (await site.json<WxLogin>("POST", "/phone/wx-login", {})).body.data,
    );
    expect((await miniProgram(app, later).scan(second.signInKey)).status).toBe(200);
    expect((await site.status(second.signInKey)).body.data.scanner).toEqual({
      registered: true,
      nickName: "Demo user",
    });
    expect((await miniProgram(app, later).confirmLogin(second.signInKey)).status).toBe(200);
  });

  it("reads the verification code the simulator's mailbox received, only for apps that ask for one", async () => {
    const app = await registerApp("qr-demo-codes", "wxqrdemocodes001");
    const site = demo(app.appKey);
    const none = await site.json("GET", "/phone/codes?target=demo@example.com");
    expect(none.status).toBe(409);
    expect(none.body.error).toBe("qr-demo-codes asks for no verification codes");

    await setQrAuth(app, { requireEmailCode: true });
    expect((await site.json("GET", "/phone")).body.data).toMatchObject({ requireEmailCode: true });
    const target = "qr-demo-codes@example.com";
    const before = await site.json("GET", `/phone/codes?target=${encodeURIComponent(target)}`);
    expect(before.status).toBe(404);
    expect((await site.json("GET", "/phone/codes")).status).toBe(400);

    const user = await signIn(
      app.appKey,
      (await site.json<WxLogin>("POST", "/phone/wx-login", { user: "new" })).body.data,
    );
    const { signInKey } = await site.start();
    expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
    expect((await miniProgram(app, user).sendCode("email", target)).status).toBe(200);
    const received = await site.json<{ code: string; channel: string; target: string }>(
      "GET",
      `/phone/codes?target=${encodeURIComponent(target)}`,
    );
    expect(received.status, said(received)).toBe(200);
    expect(received.body.data).toMatchObject({
      channel: "email",
      target,
      code: expect.stringMatching(/^\d{6}$/),
    });
    const registered = await miniProgram(app, user).confirmRegister(signInKey, {
      unionID: user.unionid ?? user.openid,
      email: target,
      emailCode: received.body.data.code,
    });
    expect(registered.status, said(registered)).toBe(200);
  });
});

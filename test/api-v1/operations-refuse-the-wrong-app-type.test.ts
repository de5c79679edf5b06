import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// Issue 3 §3: official-account operations on a mini-program app (and the reverse) get a clear 400
// before anything reaches WeChat.

const miniProgramOnly: [string, string, unknown?][] = [
  ["POST", "SubscribeSend", { touser: "o1", template_id: "t", data: { thing1: { value: "x" } } }],
  ["GET", "Decrypt?encryptedData=AAAA&iv=AAAA&sessionKey=AAAA"],
  ["POST", "UrlLinkGenerate", {}],
  ["POST", "GenerateScheme", {}],
  ["POST", "WXACodeGet", { path: "pages/index/index" }],
  ["POST", "WXACodeGetUnlimited", { scene: "a=1" }],
  ["POST", "MsgSecCheck", { content: "hi", version: 2, scene: 2, openid: "o1" }],
];
const officialAccountOnly: [string, string, unknown?][] = [
  ["GET", "UserInfo?openid=o6_bmjrPTlm6_2sgVt7hMZOPfL2M"],
  [
    "POST",
    "SubscribeMSG",
    { touser: "o1", template_id: "t", scene: "1", title: "t", data: { content: { value: "x" } } },
  ],
  ["GET", "JSConfig?url=https%3A%2F%2Fa.example.com%2F"],
];

describe("app type checks", () => {
  it("an official account cannot call mini-program operations", async () => {
    const app = await registerApp("type-oa", "wxtypecheck00001", { type: "officialaccount" });
    for (const [method, path, body] of miniProgramOnly) {
      const answer = await call(method, `/Wechat/${app.appKey}/${path}`, { token: app.apiKey, body });
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toEqual({
        code: 400,
        data: null,
        error: "this operation is for a mini program; type-oa is registered as an official account",
      });
    }
    const mp = await call("GET", `/Wechat/${app.appKey}/JSCode2Session?js_code=abc`);
    expect(mp.status).toBe(400);
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });

  it("a mini program cannot call official-account operations", async () => {
    const app = await registerApp("type-mp", "wxtypecheck00002", { type: "miniprogram" });
    for (const [method, path, body] of officialAccountOnly) {
      const answer = await call(method, `/Wechat/${app.appKey}/${path}`, { token: app.apiKey, body });
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toEqual({
        code: 400,
        data: null,
        error: "this operation is for an official account; type-mp is registered as a mini program",
      });
    }
    const state = await sim.state(app.appId);
    expect(state.calls.business + state.calls.ticket).toBe(0);
  });

  it("the API key is checked before the app type", async () => {
    const app = await registerApp("type-auth", "wxtypecheck00003", { type: "officialaccount" });
    expect((await call("POST", `/Wechat/${app.appKey}/SubscribeSend`, { body: {} })).status).toBe(401);
    expect(
      (await call("POST", `/Wechat/${app.appKey}/SubscribeSend`, { token: "wgk_bad", body: {} })).status,
    ).toBe(401);
  });
});

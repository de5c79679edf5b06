// A wx.login code is single use (src/wechat/credential-calls.ts exchangeLoginCode): only WeChat's "busy",
// which says the code was not looked at, is asked again; an HTTP 5xx or garbage may have used it.
import { describe, expect, it } from "vitest";
import { BUSY_MAX_ATTEMPTS } from "../../src/wechat/business-calls.ts";
import { exchangeLoginCode } from "../../src/wechat/credential-calls.ts";
import { type FaultSpec, SECRET, SIM_BASE, sim } from "../support/simulator.ts";

const LOGIN_PATH = "/sns/jscode2session";

async function exchangeWith(appId: string, fault: FaultSpec) {
  await sim.registerApp(appId);
  const code = await sim.loginCode(appId);
  await sim.queueFault(appId, { ...fault, paths: [LOGIN_PATH] });
  const answer = await exchangeLoginCode({ base: SIM_BASE, appId, appSecret: SECRET, jsCode: code.code });
  const calls = (await sim.state(appId)).calls.byPath[LOGIN_PATH] ?? 0;
  return { answer, calls, code };
}

describe("exchangeLoginCode", () => {
  it("asks again after a busy answer and gets the session", async () => {
    const { answer, calls, code } = await exchangeWith("wxloginbusyonce1", { kind: "busy", times: 1 });
    expect(answer).toEqual({
      ok: true,
      openid: code.openid,
      sessionKey: code.session_key,
      unionid: code.unionid,
    });
    expect(calls).toBe(2);
  });

  it("gives up after the busy attempts with WeChat's busy errcode", async () => {
    const { answer, calls } = await exchangeWith("wxloginbusyever1", { kind: "busy", times: 10 });
    expect(answer).toMatchObject({ ok: false, kind: "transient", errcode: -1 });
    expect(calls).toBe(BUSY_MAX_ATTEMPTS);
  });

  it("does not ask again after an HTTP 5xx or an unreadable answer", async () => {
    for (const [appId, kind] of [
      ["wxlogin500once01", "http500"],
      ["wxlogingarbage01", "garbage"],
    ] as const) {
      const { answer, calls } = await exchangeWith(appId, { kind, times: 1 });
      expect(answer, kind).toMatchObject({ ok: false, kind: "transient" });
      expect(calls, kind).toBe(1);
    }
  });
});

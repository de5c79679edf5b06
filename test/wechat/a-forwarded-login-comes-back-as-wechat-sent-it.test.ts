// The proxy's /sns/jscode2session (src/wechat/credential-calls.ts forwardLoginCode): the keeper adds the
// secret, WeChat's answer comes back unchanged for the SDK to parse, nothing is retried, and no
// answer at all is WeChat's own "system error".
import { describe, expect, it } from "vitest";
import { forwardLoginCode } from "../../src/wechat/credential-calls.ts";
import { SECRET, SIM_BASE, sim } from "../support/simulator.ts";

const LOGIN_PATH = "/sns/jscode2session";

describe("forwardLoginCode", () => {
  it("passes WeChat's answer back as it came, with the SDK's grant_type", async () => {
    const appId = "wxforwardlogin01";
    await sim.registerApp(appId);
    const code = await sim.loginCode(appId);
    const login = { base: SIM_BASE, appId, appSecret: SECRET, jsCode: code.code };
    const answer = await forwardLoginCode({ ...login, grantType: "authorization_code" });
    expect(answer.status).toBe(200);
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(answer.text)).toMatchObject({ openid: code.openid, session_key: code.session_key });

    const wrongGrant = await forwardLoginCode({ ...login, grantType: "client_credential" });
    expect(JSON.parse(wrongGrant.text)).toHaveProperty("errcode");
  });

  it("does not ask again when WeChat is busy: the SDK gets the busy answer", async () => {
    const appId = "wxforwardbusy001";
    await sim.registerApp(appId);
    const code = await sim.loginCode(appId);
    await sim.queueFault(appId, { kind: "busy", times: 1, paths: [LOGIN_PATH] });
    const answer = await forwardLoginCode({
      base: SIM_BASE,
      appId,
      appSecret: SECRET,
      jsCode: code.code,
      grantType: "authorization_code",
    });
    expect(JSON.parse(answer.text)).toMatchObject({ errcode: -1 });
    expect((await sim.state(appId)).calls.byPath[LOGIN_PATH]).toBe(1);
  });

  it("answers WeChat's system error when the connection drops", async () => {
    const appId = "wxforwarddrop001";
    await sim.registerApp(appId);
    await sim.queueFault(appId, { kind: "drop", times: 1, paths: [LOGIN_PATH] });
    const answer = await forwardLoginCode({
      base: SIM_BASE,
      appId,
      appSecret: SECRET,
      jsCode: "any",
      grantType: "authorization_code",
    });
    expect(answer).toEqual({
      status: 502,
      contentType: "application/json",
      text: '{"errcode":-1,"errmsg":"system error"}',
    });
  });
});

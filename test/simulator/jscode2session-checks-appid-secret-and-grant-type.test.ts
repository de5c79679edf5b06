import { describe, expect, it } from "vitest";
import { jscode2session, SECRET, SIM_BASE, sim } from "../support/simulator.ts";

describe("jscode2session checks appid, secret and grant_type before the code", () => {
  it("an unknown appid gets 40013, a wrong secret 40125", async () => {
    const appid = "wxsimsess0000001";
    await sim.registerApp(appid);
    const { code } = await sim.loginCode(appid);
    const unknown = await jscode2session("wxsimsessNOTREG1", code);
    expect(unknown.errcode).toBe(40013);
    expect(unknown.errmsg).toMatch(/^invalid appid rid: /);
    expect((await jscode2session(appid, code, { secret: "wrong" })).errcode).toBe(40125);
    // The failed attempts did not use the code up.
    expect((await jscode2session(appid, code)).openid).toBeDefined();
  });

  it("grant_type must be authorization_code (40002)", async () => {
    const appid = "wxsimsess0000002";
    await sim.registerApp(appid);
    const { code } = await sim.loginCode(appid);
    const wrong = await jscode2session(appid, code, { grantType: "client_credential" });
    expect(wrong.errcode).toBe(40002);
    expect(wrong.errmsg).toMatch(/^invalid grant_type/);
  });

  it("missing appid or secret: 41002 / 41004; POST: 43001", async () => {
    const appid = "wxsimsess0000003";
    await sim.registerApp(appid);
    const noAppid = await fetch(`${SIM_BASE}/sns/jscode2session?secret=${SECRET}&js_code=x`);
    expect(((await noAppid.json()) as { errcode: number }).errcode).toBe(41002);
    const noSecret = await fetch(
      `${SIM_BASE}/sns/jscode2session?appid=${appid}&js_code=x&grant_type=authorization_code`,
    );
    expect(((await noSecret.json()) as { errcode: number }).errcode).toBe(41004);
    const post = await fetch(
      `${SIM_BASE}/sns/jscode2session?appid=${appid}&secret=${SECRET}&grant_type=authorization_code`,
      { method: "POST", body: "{}" },
    );
    expect(((await post.json()) as { errcode: number }).errcode).toBe(43001);
  });
});

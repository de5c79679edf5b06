import { describe, expect, it } from "vitest";
import { call, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectWeChatFailure } from "./wechat-answers.ts";

// A getPhoneNumber code is single use and lives 5 minutes (WECHAT.md §18): a code WeChat refuses
// is its errcode in the envelope, a 400 (the caller's input, SPEC §3). What the gateway can judge
// itself (a missing or malformed field, an official account) is refused before WeChat is asked.

const PATH = "/wxa/business/getuserphonenumber";

function phoneNumber(app: RegisteredApp, body: unknown, token = app.apiKey) {
  return call("POST", `/Wechat/${app.appKey}/PhoneNumber`, { token, body });
}

describe("PhoneNumber refuses spent codes and bad input", () => {
  it("a code used once already is WeChat's 40029 in the envelope", async () => {
    const app = await registerApp("v1-phone-reuse", "wxv1phonebad0001");
    const { code } = await sim.phoneCode(app.appId);
    expect((await phoneNumber(app, { code })).status).toBe(200);
    const again = await phoneNumber(app, { code });
    expectWeChatFailure(again, 400, 40029, "invalid code");
    expect((again.body as { error: string }).error).toBe(
      "WeChat refused the request: the phone code is invalid, already used or expired (codes are single use and live 5 minutes)",
    );
    expect(await callsTo(app.appId, PATH)).toBe(2);
  });

  it("a code older than five minutes, or never issued, is WeChat's 40029", async () => {
    const app = await registerApp("v1-phone-expired", "wxv1phonebad0002");
    const { code } = await sim.phoneCode(app.appId);
    await sim.advance(app.appId, 301);
    expectWeChatFailure(await phoneNumber(app, { code }), 400, 40029, "invalid code");
    expectWeChatFailure(await phoneNumber(app, { code: "f".repeat(64) }), 400, 40029, "invalid code");
  });

  it("a missing, empty or non-string code is a 400 naming it, and WeChat is not asked", async () => {
    const app = await registerApp("v1-phone-input", "wxv1phonebad0003");
    const cases: [body: unknown, error: string][] = [
      [{}, "code: is required"],
      [{ openid: "oV1PhoneUser0000000000000003" }, "code: is required"],
      [{ code: "" }, "code: is required"],
      [{ code: 42 }, "code: must be a string"],
      [{ code: null }, "code: must be a string"],
      [{ code: ["abc"] }, "code: must be a string"],
      [{ code: "a code" }, "code: must be the code from getPhoneNumber"],
      [{ code: "c".repeat(257) }, "code: must be the code from getPhoneNumber"],
      [{ code: "abc", openid: "" }, "openid: must be an openid (letters, digits, _ and -)"],
      [{ code: "abc", openid: "o/../x" }, "openid: must be an openid (letters, digits, _ and -)"],
    ];
    for (const [body, error] of cases) {
      const answer = await phoneNumber(app, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body, JSON.stringify(body)).toEqual({ code: 400, data: null, error });
    }
    const notJson = await phoneNumber(app, "code=abc");
    expect(notJson.status).toBe(400);
    const state = await sim.state(app.appId);
    expect(state.calls.business + state.calls.token + state.calls.stableNormal).toBe(0);
  });

  it("an official account is refused like any mini-program operation, before WeChat is asked", async () => {
    const app = await registerApp("v1-phone-oa", "wxv1phonebad0004", { type: "officialaccount" });
    const { code } = await sim.phoneCode(app.appId);
    const answer = await phoneNumber(app, { code });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      code: 400,
      data: null,
      error: "this operation is for a mini program; v1-phone-oa is registered as an official account",
    });
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });

  it("no API key, or another app's, is a 401/403 that asks nobody", async () => {
    const app = await registerApp("v1-phone-auth", "wxv1phonebad0005");
    const other = await registerApp("v1-phone-auth-other", "wxv1phonebad0006");
    const { code } = await sim.phoneCode(app.appId);
    expect((await call("POST", `/Wechat/${app.appKey}/PhoneNumber`, { body: { code } })).status).toBe(401);
    expect([401, 403]).toContain((await phoneNumber(app, { code }, other.apiKey)).status);
    expect((await sim.state(app.appId)).calls.business).toBe(0);
    // The refused calls did not spend the code.
    expect((await phoneNumber(app, { code })).status).toBe(200);
  });
});

import { describe, expect, it } from "vitest";
import { call, getToken, type RegisteredApp, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectWeChatFailure, requestsTo, theOneJsonPostTo } from "./wechat-answers.ts";

// SPEC §6 POST /Wechat/{appKey}/PhoneNumber {"code", "openid"?} → POST
// /wxa/business/getuserphonenumber (WECHAT.md §18): `data` is WeChat's phone_info as WeChat sent
// it. Only `code` and `openid` are sent; the token goes in the query.

const PATH = "/wxa/business/getuserphonenumber";
const CODE_LIFETIME_MS = 300_000;

function phoneNumber(app: RegisteredApp, body: unknown) {
  return call("POST", `/Wechat/${app.appKey}/PhoneNumber`, { token: app.apiKey, body });
}

describe("POST /Wechat/{appKey}/PhoneNumber", () => {
  it("answers WeChat's phone_info exactly, sending only the code with the token in the query", async () => {
    const app = await registerApp("v1-phone-ok", "wxv1phone0000001");
    const openid = "oV1PhoneUser0000000000000001";
    await sim.putUser(app.appId, openid, { phone: { purePhoneNumber: "13800138000" } });
    const issued = await sim.phoneCode(app.appId, { openid });

    const answer = await phoneNumber(app, { code: issued.code });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      code: 200,
      data: {
        phoneNumber: "13800138000",
        purePhoneNumber: "13800138000",
        countryCode: "86",
        watermark: {
          timestamp: Math.floor((issued.expiresAt - CODE_LIFETIME_MS) / 1000),
          appid: app.appId,
        },
      },
      error: "",
    });

    expect(await theOneJsonPostTo(app.appId, PATH)).toEqual({ code: issued.code });
  });

  it("passes openid on to bind the code, and no other field (not even an access_token)", async () => {
    const app = await registerApp("v1-phone-openid", "wxv1phone0000002");
    const openid = "oV1PhoneUser0000000000000002";
    const { code } = await sim.phoneCode(app.appId, { openid });
    const answer = await phoneNumber(app, {
      code,
      openid,
      access_token: "a-token-of-the-callers-own",
      future_option: true,
    });
    expect(answer.status).toBe(200);
    const [sent] = await requestsTo(app.appId, PATH);
    expect(JSON.parse(sent!.bodyText)).toEqual({ code, openid });
    expect(sent!.bodyHasAccessToken).toBe(false);
  });

  it("keeps WeChat's countryCode a string and a foreign number's country code in phoneNumber", async () => {
    const app = await registerApp("v1-phone-abroad", "wxv1phone0000003");
    const { code } = await sim.phoneCode(app.appId, {
      phone: { purePhoneNumber: "4155550123", countryCode: "1" },
    });
    const answer = await phoneNumber(app, { code });
    expect(answer.body).toMatchObject({
      code: 200,
      data: { phoneNumber: "+1 4155550123", purePhoneNumber: "4155550123", countryCode: "1" },
    });
  });

  it("another user's code is WeChat's 40029 when the openid binds it", async () => {
    const app = await registerApp("v1-phone-bound", "wxv1phone0000004");
    const { code } = await sim.phoneCode(app.appId, { openid: "oV1PhoneOwner000000000000004" });
    expectWeChatFailure(
      await phoneNumber(app, { code, openid: "oV1PhoneStranger0000000000004" }),
      400,
      40029,
      "invalid code",
    );
  });

  it("a token invalidated behind the gateway's back is refreshed once and the code still works", async () => {
    const app = await registerApp("v1-phone-recover", "wxv1phone0000005");
    const { code } = await sim.phoneCode(app.appId);
    await getToken(app);
    const tokenCalls = await upstreamTokenCalls(app.appId);
    await sim.invalidate(app.appId);

    const answer = await phoneNumber(app, { code });
    expect(answer.status).toBe(200);
    expect(await upstreamTokenCalls(app.appId)).toBe(tokenCalls + 1);
    expect(await callsTo(app.appId, PATH)).toBe(2);
  });

  it("a busy WeChat is asked again; its per-minute limit is a 429 of a minute, not retried", async () => {
    const app = await registerApp("v1-phone-busy", "wxv1phone0000006");
    const { code } = await sim.phoneCode(app.appId);
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    expect((await phoneNumber(app, { code })).status).toBe(200);
    expect(await callsTo(app.appId, PATH)).toBe(2);

    const next = await sim.phoneCode(app.appId);
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 45011,
      errmsg: "api minute-quota reach limit mustslower retry next minute",
      paths: [PATH],
    });
    const limited = await phoneNumber(app, { code: next.code });
    expectWeChatFailure(limited, 429, 45011, "api minute-quota reach limit mustslower retry next minute");
    expect(limited.headers.get("Retry-After")).toBe("60");
    expect(await callsTo(app.appId, PATH)).toBe(3);
  });
});

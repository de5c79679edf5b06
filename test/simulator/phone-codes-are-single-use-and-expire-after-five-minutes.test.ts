import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, RID_SUFFIX, sim } from "../support/simulator.ts";

// WECHAT.md §18: getuserphonenumber exchanges the code from a getPhoneNumber button for the user's
// phone_info. The code is single use and valid 5 minutes; whatever is wrong with it, WeChat says
// 40029 "invalid code".

const PATH = "/wxa/business/getuserphonenumber";
const CODE_LIFETIME_MS = 300_000;
/** What a getPhoneNumber code looks like: 64 lowercase hex digits. */
const PHONE_CODE = /^[0-9a-f]{64}$/;

describe("phone codes are single use and expire after five minutes", () => {
  it("a fresh code gives the user's phone_info, watermarked with the app and the moment of consent", async () => {
    const appid = "wxsimphone000001";
    const token = await appWithToken(appid);
    const openid = "oSimPhoneUser000000000000001";
    await sim.putUser(appid, openid, { phone: { purePhoneNumber: "13800138000" } });
    const issued = await sim.phoneCode(appid, { openid });
    expect(issued.code).toMatch(PHONE_CODE);
    expect(issued.phone).toEqual({
      phoneNumber: "13800138000",
      purePhoneNumber: "13800138000",
      countryCode: "86",
    });

    const answer = await postBusiness(PATH, token, { code: issued.code });
    expect(answer).toEqual({
      errcode: 0,
      errmsg: "ok",
      phone_info: {
        phoneNumber: "13800138000",
        purePhoneNumber: "13800138000",
        countryCode: "86",
        watermark: { timestamp: Math.floor((issued.expiresAt - CODE_LIFETIME_MS) / 1000), appid },
      },
    });
  });

  it("the second exchange of a code gets 40029 'invalid code'", async () => {
    const appid = "wxsimphone000002";
    const token = await appWithToken(appid);
    const { code } = await sim.phoneCode(appid);
    expect((await postBusiness(PATH, token, { code })).phone_info).toBeDefined();
    const again = await postBusiness(PATH, token, { code });
    expect(again.errcode).toBe(40029);
    expect(again.errmsg).toMatch(/^invalid code rid: /);
    expect(again.errmsg).toMatch(RID_SUFFIX);
  });

  it("a code older than five minutes, never issued, or a wx.login code gets 40029", async () => {
    const appid = "wxsimphone000003";
    const token = await appWithToken(appid);
    const fresh = await sim.phoneCode(appid);
    const stale = await sim.phoneCode(appid);
    await sim.advance(appid, 299);
    expect((await postBusiness(PATH, token, { code: fresh.code })).phone_info?.purePhoneNumber).toBe(
      fresh.phone.purePhoneNumber,
    );
    await sim.advance(appid, 2);
    expect((await postBusiness(PATH, token, { code: stale.code })).errcode).toBe(40029);
    expect((await postBusiness(PATH, token, { code: "0".repeat(64) })).errcode).toBe(40029);
    const login = await sim.loginCode(appid);
    expect((await postBusiness(PATH, token, { code: login.code })).errcode).toBe(40029);
  });

  it("an openid binds the code to its user: another user's code is refused and stays usable", async () => {
    const appid = "wxsimphone000004";
    const token = await appWithToken(appid);
    const owner = "oSimPhoneOwner00000000000004";
    const { code } = await sim.phoneCode(appid, { openid: owner });
    const stranger = await postBusiness(PATH, token, { code, openid: "oSimPhoneStranger0000000004" });
    expect(stranger.errcode).toBe(40029);
    const bound = await postBusiness(PATH, token, { code, openid: owner });
    expect(bound.errcode).toBe(0);
    expect(bound.phone_info?.watermark.appid).toBe(appid);
  });

  it("codes belong to the app whose token exchanges them", async () => {
    const appid = "wxsimphone000005";
    await sim.registerApp(appid);
    const otherToken = await appWithToken("wxsimphone000006");
    const { code } = await sim.phoneCode(appid);
    expect((await postBusiness(PATH, otherToken, { code })).errcode).toBe(40029);
  });

  it("a user's number is seeded, replaced or removed through the control API", async () => {
    const appid = "wxsimphone000007";
    const token = await appWithToken(appid);
    const openid = "oSimPhoneUser000000000000007";
    const seeded = await sim.putUser(appid, openid, {
      phone: { purePhoneNumber: "4155550123", countryCode: "1" },
    });
    const abroad = { phoneNumber: "+1 4155550123", purePhoneNumber: "4155550123", countryCode: "1" };
    expect(seeded.phone).toEqual(abroad);
    const { code } = await sim.phoneCode(appid, { openid });
    expect((await postBusiness(PATH, token, { code })).phone_info).toMatchObject(abroad);

    expect((await sim.putUser(appid, openid, { phone: null })).phone).toBeNull();
    // A user with no number gets a mainland one when asked for a code, and keeps it.
    const generated = await sim.phoneCode(appid, { openid });
    expect(generated.phone.purePhoneNumber).toMatch(/^1[3-9][0-9]{9}$/);
    expect(generated.phone.countryCode).toBe("86");
    expect((await sim.user(appid, openid)).phone).toEqual(generated.phone);
    expect((await sim.phoneCode(appid, { openid })).phone).toEqual(generated.phone);

    // A code is for the number as it was when the user agreed.
    const before = await sim.phoneCode(appid, { openid });
    await sim.putUser(appid, openid, { phone: { purePhoneNumber: "13900139000" } });
    expect((await postBusiness(PATH, token, { code: before.code })).phone_info?.purePhoneNumber).toBe(
      generated.phone.purePhoneNumber,
    );
  });

  it("refuses a phone that is not digits", async () => {
    const appid = "wxsimphone000008";
    await sim.registerApp(appid);
    const cases: unknown[] = [
      { purePhoneNumber: "138-0013-8000" },
      { purePhoneNumber: "13800138000", countryCode: "+86" },
      { purePhoneNumber: "13800138000", countryCode: 86 },
      {},
      "13800138000",
    ];
    for (const phone of cases) {
      const answer = await sim.raw("POST", `/apps/${appid}/phone-codes`, { phone });
      expect(answer.status, JSON.stringify(phone)).toBe(400);
      const put = await sim.raw("PUT", `/apps/${appid}/users/oSimPhoneUser000000000000008`, { phone });
      expect(put.status, JSON.stringify(phone)).toBe(400);
    }
  });
});

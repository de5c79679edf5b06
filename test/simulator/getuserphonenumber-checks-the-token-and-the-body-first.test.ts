import { describe, expect, it } from "vitest";
import {
  appWithToken,
  businessUrl,
  fetchClassicToken,
  postBusiness,
  postRaw,
  SIM_BASE,
  sim,
} from "../support/simulator.ts";

// getuserphonenumber is a business API like the others (WECHAT.md §3, §15): only a working
// access_token gets in, and the request is checked before the code is looked at. A call refused
// for its token or body does not use the code up.

const PATH = "/wxa/business/getuserphonenumber";

async function errcodeOf(res: Response): Promise<number> {
  return ((await res.json()) as { errcode: number }).errcode;
}

describe("getuserphonenumber checks the token and the body before the code", () => {
  it("no token: 41001; unknown or invalidated: 40001; expired: 42001; the code survives them all", async () => {
    const appid = "wxsimphonetok001";
    // Tokens that expire well within the code's five minutes.
    await sim.registerApp(appid, { tokenLifetimeSeconds: 60 });
    const { code } = await sim.phoneCode(appid);

    const none = await fetch(`${SIM_BASE}${PATH}`, { method: "POST", body: JSON.stringify({ code }) });
    expect(await errcodeOf(none)).toBe(41001);
    expect((await postBusiness(PATH, "9_neverIssued", { code })).errcode).toBe(40001);

    const invalidated = await fetchClassicToken(appid);
    await sim.invalidate(appid, "classic");
    expect((await postBusiness(PATH, invalidated.access_token ?? "", { code })).errcode).toBe(40001);

    const expiring = await fetchClassicToken(appid);
    await sim.advance(appid, 61);
    const expired = await postBusiness(PATH, expiring.access_token ?? "", { code });
    expect(expired.errcode).toBe(42001);
    expect(expired.errmsg).toMatch(/^access_token expired rid: /);

    const { access_token: working = "" } = await fetchClassicToken(appid);
    expect((await postBusiness(PATH, working, { code })).errcode).toBe(0);
  });

  it("GET: 43002; empty body: 44002; not JSON: 47001; no code: 41008; a code or openid not a string: 47001", async () => {
    const appid = "wxsimphonetok002";
    const token = await appWithToken(appid);
    const { code } = await sim.phoneCode(appid);
    expect(await errcodeOf(await fetch(businessUrl(PATH, token)))).toBe(43002);
    expect(await errcodeOf(await fetch(businessUrl(PATH, token), { method: "POST" }))).toBe(44002);
    expect(await errcodeOf(await postRaw(PATH, token, `code=${code}`))).toBe(47001);
    const missing = await postBusiness(PATH, token, {});
    expect(missing.errcode).toBe(41008);
    expect(missing.errmsg).toMatch(/^missing code rid: /);
    expect((await postBusiness(PATH, token, { code: "" })).errcode).toBe(41008);
    expect((await postBusiness(PATH, token, { code: [code] })).errcode).toBe(47001);
    expect((await postBusiness(PATH, token, { code, openid: 42 })).errcode).toBe(47001);
    expect((await postBusiness(PATH, token, { code })).errcode).toBe(0);
  });

  it("counts as a business call of the token's app, and takes queued faults", async () => {
    const appid = "wxsimphonetok003";
    const token = await appWithToken(appid);
    const { code } = await sim.phoneCode(appid);
    await sim.queueFault(appid, { kind: "busy", paths: [PATH] });
    expect((await postBusiness(PATH, token, { code })).errcode).toBe(-1);
    expect((await postBusiness(PATH, token, { code })).errcode).toBe(0);
    const state = await sim.state(appid);
    expect(state.calls.business).toBe(2);
    expect(state.calls.byPath[PATH]).toBe(2);
  });
});

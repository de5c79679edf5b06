import { describe, expect, it } from "vitest";
import {
  fetchClassicToken,
  fetchStableToken,
  postBusiness,
  SIM_BASE,
  sim,
  useToken,
} from "../support/simulator.ts";

describe("business APIs accept only working access tokens", () => {
  it("a working token gets the answer", async () => {
    const appid = "wxsimbiz01";
    await sim.registerApp(appid);
    const { access_token } = await fetchClassicToken(appid);
    expect(await useToken(access_token)).toEqual({ ip_list: ["101.226.62.77", "101.226.62.78"] });
  });

  it("classic and stable tokens both work", async () => {
    const appid = "wxsimbiz02";
    await sim.registerApp(appid);
    const classic = await fetchClassicToken(appid);
    const stable = await fetchStableToken(appid);
    expect((await useToken(classic.access_token)).ip_list).toHaveLength(2);
    expect((await useToken(stable.access_token)).ip_list).toHaveLength(2);
  });

  it("no access_token: 41001", async () => {
    const answer = await useToken(undefined);
    expect(answer.errcode).toBe(41001);
    expect(answer.errmsg).toMatch(/^access_token missing rid: /);
    expect((await useToken("")).errcode).toBe(41001);
  });

  it("an unknown or garbled token: 40001 'invalid or not latest'", async () => {
    const answer = await useToken("12_thisTokenWasNeverIssued");
    expect(answer.errcode).toBe(40001);
    expect(answer.errmsg).toMatch(/^invalid credential, access_token is invalid or not latest rid: /);
  });

  it("an expired token: 42001; a replaced token past its grace: 40001", async () => {
    const appid = "wxsimbiz03";
    await sim.registerApp(appid);
    const replaced = await fetchClassicToken(appid);
    await fetchClassicToken(appid);
    await sim.advance(appid, 301);
    expect((await useToken(replaced.access_token)).errcode).toBe(40001);
    const expiring = await fetchStableToken(appid);
    await sim.advance(appid, 7200);
    const expired = await useToken(expiring.access_token);
    expect(expired.errcode).toBe(42001);
    expect(expired.errmsg).toMatch(/^access_token expired rid: /);
  });

  it("counts business calls against the token's app", async () => {
    const appid = "wxsimbiz04";
    await sim.registerApp(appid);
    const { access_token } = await fetchClassicToken(appid);
    await useToken(access_token);
    await useToken(access_token);
    expect((await sim.state(appid)).calls.business).toBe(2);
  });

  it("checks the HTTP method and body of POST business APIs", async () => {
    const appid = "wxsimbiz05";
    await sim.registerApp(appid);
    const { access_token = "" } = await fetchStableToken(appid);
    const get = await fetch(`${SIM_BASE}/cgi-bin/openapi/quota/get?access_token=${access_token}`);
    expect(((await get.json()) as { errcode: number }).errcode).toBe(43002);
    const post = await fetch(`${SIM_BASE}/cgi-bin/get_api_domain_ip?access_token=${access_token}`, {
      method: "POST",
    });
    expect(((await post.json()) as { errcode: number }).errcode).toBe(43001);
    const empty = await fetch(`${SIM_BASE}/cgi-bin/openapi/quota/get?access_token=${access_token}`, {
      method: "POST",
    });
    expect(((await empty.json()) as { errcode: number }).errcode).toBe(44002);
    expect((await postBusiness("/cgi-bin/openapi/quota/get", access_token, "not an object")).errcode).toBe(
      47001,
    );
  });
});

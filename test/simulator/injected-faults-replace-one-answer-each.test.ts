import { describe, expect, it } from "vitest";
import {
  classicTokenUrl,
  fetchClassicToken,
  fetchStableToken,
  RID_SUFFIX,
  sim,
  stableTokenRequest,
  useToken,
} from "../support/simulator.ts";

describe("injected faults replace one answer each", () => {
  it("busy and busy1000 answer WeChat's system errors, then the next call works", async () => {
    const appid = "wxsimfault01";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "busy" });
    await sim.queueFault(appid, { kind: "busy1000" });
    const busy = await fetchClassicToken(appid);
    expect(busy.errcode).toBe(-1);
    expect(busy.errmsg).toMatch(/^system error/);
    expect(busy.errmsg).toMatch(RID_SUFFIX);
    expect((await fetchClassicToken(appid)).errcode).toBe(-1000);
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
  });

  it("a faulted token call issues no token but counts as a call", async () => {
    const appid = "wxsimfault02";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "busy", times: 2 });
    await fetchClassicToken(appid);
    await fetchClassicToken(appid);
    const state = await sim.state(appid);
    expect(state.tokens.classic.current).toBeNull();
    expect(state.calls.token).toBe(2);
  });

  it("errcode answers with the given WeChat error", async () => {
    const appid = "wxsimfault03";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "errcode", errcode: 40243, errmsg: "AppSecret frozen" });
    const answer = await fetchClassicToken(appid);
    expect(answer.errcode).toBe(40243);
    expect(answer.errmsg).toMatch(/^AppSecret frozen rid: /);
  });

  it("http500 answers HTTP 500 with an HTML body", async () => {
    const appid = "wxsimfault04";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "http500" });
    const res = await fetch(classicTokenUrl(appid));
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    await res.text();
  });

  it("garbage answers HTTP 200 labelled as WeChat JSON, but unparsable", async () => {
    const appid = "wxsimfault05";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "garbage" });
    const res = await fetch(classicTokenUrl(appid));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("drop closes the connection without an answer", async () => {
    const appid = "wxsimfault06";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "drop" });
    await expect(fetch(classicTokenUrl(appid))).rejects.toThrow();
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
  });

  it("slow answers normally after the delay", async () => {
    const appid = "wxsimfault07";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "slow", delayMs: 200 });
    const started = Date.now();
    const answer = await fetchClassicToken(appid);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(answer.errcode).toBeUndefined();
    expect(answer.access_token).toBeDefined();
  });

  it("slow outlasts a client timeout, and a client that gave up gets no token issued", async () => {
    const appid = "wxsimfault08";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "slow", delayMs: 400 });
    await expect(fetch(classicTokenUrl(appid), { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const state = await sim.state(appid);
    expect(state.calls.token).toBe(1);
    expect(state.tokenCallsInFlight).toBe(0);
    expect(state.tokens.classic.current).toBeNull();
  });

  it("paths limit a fault to those endpoints; times sets how many calls it hits", async () => {
    const appid = "wxsimfault09";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "busy", times: 2, paths: ["/cgi-bin/stable_token"] });
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
    expect((await fetch(stableTokenRequest(appid)).then((r) => r.json())) as object).toMatchObject({
      errcode: -1,
    });
    expect((await fetchStableToken(appid)).errcode).toBe(-1);
    expect((await fetchStableToken(appid)).errcode).toBeUndefined();
  });

  it("business APIs are faulted through the app that owns the token", async () => {
    const appid = "wxsimfault10";
    await sim.registerApp(appid);
    const { access_token } = await fetchClassicToken(appid);
    await sim.queueFault(appid, { kind: "busy", paths: ["/cgi-bin/get_api_domain_ip"] });
    expect((await useToken(access_token)).errcode).toBe(-1);
    expect((await useToken(access_token)).errcode).toBeUndefined();
  });

  it("DELETE faults drops the queue", async () => {
    const appid = "wxsimfault11";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "busy", times: 5 });
    await sim.clearFaults(appid);
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
  });
});

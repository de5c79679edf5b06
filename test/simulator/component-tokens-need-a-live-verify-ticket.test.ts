import { describe, expect, it } from "vitest";
import {
  COMPONENT_SECRET,
  errcodeWith,
  fetchComponentToken,
  postComponent,
  RID_SUFFIX,
  SIM_BASE,
  sim,
  type WeChatAnswer,
} from "../support/simulator.ts";

describe("component tokens need a live verify ticket", () => {
  it("a pushed ticket buys a component_access_token (expires_in 7200); a new one on every call", async () => {
    const appid = "wxsimcomptok0001";
    await sim.registerComponent(appid);
    const { ticket } = await sim.pushVerifyTicket(appid);
    expect(ticket).toMatch(/^ticket@@@[A-Za-z0-9_-]+$/);
    const first = await fetchComponentToken(appid, ticket);
    const second = await fetchComponentToken(appid, ticket);
    expect(first.errcode).toBeUndefined();
    expect(first.expires_in).toBe(7200);
    expect(first.component_access_token).toMatch(/^\d+_[A-Za-z0-9_-]{100,}$/);
    expect(second.component_access_token).not.toBe(first.component_access_token);
    const state = await sim.component(appid);
    expect(state.tokensIssued).toBe(2);
    expect(state.calls.componentToken).toBe(2);
    expect(state.tokens.current?.token).toBe(second.component_access_token);
    expect(state.tokens.previous?.token).toBe(first.component_access_token);
  });

  it("no ticket, a ticket never pushed, or one older than 12 hours gets 61006; older live tickets still work", async () => {
    const appid = "wxsimcomptok0002";
    await sim.registerComponent(appid);
    const none = await fetchComponentToken(appid, undefined);
    expect(none.errcode).toBe(61006);
    expect(none.errmsg).toMatch(/^component ticket is invalid rid: /);
    expect((await fetchComponentToken(appid, "ticket@@@neverPushed")).errcode).toBe(61006);

    const old = await sim.pushVerifyTicket(appid);
    await sim.advance(appid, 600);
    const newer = await sim.pushVerifyTicket(appid);
    expect(newer.ticket).not.toBe(old.ticket);
    expect((await fetchComponentToken(appid, old.ticket)).component_access_token).toBeDefined();
    await sim.advance(appid, 12 * 3600 - 600 - 1);
    expect((await fetchComponentToken(appid, old.ticket)).component_access_token).toBeDefined();
    await sim.advance(appid, 1);
    expect((await fetchComponentToken(appid, old.ticket)).errcode).toBe(61006);
    expect((await fetchComponentToken(appid, newer.ticket)).component_access_token).toBeDefined();
    expect((await sim.component(appid)).ticket?.ticket).toBe(newer.ticket);
  });

  it("a wrong secret is 40125, an unknown component 40013, missing ones 41002/41004, a GET 43002", async () => {
    const appid = "wxsimcomptok0003";
    await sim.registerComponent(appid);
    const { ticket } = await sim.pushVerifyTicket(appid);
    expect((await fetchComponentToken(appid, ticket, "wrong-secret")).errcode).toBe(40125);
    expect((await fetchComponentToken("wxsimcompunknown", ticket)).errcode).toBe(40013);
    expect((await fetchComponentToken("", ticket)).errcode).toBe(41002);
    expect((await fetchComponentToken(appid, ticket, "")).errcode).toBe(41004);
    const get: WeChatAnswer = await (await fetch(`${SIM_BASE}/cgi-bin/component/api_component_token`)).json();
    expect(get.errcode).toBe(43002);
    expect(get.errmsg).toMatch(RID_SUFFIX);
  });

  it("the replaced token works for 5 more minutes, a token past its life is 42001", async () => {
    const appid = "wxsimcomptok0004";
    await sim.registerComponent(appid);
    const { ticket } = await sim.pushVerifyTicket(appid);
    const old = (await fetchComponentToken(appid, ticket)).component_access_token ?? "";
    const fresh = (await fetchComponentToken(appid, ticket)).component_access_token ?? "";
    const preAuth = (token: string) =>
      postComponent("api_create_preauthcode", token, { component_appid: appid });
    expect((await preAuth(old)).pre_auth_code).toBeDefined();
    await sim.advance(appid, 301);
    expect((await preAuth(old)).errcode).toBe(40001);
    expect((await preAuth(fresh)).pre_auth_code).toBeDefined();
    await sim.advance(appid, 7200);
    expect((await preAuth(fresh)).errcode).toBe(42001);
    expect((await preAuth("garbage")).errcode).toBe(40001);
    const missing = await fetch(`${SIM_BASE}/cgi-bin/component/api_create_preauthcode`, {
      method: "POST",
      body: JSON.stringify({ component_appid: appid }),
    });
    expect(((await missing.json()) as WeChatAnswer).errcode).toBe(41001);
  });

  it("business APIs never take a component_access_token", async () => {
    const appid = "wxsimcomptok0005";
    await sim.registerComponent(appid);
    const { ticket } = await sim.pushVerifyTicket(appid);
    const token = (await fetchComponentToken(appid, ticket)).component_access_token;
    expect(await errcodeWith(token)).toBe(40001);
  });

  it("api_start_push_ticket pushes a new ticket and is counted; a wrong secret is 40125", async () => {
    const appid = "wxsimcomptok0006";
    await sim.registerComponent(appid);
    const start = (secret: string): Promise<WeChatAnswer> =>
      fetch(`${SIM_BASE}/cgi-bin/component/api_start_push_ticket`, {
        method: "POST",
        body: JSON.stringify({ component_appid: appid, component_secret: secret }),
      }).then((res) => res.json());
    expect(await start(COMPONENT_SECRET)).toEqual({ errcode: 0, errmsg: "ok" });
    expect((await start("wrong")).errcode).toBe(40125);
    const state = await sim.component(appid);
    expect(state.calls.startPushTicket).toBe(2);
    expect(state.ticketsIssued).toBe(1);
    expect(state.pushes.map((p) => p.infoType)).toEqual(["component_verify_ticket"]);
    const pushed = state.pushes[0]?.ticket ?? "";
    expect(state.ticket?.ticket).toBe(pushed);
    expect((await fetchComponentToken(appid, pushed)).component_access_token).toBeDefined();
  });

  it("over the daily quota is 45009; outside the IP whitelist 61004", async () => {
    const appid = "wxsimcomptok0007";
    await sim.registerComponent(appid, { componentTokenDailyQuota: 2 });
    const { ticket } = await sim.pushVerifyTicket(appid);
    expect((await fetchComponentToken(appid, ticket)).component_access_token).toBeDefined();
    expect((await fetchComponentToken(appid, ticket)).component_access_token).toBeDefined();
    expect((await fetchComponentToken(appid, ticket)).errcode).toBe(45009);

    const fenced = "wxsimcomptok0008";
    await sim.registerComponent(fenced, { whitelisted: false });
    const pushed = await sim.pushVerifyTicket(fenced);
    const refused = await fetchComponentToken(fenced, pushed.ticket);
    expect(refused.errcode).toBe(61004);
    expect(refused.errmsg).toMatch(/^access clientip is not registered requestIP: 127\.0\.0\.1 rid: /);
  });
});

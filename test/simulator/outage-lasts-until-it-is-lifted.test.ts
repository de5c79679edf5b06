import { describe, expect, it } from "vitest";
import { classicTokenUrl, fetchClassicToken, fetchStableToken, sim } from "../support/simulator.ts";

describe("an outage fails every matching call until it is lifted", () => {
  it("answers every call with the fault, then works again after DELETE", async () => {
    const appid = "wxsimoutage01";
    await sim.registerApp(appid);
    await sim.startOutage(appid, { kind: "busy" });
    for (let i = 0; i < 5; i++) expect((await fetchClassicToken(appid)).errcode).toBe(-1);
    expect((await fetchStableToken(appid)).errcode).toBe(-1);
    await sim.advance(appid, 3 * 3600);
    expect((await fetchStableToken(appid)).errcode).toBe(-1);
    await sim.endOutage(appid);
    expect((await fetchClassicToken(appid)).errcode).toBeUndefined();
    expect((await sim.state(appid)).calls.token).toBe(6);
  });

  it("can be limited to some paths and to other fault kinds", async () => {
    const appid = "wxsimoutage02";
    await sim.registerApp(appid);
    await sim.startOutage(appid, { kind: "http500", paths: ["/cgi-bin/token"] });
    const res = await fetch(classicTokenUrl(appid));
    expect(res.status).toBe(500);
    await res.text();
    expect((await fetchStableToken(appid)).errcode).toBeUndefined();
    await sim.endOutage(appid);
  });

  it("queued one-shot faults go before the outage", async () => {
    const appid = "wxsimoutage03";
    await sim.registerApp(appid);
    await sim.startOutage(appid, { kind: "busy" });
    await sim.queueFault(appid, {
      kind: "errcode",
      errcode: 45009,
      errmsg: "reach max api daily quota limit",
    });
    expect((await fetchClassicToken(appid)).errcode).toBe(45009);
    expect((await fetchClassicToken(appid)).errcode).toBe(-1);
    await sim.endOutage(appid);
  });
});

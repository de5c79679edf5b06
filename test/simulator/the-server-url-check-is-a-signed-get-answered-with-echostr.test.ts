import { describe, expect, it } from "vitest";
import { sim, slowServerUrl } from "../support/simulator.ts";

const TOKEN = "simpushtoken";

async function sha1Hex(...parts: string[]): Promise<string> {
  const text = [...parts].sort().join("");
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the server URL check is a signed GET answered with echostr", () => {
  it("without a url the check is only built: signature = sha1(sort(token, timestamp, nonce)), a numeric echostr", async () => {
    const appid = "wxsimpushverify0001";
    await sim.registerApp(appid);
    await sim.setPush(appid, { token: TOKEN });
    const check = await sim.verifyPushUrl(appid);
    expect(Object.keys(check.query).sort()).toEqual(["echostr", "nonce", "signature", "timestamp"]);
    expect(check.query.signature).toBe(await sha1Hex(TOKEN, check.query.timestamp, check.query.nonce));
    expect(check.echostr).toMatch(/^\d+$/);
    expect(check.query.echostr).toBe(check.echostr);
    expect(check).toMatchObject({ url: null, delivered: null, verified: null });
  });

  it("a server that answers echostr passes, one that answers anything else fails", async () => {
    const appid = "wxsimpushverify0002";
    await sim.registerApp(appid);
    await sim.setPush(appid, { token: TOKEN, url: slowServerUrl(0, { answer: "4242" }) });
    const passed = await sim.verifyPushUrl(appid, { echostr: "4242" });
    expect(passed.verified).toBe(true);
    expect(passed.delivered).toEqual({ status: 200, body: "4242", ms: expect.any(Number) });
    expect((await sim.verifyPushUrl(appid, { echostr: "4343" })).verified).toBe(false);
    const elsewhere = await sim.verifyPushUrl(appid, { url: slowServerUrl(0, { status: 401, answer: "" }) });
    expect(elsewhere.verified).toBe(false);
    expect(elsewhere.delivered?.status).toBe(401);
  });
});

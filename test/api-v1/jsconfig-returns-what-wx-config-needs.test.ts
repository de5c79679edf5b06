import { describe, expect, it } from "vitest";
import { jsSdkSignature } from "../../src/wechat/jssdk.ts";
import { call, type Envelope, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// SPEC §6 GET /JSConfig?url=: {noncestr, timestamp, signature, appKey, appId, jsApiList}, signed
// over the cached jsapi_ticket and the URL without its fragment.

type JsConfig = {
  noncestr: string;
  timestamp: number;
  signature: string;
  appKey: string;
  appId: string;
  jsApiList: string[];
};

function jsConfigPath(appKey: string, url: string, jsApiList?: string): string {
  const query = new URLSearchParams({ url, ...(jsApiList ? { jsApiList } : {}) });
  return `/Wechat/${appKey}/JSConfig?${query}`;
}

describe("GET /Wechat/{appKey}/JSConfig", () => {
  it("signs the page URL without its fragment with WeChat's current ticket", async () => {
    const app = await registerApp("jsconfig-sign", "wxjsconfig000001", { type: "officialaccount" });
    const page = "https://shop.example.com/cart?from=menu&x=1";
    const before = Math.floor(Date.now() / 1000);
    const answer = await call<Envelope<JsConfig>>(
      "GET",
      jsConfigPath(app.appKey, `${page}#/checkout`, "chooseImage,scanQRCode"),
      {
        token: app.apiKey,
      },
    );
    expect(answer.status).toBe(200);
    const data = answer.body.data;
    expect(data).toEqual({
      noncestr: expect.stringMatching(/^[A-Za-z0-9]{16}$/),
      timestamp: expect.any(Number),
      signature: expect.stringMatching(/^[0-9a-f]{40}$/),
      appKey: "jsconfig-sign",
      appId: "wxjsconfig000001",
      jsApiList: ["chooseImage", "scanQRCode"],
    });
    expect(data.timestamp).toBeGreaterThanOrEqual(before);
    expect(data.timestamp).toBeLessThanOrEqual(before + 5);

    const ticket = (await sim.state(app.appId)).ticket?.ticket;
    expect(ticket).toBeTruthy();
    const expected = await jsSdkSignature({
      ticket: ticket!,
      noncestr: data.noncestr,
      timestamp: data.timestamp,
      url: page,
    });
    expect(data.signature).toBe(expected);
  });

  it("reuses the cached ticket with a fresh nonce each time", async () => {
    const app = await registerApp("jsconfig-cache", "wxjsconfig000002", { type: "officialaccount" });
    const first = await call<Envelope<JsConfig>>("GET", jsConfigPath(app.appKey, "https://a.example.com/"), {
      token: app.apiKey,
    });
    const second = await call<Envelope<JsConfig>>("GET", jsConfigPath(app.appKey, "https://a.example.com/"), {
      token: app.apiKey,
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.data.noncestr).not.toBe(first.body.data.noncestr);
    expect(first.body.data.jsApiList).toEqual([]);
    expect((await sim.state(app.appId)).calls.ticket).toBe(1);
  });

  it.each([
    ["url", ""],
    ["url", "ftp://files.example.com/"],
    ["url", "/relative/page"],
  ])("refuses a bad %s (%s)", async (field, url) => {
    const app = await registerApp(
      `jsconfig-bad-${url.length}`,
      `wxjsconfigbad${String(url.length).padStart(3, "0")}`,
      {
        type: "officialaccount",
      },
    );
    const answer = await call("GET", jsConfigPath(app.appKey, url), { token: app.apiKey });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 400,
      data: null,
      error: expect.stringMatching(new RegExp(`^${field}: `)),
    });
    expect((await sim.state(app.appId)).calls.ticket).toBe(0);
  });

  it("refuses a malformed jsApiList", async () => {
    const app = await registerApp("jsconfig-bad-list", "wxjsconfig000003", { type: "officialaccount" });
    const answer = await call("GET", jsConfigPath(app.appKey, "https://a.example.com/", "a,,b"), {
      token: app.apiKey,
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: expect.stringMatching(/^jsApiList: /) });
  });
});

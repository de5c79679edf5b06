import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { sdkClassicToken, viaProxy, viaProxyJson } from "./proxy-client.ts";

// Issue 5: every other path is forwarded with the keeper's token in the query, body and content
// type as they came, WeChat's answer as it came; callers prove themselves with an API key or a
// token this gateway handed out, else WeChat's 40001 shape without reaching WeChat.

const OPENID = "oProxyUser000000000000000001";

describe("forwarding", () => {
  it("a JSON POST reaches WeChat as sent, with the keeper's token, and WeChat's answer comes back as it is", async () => {
    const app = await registerApp("proxy-forward", "wxproxyfwd000001");
    await sim.putUser(app.appId, OPENID);
    await sim.authorize(app.appId, OPENID, { template_id: "tmpl-order-shipped" });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const body = `{"touser":"${OPENID}","template_id":"tmpl-order-shipped","data":{"thing1":{"value":"Shipped"},"character_string2":{"value":"SF1"},"time3":{"value":"2026-11-21 10:00"}},"future":12345678901234567891}`;
    const response = await viaProxy(app, "/cgi-bin/message/subscribe/send", {
      query: { access_token: token },
      body,
      headers: { "Content-Type": "application/json", Authorization: "Basic c2hvdWxkLW5vdC1sZWFr" },
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^\{"errcode":0,"errmsg":"ok","msgid":\d{19}\}$/);
    const sent = (await sim.requests(app.appId)).find((r) => r.path === "/cgi-bin/message/subscribe/send")!;
    expect(sent).toMatchObject({ accessTokenInQuery: true, bodyHasAccessToken: false, bodyText: body });
    expect(sent.contentType).toMatch(/^application\/json/);
  });

  it("an API key is enough; the caller's access_token is replaced by the current one", async () => {
    const app = await registerApp("proxy-apikey", "wxproxyfwd000002");
    await sim.putUser(app.appId, OPENID);
    const byKey = await viaProxyJson(app, "/cgi-bin/user/info", {
      query: { openid: OPENID },
      headers: { Authorization: `Bearer ${app.apiKey}` },
    });
    expect(byKey.body).toMatchObject({ subscribe: 1, openid: OPENID });
    const stale = await viaProxyJson(app, "/cgi-bin/user/info", {
      query: { openid: OPENID, access_token: "some-old-token" },
      headers: { Authorization: `Bearer ${app.apiKey}` },
    });
    expect(stale.body).toMatchObject({ openid: OPENID });
  });

  it("a token the gateway did not issue, or none at all, gets WeChat's 40001 and WeChat sees nothing", async () => {
    const app = await registerApp("proxy-refuse", "wxproxyfwd000003");
    await getToken(app);
    const before = (await sim.state(app.appId)).calls.business;
    for (const query of [{}, { access_token: "forged-token" }] as Record<string, string>[]) {
      const answer = await viaProxyJson(app, "/cgi-bin/get_api_domain_ip", { query });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        errcode: 40001,
        errmsg: expect.stringMatching(/^invalid credential/),
      });
    }
    const wrongKey = await viaProxyJson(app, "/cgi-bin/get_api_domain_ip", {
      headers: {
        Authorization:
          "Bearer wgk_0000000000000000_0000000000000000000000000000000000000000000000000000000000000000",
      },
    });
    expect(wrongKey.body).toMatchObject({ errcode: 40001 });
    expect((await sim.state(app.appId)).calls.business).toBe(before);
  });

  it("the just-replaced token is still accepted while WeChat's grace lasts", async () => {
    const app = await registerApp("proxy-previous", "wxproxyfwd000004", { tokenMode: "classic" });
    const old = (await getToken(app)).body.data.access_token;
    const forced = await admin("POST", `/apps/${app.appKey}/token/refresh`);
    expect(forced.status).toBe(200);
    const answer = await viaProxyJson(app, "/cgi-bin/get_api_domain_ip", { query: { access_token: old } });
    expect(answer.body).toMatchObject({ ip_list: expect.any(Array) });
  });

  it("the jsapi ticket is answered from the keeper's cache", async () => {
    const app = await registerApp("proxy-ticket", "wxproxyfwd000005", { type: "officialaccount" });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const first = await viaProxyJson(app, "/cgi-bin/ticket/getticket", {
      query: { access_token: token, type: "jsapi" },
    });
    const second = await viaProxyJson(app, "/cgi-bin/ticket/getticket", {
      query: { access_token: token, type: "jsapi" },
    });
    expect(first.body).toEqual({
      errcode: 0,
      errmsg: "ok",
      ticket: expect.any(String),
      expires_in: expect.any(Number),
    });
    expect(second.body.ticket).toBe(first.body.ticket);
    expect((await sim.state(app.appId)).calls.ticket).toBe(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("an image answer streams back byte for byte with WeChat's content type", async () => {
    const app = await registerApp("proxy-image", "wxproxyfwd000006");
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const body = JSON.stringify({ scene: "proxy=1", width: 1280, is_hyaline: true });
    const viaGateway = await viaProxy(app, "/wxa/getwxacodeunlimit", {
      query: { access_token: token },
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect(viaGateway.headers.get("content-type")).toBe("image/png");
    const direct = await fetch(
      `${(await import("../support/simulator.ts")).SIM_BASE}/wxa/getwxacodeunlimit?access_token=${token}`,
      {
        method: "POST",
        body,
      },
    );
    const digest = async (r: Response) =>
      [...new Uint8Array(await crypto.subtle.digest("SHA-256", await r.arrayBuffer()))].join(",");
    expect(await digest(viaGateway)).toBe(await digest(direct));
  });
});

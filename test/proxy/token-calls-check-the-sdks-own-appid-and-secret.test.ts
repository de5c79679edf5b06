import { describe, expect, it } from "vitest";
import { registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";
import { sdkClassicToken, sdkStableToken, viaProxyJson } from "./proxy-client.ts";

// Issue 5: the token paths need the app's own appid and secret (compared in constant time) or an
// API key; anything else gets WeChat's own error shape and never reaches WeChat.

describe("proxy token-call credentials", () => {
  it("a wrong secret is WeChat's 40125, a wrong appid 40013, a wrong grant_type 40002", async () => {
    const app = await registerApp("proxy-creds", "wxproxycreds0001");
    expect((await sdkClassicToken(app, "not-the-secret")).body).toMatchObject({ errcode: 40125 });
    expect((await sdkStableToken(app, true, "not-the-secret")).body).toMatchObject({ errcode: 40125 });
    const otherAppid = await viaProxyJson(app, "/cgi-bin/token", {
      query: { grant_type: "client_credential", appid: "wxsomebodyelse01", secret: "x" },
    });
    expect(otherAppid.body).toMatchObject({ errcode: 40013 });
    const noGrant = await viaProxyJson(app, "/cgi-bin/token", { query: { appid: app.appId, secret: "x" } });
    expect(noGrant.body).toMatchObject({ errcode: 40002 });
    const noSecret = await viaProxyJson(app, "/cgi-bin/token", {
      query: { grant_type: "client_credential", appid: app.appId },
    });
    expect(noSecret.body).toMatchObject({ errcode: 41004 });
    const notJson = await viaProxyJson(app, "/cgi-bin/stable_token", {
      body: "{oops",
      headers: { "Content-Type": "application/json" },
    });
    expect(notJson.body).toMatchObject({ errcode: 47001 });
    for (const answer of [otherAppid, noGrant, noSecret]) expect(answer.body.access_token).toBeUndefined();
    expect(await upstreamTokenCalls(app.appId)).toBe(0);
  });

  it("an API key may stand in for the secret", async () => {
    const app = await registerApp("proxy-creds-key", "wxproxycreds0002");
    const answer = await viaProxyJson(app, "/cgi-bin/token", {
      query: { grant_type: "client_credential", appid: app.appId },
      headers: { Authorization: `Bearer ${app.apiKey}` },
    });
    expect(answer.body).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number) });
  });

  it("a base URL configured with a trailing slash works too", async () => {
    const app = await registerApp("proxy-creds-slash", "wxproxycreds0004");
    const answer = await viaProxyJson(app, "//cgi-bin/token", {
      query: { grant_type: "client_credential", appid: app.appId, secret: SECRET },
    });
    expect(answer.body).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number) });
  });

  it("an unknown appKey is refused without reaching WeChat", async () => {
    const app = await registerApp("proxy-creds-known", "wxproxycreds0003");
    const answer = await viaProxyJson({ ...app, appKey: "proxy-nobody" }, "/cgi-bin/token", {
      query: { grant_type: "client_credential", appid: app.appId, secret: "x" },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ errcode: 40013 });
  });
});

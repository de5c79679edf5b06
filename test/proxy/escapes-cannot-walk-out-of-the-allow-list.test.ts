import { describe, expect, it } from "vitest";
import { admin, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { expectOnlyUnder, receivedBy, receivedSince } from "./paths-at-wechat.ts";
import { sdkClassicToken, viaProxyJson } from "./proxy-client.ts";

// Issue 12 §2: the URL parser fetch() uses drops tab, CR and LF and then resolves "..", so a path
// decided on after decoding could pass the allow-list and reach another API. Such paths are refused
// before anything else, and nothing outside the allowed prefix reaches WeChat.

const ALLOWED = "/cgi-bin/message/";

const ESCAPES = [
  "/cgi-bin/message/.%0A./user/info",
  "/cgi-bin/message/.%0a./.%0a./wxa/generate_urllink",
  "/cgi-bin/message/.%09./user/info",
  "/cgi-bin/message/.%0D./user/info",
  "/cgi-bin/message/%0A../user/info",
  "/cgi-bin/message/..%0A/user/info",
  "/cgi-bin/message/%2e%0a%2e/user/info",
  "/cgi-bin/message/.%00./user/info",
  "/cgi-bin/message/.%7F./user/info",
  "/cgi-bin/message/..%5Cuser/info",
  "/cgi-bin/message/%5C..%5Cuser/info",
  "/cgi-bin/message/..%2Fuser/info",
  "/cgi-bin/message/%2e%2e%2fuser/info",
  "/cgi-bin/message/.%2e%2F.%2e%2Fcgi-bin/user/info",
  "/cgi-bin/message/%252e%252e/user/info",
  "/cgi-bin/message/...%0A/user/info",
];

describe("the allow-list is judged on the path WeChat sees", () => {
  it("control characters, backslashes, encoded slashes and dot segments are refused, unforwarded", async () => {
    const app = await registerApp("proxy-escape-allow", "wxproxyescape001");
    await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, proxy: { allowedPrefixes: [ALLOWED] } });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const before = await receivedBy(app.appId);

    for (const path of ESCAPES) {
      for (const method of ["GET", "POST"]) {
        const answer = await viaProxyJson(app, path, {
          method,
          query: { access_token: token, openid: "oUserEscape" },
          ...(method === "POST" ? { body: "{}", headers: { "Content-Type": "application/json" } } : {}),
        });
        expect(answer.status, `${method} ${path}`).toBe(400);
        expect(answer.body, `${method} ${path}`).toMatchObject({
          errcode: 48001,
          errmsg: expect.stringContaining("gateway"),
        });
      }
    }

    const state = await sim.state(app.appId);
    expect(state.calls.business).toBe(0);
    expectOnlyUnder(ALLOWED, receivedSince(before, await receivedBy(app.appId)), "escape");
  });

  it("with the API key as the credential too", async () => {
    const app = await registerApp("proxy-escape-key", "wxproxyescape002");
    await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, proxy: { allowedPrefixes: [ALLOWED] } });
    for (const path of ESCAPES) {
      const answer = await viaProxyJson(app, path, { headers: { Authorization: `Bearer ${app.apiKey}` } });
      expect(answer.body, path).toMatchObject({ errcode: 48001 });
    }
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });

  it("an allowed path in a plain spelling still goes through", async () => {
    const app = await registerApp("proxy-escape-plain", "wxproxyescape003");
    await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, proxy: { allowedPrefixes: [ALLOWED] } });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const answer = await viaProxyJson(app, "/cgi-bin/message/subscribe/send", {
      query: { access_token: token },
      body: JSON.stringify({ touser: "oNobody", template_id: "none", data: {} }),
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(200);
    expect((await sim.state(app.appId)).calls.byPath["/cgi-bin/message/subscribe/send"]).toBe(1);
  });
});

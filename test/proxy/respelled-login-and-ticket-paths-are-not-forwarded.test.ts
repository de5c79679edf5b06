import { describe, expect, it } from "vitest";
import { registerApp } from "../support/gateway.ts";
import { SECRET, sim } from "../support/simulator.ts";
import { leniently, pathOf, receivedBy, receivedSince } from "./paths-at-wechat.ts";
import { viaProxyJson } from "./proxy-client.ts";

// Issue 12 §2: like the token paths, the jsapi ticket (served from the keeper's cache) and the SDK
// login (made by the keeper with the stored secret) are answered by the gateway. A respelling of
// either must not slip past that and reach WeChat as a plain forwarded call.

describe("respelled login and ticket paths", () => {
  it("never fetch a jsapi ticket behind the keeper's back", async () => {
    const app = await registerApp("proxy-ticket-spell", "wxproxyticketsp1");
    const key = { Authorization: `Bearer ${app.apiKey}` };
    const cached = await viaProxyJson(app, "/cgi-bin/ticket/getticket", {
      query: { type: "jsapi" },
      headers: key,
    });
    expect(cached.body).toMatchObject({ errcode: 0, ticket: expect.any(String) });
    const ticketCalls = (await sim.state(app.appId)).calls.ticket;

    const respellings: [method: string, pathAndQuery: string][] = [
      ["GET", "/cgi-bin/ticket/GETTICKET?type=jsapi"],
      ["GET", "/CGI-BIN/ticket/getticket?type=jsapi"],
      ["GET", "/cgi-bin/ticket/getticket/?type=jsapi"],
      ["GET", "/cgi-bin/ticket/get%0Aticket?type=jsapi"],
      ["GET", "/cgi-bin/ticket/getticket?type=wx_card&type=jsapi"],
      ["GET", "/cgi-bin/ticket/getticket?type=jsapi&type=wx_card"],
      ["GET", "/cgi-bin/ticket/getticket?type=%20jsapi"],
      ["GET", "/cgi-bin/ticket/getticket?type=jsapi%00"],
      ["POST", "/cgi-bin/ticket/getticket?type=jsapi"],
      ["PUT", "/cgi-bin/ticket/getticket"],
    ];
    for (const [method, pathAndQuery] of respellings) {
      const [path = "", search = ""] = pathAndQuery.split("?");
      const answer = await viaProxyJson(app, `${path}?${search}`, {
        method,
        headers: key,
        ...(method === "GET" ? {} : { body: "{}" }),
      });
      expect(answer.status, pathAndQuery).toBeLessThan(500);
      // Either the cached ticket or a refusal; never WeChat's own answer.
      if (answer.body.errcode === 0) expect(answer.body.ticket, pathAndQuery).toBe(cached.body.ticket);
    }
    expect((await sim.state(app.appId)).calls.ticket).toBe(ticketCalls);
  });

  it("never forward an SDK login past the keeper", async () => {
    const app = await registerApp("proxy-login-spell", "wxproxyloginsp01");
    const key = { Authorization: `Bearer ${app.apiKey}` };
    const login = async (method: string, path: string) => {
      const code = await sim.loginCode(app.appId);
      return viaProxyJson(app, path, {
        method,
        headers: key,
        query: { appid: app.appId, secret: SECRET, js_code: code.code, grant_type: "authorization_code" },
        ...(method === "GET" ? {} : { body: "{}" }),
      });
    };
    const before = await receivedBy(app.appId);
    for (const [method, path] of [
      ["GET", "/sns/JSCODE2SESSION"],
      ["GET", "/SNS/jscode2session"],
      ["GET", "/sns/jscode2session/"],
      ["GET", "/sns/jscode2session/x"],
      ["GET", "/sns/jscode%0A2session"],
      ["GET", "/sns/x/.%0A./jscode2session"],
      ["POST", "/sns/jscode2session"],
      ["DELETE", "/sns/jscode2session"],
    ] as const) {
      const answer = await login(method, path);
      expect(answer.status, `${method} ${path}`).toBeLessThan(500);
      expect(answer.body.errcode, `${method} ${path}`).toEqual(expect.any(Number));
    }
    const reached = receivedSince(before, await receivedBy(app.appId));
    expect(reached.filter((request) => leniently(pathOf(request)).startsWith("/sns/jscode2session"))).toEqual(
      [],
    );

    // The plain spelling is the keeper's own call, with the stored secret.
    expect((await login("GET", "/sns/jscode2session")).body).toMatchObject({ openid: expect.any(String) });
  });
});

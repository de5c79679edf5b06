import { describe, expect, it } from "vitest";
import { registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { sdkClassicToken, viaProxy } from "./proxy-client.ts";

// Issue 5: on 40001/40014/42001 the proxy compare-and-refreshes and repeats the request once,
// body included.

describe("proxy recovery", () => {
  it("a POST meets a dead token, the keeper refreshes once, the same body is sent again", async () => {
    const app = await registerApp("proxy-recover", "wxproxyrecover01");
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const tokenCalls = await upstreamTokenCalls(app.appId);
    await sim.invalidate(app.appId);
    const body = JSON.stringify({ path: "pages/index/index", query: "from=proxy" });
    const response = await viaProxy(app, "/wxa/generate_urllink", {
      query: { access_token: token },
      body,
      headers: { "Content-Type": "application/json", "Content-Length": String(body.length) },
    });
    expect(await response.json()).toMatchObject({
      errcode: 0,
      url_link: expect.stringMatching(/^https:\/\//),
    });
    expect(await upstreamTokenCalls(app.appId)).toBe(tokenCalls + 1);
    const sent = (await sim.requests(app.appId)).filter((r) => r.path === "/wxa/generate_urllink");
    expect(sent.map((r) => r.bodyText)).toEqual([body, body]);
  });

  it("WeChat refusing the new token too: its 40001 comes back after one retry", async () => {
    const app = await registerApp("proxy-recover-loop", "wxproxyrecover02", { tokenMode: "classic" });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 40001,
      times: 5,
      paths: ["/cgi-bin/get_api_domain_ip"],
    });
    const response = await viaProxy(app, "/cgi-bin/get_api_domain_ip", { query: { access_token: token } });
    expect(await response.json()).toMatchObject({ errcode: 40001 });
    expect((await sim.state(app.appId)).calls.byPath["/cgi-bin/get_api_domain_ip"]).toBe(2);
  });
});

import { describe, expect, it } from "vitest";
import { appWithToken, businessUrl, jscode2session, sim } from "../support/simulator.ts";

describe("the request log shows where the token went and what the body carried", () => {
  it("records method, path, query without the token, body, Content-Type and whether the token was in the query", async () => {
    const appid = "wxsimrlog0000001";
    const token = await appWithToken(appid);
    const body = JSON.stringify({ path: "pages/index/index", some_future_field: { nested: [1, 2] } });
    await fetch(businessUrl("/wxa/generate_urllink", token, { extra: "1" }), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
    });
    const [logged] = await sim.requests(appid);
    expect(logged).toEqual({
      at: expect.any(Number),
      method: "POST",
      path: "/wxa/generate_urllink",
      query: { extra: "1" },
      accessTokenInQuery: true,
      bodyText: body,
      bodyLength: body.length,
      bodyHasAccessToken: false,
      contentType: "application/json",
    });
  });

  it("flags a token put in the body", async () => {
    const appid = "wxsimrlog0000002";
    const token = await appWithToken(appid);
    await fetch(businessUrl("/wxa/msg_sec_check", token), {
      method: "POST",
      body: JSON.stringify({ access_token: token, content: "hi" }),
    });
    const requests = await sim.requests(appid);
    expect(requests.at(-1)?.bodyHasAccessToken).toBe(true);
  });

  it("keeps the last 50 business requests, counts calls per path, and never shows a secret", async () => {
    const appid = "wxsimrlog0000003";
    const token = await appWithToken(appid);
    for (let i = 0; i < 52; i++)
      await (await fetch(businessUrl("/cgi-bin/get_api_domain_ip", token, { i: `${i}` }))).text();
    await jscode2session(appid, "0someCodeThatWasNeverIssued0000");
    const state = await sim.state(appid);
    expect(state.requests).toHaveLength(50);
    expect(state.requests[0]?.query.i).toBe("3");
    const login = state.requests.at(-1);
    expect(login?.path).toBe("/sns/jscode2session");
    expect(login?.query.secret).toBe("<redacted>");
    expect(login?.accessTokenInQuery).toBe(false);
    expect(state.calls.byPath).toMatchObject({
      "/cgi-bin/token": 1,
      "/cgi-bin/get_api_domain_ip": 52,
      "/sns/jscode2session": 1,
    });
    // Token calls are counted but not logged.
    expect(state.requests.some((r) => r.path === "/cgi-bin/token")).toBe(false);
  });
});

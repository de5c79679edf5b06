import { describe, expect, it } from "vitest";
import { admin, registerApp } from "../support/gateway.ts";
import { SECRET, sim } from "../support/simulator.ts";
import { sdkClassicToken, viaProxyJson } from "./proxy-client.ts";

// Issue 5: a per-app allow-list of upstream path prefixes (default /cgi-bin/, /wxa/, /sns/),
// configurable in the admin API; /sns/jscode2session gets the app's appid and secret injected.

describe("proxy allow-list", () => {
  it("paths outside the default families are refused with 48001 and never forwarded", async () => {
    const app = await registerApp("proxy-allow", "wxproxyallow0001");
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const answer = await viaProxyJson(app, "/merchant/category/getall", { query: { access_token: token } });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ errcode: 48001 });
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });

  it("an admin narrows the list; the record shows it", async () => {
    const app = await registerApp("proxy-allow-narrow", "wxproxyallow0002");
    const put = await admin<{ proxy: { allowedPrefixes: string[] } }>("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      proxy: { allowedPrefixes: ["/cgi-bin/get_api_domain_ip"] },
    });
    expect(put.body.data.proxy).toEqual({ allowedPrefixes: ["/cgi-bin/get_api_domain_ip"] });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    expect(
      (await viaProxyJson(app, "/cgi-bin/get_api_domain_ip", { query: { access_token: token } })).body,
    ).toMatchObject({
      ip_list: expect.any(Array),
    });
    const refused = await viaProxyJson(app, "/wxa/generate_urllink", {
      query: { access_token: token },
      body: "{}",
    });
    expect(refused.body).toMatchObject({ errcode: 48001 });
    const bad = await admin("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      proxy: { allowedPrefixes: ["cgi-bin"] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: expect.stringMatching(/^proxy\.allowedPrefixes\.0: /) });
  });

  it("an SDK login is made by the keeper, for a caller that proves it is the app's server", async () => {
    const app = await registerApp("proxy-login", "wxproxylogin0001");
    const login = async (query: Record<string, string>) => {
      const code = await sim.loginCode(app.appId, { unionid: "oUnionProxyLogin000000000001" });
      const answer = await viaProxyJson(app, "/sns/jscode2session", {
        query: { appid: app.appId, js_code: code.code, grant_type: "authorization_code", ...query },
      });
      return { answer: answer.body, code };
    };
    const withSecret = await login({ secret: SECRET });
    expect(withSecret.answer).toEqual({
      openid: withSecret.code.openid,
      session_key: withSecret.code.session_key,
      unionid: "oUnionProxyLogin000000000001",
    });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    expect((await login({ access_token: token })).answer).toMatchObject({ openid: expect.any(String) });

    // The answer holds the user's session_key: the public appid alone is not enough.
    expect((await login({})).answer).toMatchObject({ errcode: 40125 });
    expect((await login({ secret: "guessed" })).answer).toMatchObject({ errcode: 40125 });
    expect((await login({ appid: "wxsomeoneelse0001", secret: SECRET })).answer).toMatchObject({
      errcode: 40013,
    });
  });

  it("encoded slashes and dot segments cannot walk out of an allowed prefix", async () => {
    const app = await registerApp("proxy-allow-escape", "wxproxyallow0003");
    await admin("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      proxy: { allowedPrefixes: ["/cgi-bin/message/"] },
    });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    for (const path of [
      "/cgi-bin/message/..%2Fuser/info",
      "/cgi-bin/message/%2e%2e/user/info",
      "/cgi-bin/message/..%5Cuser",
    ]) {
      const answer = await viaProxyJson(app, path, { query: { access_token: token } });
      expect(answer.body, path).toMatchObject({ errcode: 48001 });
    }
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { type RegisteredApp, registerApp } from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";
import {
  couldBeTokenPath,
  pathOf,
  receivedBy,
  receivedSince,
  tokenAndTicketCalls,
} from "./paths-at-wechat.ts";
import { sdkClassicToken, viaProxyJson } from "./proxy-client.ts";

// Issue 12 §2: GET /cgi-bin/token and POST /cgi-bin/stable_token are answered from the keeper; any
// other spelling or method of them used to be forwarded, and WeChat then minted a token behind the
// keeper's back. No spelling of the two paths reaches WeChat, whatever the method and credential.

const RESPELLINGS: [method: string, path: string][] = [
  ["GET", "/cgi-bin/to%0Aken"],
  ["GET", "/cgi-bin/to%09ken"],
  ["GET", "/cgi-bin/to%0Dken"],
  ["GET", "/cgi-bin/token%00"],
  ["GET", "/cgi-bin/TOKEN"],
  ["GET", "/CGI-BIN/token"],
  ["GET", "/cgi-bin/Token/"],
  ["GET", "/cgi-bin/token/"],
  ["GET", "/cgi-bin/token/x"],
  ["GET", "/cgi-bin/token;x"],
  ["GET", "/cgi-bin/token%3B"],
  ["GET", "/cgi-bin/token."],
  ["GET", "/cgi-bin/message/.%0A./token"],
  ["GET", "/cgi-bin/x/..%2Ftoken"],
  ["GET", "/cgi-bin/%5Ctoken"],
  ["POST", "/cgi-bin/token"],
  ["PUT", "/cgi-bin/token"],
  ["DELETE", "/cgi-bin/token"],
  ["PATCH", "/cgi-bin/token"],
  ["GET", "/cgi-bin/stable_token"],
  ["PUT", "/cgi-bin/stable_token"],
  ["POST", "/cgi-bin/Stable_Token"],
  ["POST", "/cgi-bin/stable_token/"],
  ["POST", "/cgi-bin/stable_to%0Aken"],
  ["POST", "/cgi-bin/message/.%0A./stable_token"],
];

async function primedApp(appKey: string, appId: string): Promise<RegisteredApp> {
  const app = await registerApp(appKey, appId);
  // The keeper's own first token call; after it, no request below may cause another.
  expect((await sdkClassicToken(app)).body.access_token).toEqual(expect.any(String));
  return app;
}

async function tryAll(app: RegisteredApp, credentials: Record<string, string>) {
  const body = JSON.stringify({
    grant_type: "client_credential",
    appid: app.appId,
    secret: SECRET,
    force_refresh: true,
  });
  for (const [method, path] of RESPELLINGS) {
    const answer = await viaProxyJson(app, path, {
      method,
      query: { grant_type: "client_credential", appid: app.appId, secret: SECRET, force_refresh: "true" },
      headers: { "Content-Type": "application/json", ...credentials },
      ...(method === "GET" ? {} : { body }),
    });
    expect(answer.status, `${method} ${path}`).toBeLessThan(500);
    expect(answer.body.errcode, `${method} ${path}`).toEqual(expect.any(Number));
    expect(answer.body.errcode, `${method} ${path}`).not.toBe(0);
  }
}

describe("no spelling of a token path is forwarded", () => {
  it("with the app's appid and secret", async () => {
    const app = await primedApp("proxy-token-spell", "wxproxytokensp01");
    const calls = await tokenAndTicketCalls(app.appId);
    const before = await receivedBy(app.appId);
    await tryAll(app, {});
    expect(await tokenAndTicketCalls(app.appId)).toBe(calls);
    const reached = receivedSince(before, await receivedBy(app.appId));
    expect(reached.filter((request) => couldBeTokenPath(pathOf(request)))).toEqual([]);
  });

  it("with an API key, or a token the gateway issued", async () => {
    const app = await primedApp("proxy-token-spell-key", "wxproxytokensp02");
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const calls = await tokenAndTicketCalls(app.appId);
    const before = await receivedBy(app.appId);
    await tryAll(app, { Authorization: `Bearer ${app.apiKey}` });
    for (const [method, path] of RESPELLINGS) {
      const answer = await viaProxyJson(app, path, { method, query: { access_token: token } });
      expect(answer.status, `${method} ${path}`).toBeLessThan(500);
    }
    expect(await tokenAndTicketCalls(app.appId)).toBe(calls);
    const reached = receivedSince(before, await receivedBy(app.appId));
    expect(reached.filter((request) => couldBeTokenPath(pathOf(request)))).toEqual([]);
  });

  it("spellings that mean the exact token path are answered from the keeper", async () => {
    const app = await primedApp("proxy-token-spell-same", "wxproxytokensp03");
    const calls = await tokenAndTicketCalls(app.appId);
    const token = (await sdkClassicToken(app)).body.access_token;
    const query = { grant_type: "client_credential", appid: app.appId, secret: SECRET };
    for (const path of [
      "//cgi-bin/token",
      "/cgi-bin//token",
      "/cgi-bin/./token",
      "/cgi-bin/x/../token",
      "/cgi-bin/%74oken",
      "/cgi-bin/%74%6F%6B%65%6E",
      "/cgi%2Dbin/token",
    ]) {
      const answer = await viaProxyJson(app, path, { query });
      expect(answer.body, path).toMatchObject({ access_token: token });
    }
    for (const path of ["/cgi-bin/stable%5Ftoken", "/cgi-bin/%73table_token", "/cgi-bin//stable_token"]) {
      const answer = await viaProxyJson(app, path, {
        body: JSON.stringify({ ...query, force_refresh: true }),
        headers: { "Content-Type": "application/json" },
      });
      expect(answer.body, path).toMatchObject({ access_token: token });
    }
    expect(await tokenAndTicketCalls(app.appId)).toBe(calls);
  });
});

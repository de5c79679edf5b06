// `npm run test:sdk`: a real, unmodified WeChat SDK (co-wechat-api) against the transparent proxy
// (SPEC §8). Starts the simulator and the gateway with plain `wrangler dev`, registers an official
// account, then points two independent SDK instances (two "business servers", each with its own
// in-memory token cache) at `${gateway}/proxy/${appKey}` by setting nothing but their URL prefixes.
// However often they fetch tokens, WeChat must see one token call; after the token is invalidated
// behind the gateway's back, a business call must still succeed, with exactly one more token call.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import API from "co-wechat-api";
import { startSimulator } from "../sim/server.ts";
import { checklist } from "./checks.ts";
import { startLocalGateway } from "./local-gateway.ts";

const APP = { appKey: "sdk-e2e", appId: "wxsdke2e00000001", appSecret: "sdk-e2e-secret" };
const USER = { openid: "oSdkE2eUser000000000000001", unionid: "oUnionSdkE2e000000000000001" };
const stateDir = mkdtempSync(join(tmpdir(), "gateway-sdk-e2e-"));
const simulator = await startSimulator({ port: 0, quiet: true });
simulator.simulator.registerApp({ appid: APP.appId, secret: APP.appSecret });
const gateway = await startLocalGateway({
  port: 8000 + Math.floor(Math.random() * 1000),
  wechatApiBase: simulator.url,
  adminToken: "sdk-e2e-admin",
  persistTo: stateDir,
  quiet: true,
});

const { check, finish } = checklist("sdk-e2e");

/** Runs one SDK call; a throw (WeChat errcode, HTTP status, network) is a failed check, not a crash. */
async function attempt<T>(name: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const e = error as { name?: string; code?: unknown; message?: string };
    check(`${name} did not throw`, false, { name: e.name, code: e.code, message: e.message });
    return undefined;
  }
}

type SimCalls = { token: number; stableNormal: number; stableForce: number; ticket: number };
async function simCalls(): Promise<SimCalls & { upstreamToken: number }> {
  const state = (await (await fetch(`${simulator.url}/__sim/apps/${APP.appId}`)).json()) as {
    calls: SimCalls;
  };
  const { token, stableNormal, stableForce, ticket } = state.calls;
  return { token, stableNormal, stableForce, ticket, upstreamToken: token + stableNormal + stableForce };
}

/** An SDK instance as a business server would create it, with only its API host changed. */
function sdk(): API {
  const api = new API(APP.appId, APP.appSecret);
  const base = `${gateway.url}/proxy/${APP.appKey}`;
  api.prefix = `${base}/cgi-bin/`;
  api.snsPrefix = `${base}/sns/`;
  api.wxaPrefix = `${base}/wxa/`;
  return api;
}

const summary: Record<string, unknown> = {};
try {
  const put = await gateway.admin("PUT", `/apps/${APP.appKey}`, {
    appId: APP.appId,
    appSecret: APP.appSecret,
    type: "officialaccount",
  });
  check("register official account → 201", put.status === 201, put.body);
  const user = await fetch(`${simulator.url}/__sim/apps/${APP.appId}/users/${USER.openid}`, {
    method: "PUT",
    body: JSON.stringify({ unionid: USER.unionid }),
  });
  check("simulator: follower created", user.ok, await user.text());

  const serverA = sdk();
  const serverB = sdk();
  check(
    "two SDK instances aimed at the proxy",
    serverA !== serverB &&
      serverA.prefix.startsWith(`${gateway.url}/proxy/`) &&
      serverA.prefix.endsWith("/cgi-bin/"),
    { prefix: serverA.prefix },
  );

  // 1. Each "server" refreshes as often as it likes: GET {prefix}token?grant_type=client_credential&appid&secret.
  const tokens: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [name, api] of [
      ["A", serverA],
      ["B", serverB],
    ] as const) {
      const token = await attempt(`getAccessToken (${name}, round ${round + 1})`, () => api.getAccessToken());
      if (token) {
        tokens.push(token.accessToken);
        if (round === 0)
          check(
            `getAccessToken (${name}) → a token with a future expiry`,
            typeof token.accessToken === "string" &&
              token.accessToken.length > 0 &&
              token.expireTime > Date.now() + 60_000,
            token,
          );
      }
    }
  }
  const burst = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      attempt(`concurrent getAccessToken #${i + 1}`, () => (i % 2 ? serverA : serverB).getAccessToken()),
    ),
  );
  for (const token of burst) if (token) tokens.push(token.accessToken);
  check("26 getAccessToken calls all answered", tokens.length === 26, { answered: tokens.length });
  check("both instances got one and the same token", new Set(tokens).size === 1, {
    distinct: new Set(tokens).size,
  });
  const firstToken = tokens[0];
  let calls = await simCalls();
  summary.afterTokenCalls = calls;
  check("WeChat saw exactly 1 token call", calls.upstreamToken === 1, calls);

  // 2. Business calls through the SDK with the token it cached: /cgi-bin/user/info and the JS-SDK ticket.
  const info = await attempt("getUser (A)", () => serverA.getUser(USER.openid));
  check(
    "getUser → the follower, with unionid",
    info?.openid === USER.openid && info?.unionid === USER.unionid && info?.subscribe === 1,
    info,
  );
  const ticketA = await attempt("getTicket (A)", () => serverA.getTicket());
  const ticketB = await attempt("getTicket (B)", () => serverB.getTicket("jsapi"));
  check(
    "getTicket → a jsapi ticket with a future expiry",
    typeof ticketA?.ticket === "string" &&
      ticketA.ticket.length > 0 &&
      ticketA.expireTime > Date.now() + 60_000,
    ticketA,
  );
  check("both instances got the same (cached) ticket", ticketA?.ticket === ticketB?.ticket, {
    a: ticketA?.ticket,
    b: ticketB?.ticket,
  });
  calls = await simCalls();
  summary.afterBusinessCalls = calls;
  check("WeChat saw at most 1 ticket call", calls.ticket <= 1, calls);
  check("still exactly 1 token call", calls.upstreamToken === 1, calls);

  // 3. The token dies behind the gateway's back (a leak, a foreign refresh). The SDKs still hold it.
  const invalidated = await fetch(`${simulator.url}/__sim/apps/${APP.appId}/invalidate`, {
    method: "POST",
    body: "{}",
  });
  check("simulator: token invalidated", invalidated.ok, await invalidated.text());
  const again = await attempt("getUser after invalidation (A)", () => serverA.getUser(USER.openid));
  check(
    "getUser after invalidation → still the follower",
    again?.openid === USER.openid && again?.unionid === USER.unionid,
    again,
  );
  calls = await simCalls();
  summary.afterRecovery = calls;
  check("WeChat saw exactly 2 token calls (one recovery)", calls.upstreamToken === 2, calls);

  // The other server still holds the dead token, now the gateway's previous one: it keeps working.
  const fromB = await attempt("getUser after invalidation (B)", () => serverB.getUser(USER.openid));
  check("getUser (B, stale cached token) → the follower", fromB?.openid === USER.openid, fromB);
  const fresh = await Promise.all([
    attempt("getAccessToken after recovery (A)", () => serverA.getAccessToken()),
    attempt("getAccessToken after recovery (B)", () => serverB.getAccessToken()),
  ]);
  check(
    "both instances now get the same new token",
    fresh[0] !== undefined &&
      fresh[0].accessToken === fresh[1]?.accessToken &&
      fresh[0].accessToken !== firstToken,
    { a: fresh[0]?.accessToken.slice(0, 12), b: fresh[1]?.accessToken.slice(0, 12) },
  );
  calls = await simCalls();
  summary.final = calls;
  check("still exactly 2 token calls at the end", calls.upstreamToken === 2, calls);
} finally {
  gateway.stop();
  await simulator.close();
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(`upstream calls: ${JSON.stringify(summary)}`);
finish();

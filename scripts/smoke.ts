// `npm run smoke`: the acceptance path from outside. Starts the simulator and the gateway with
// plain `wrangler dev --port P --var WECHAT_API_BASE:URL --var ADMIN_TOKEN:T` (fresh local
// state, nothing else set up) and drives it only through the public contract.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSimulator } from "../sim/server.ts";
import { checklist } from "./checks.ts";
import { startLocalGateway } from "./local-gateway.ts";

const APP = { appKey: "smoke", appId: "wxsmoke000000001", appSecret: "smoke-secret" };
const stateDir = mkdtempSync(join(tmpdir(), "gateway-smoke-"));
const simulator = await startSimulator({ port: 0, quiet: true });
simulator.simulator.registerApp({ appid: APP.appId, secret: APP.appSecret });
const gateway = await startLocalGateway({
  port: 8000 + Math.floor(Math.random() * 1000),
  wechatApiBase: simulator.url,
  adminToken: "smoke-admin",
  persistTo: stateDir,
  quiet: true,
});

const { check, finish } = checklist("smoke");

try {
  const put = await gateway.admin("PUT", `/apps/${APP.appKey}`, {
    appId: APP.appId,
    appSecret: APP.appSecret,
  });
  check("register app → 201", put.status === 201, put.body);
  check("secret never returned", !JSON.stringify(put.body).includes(APP.appSecret));
  const key = ((await gateway.admin("POST", `/apps/${APP.appKey}/keys`)).body.data as { key: string }).key;

  const read = async () => {
    const response = await fetch(`${gateway.url}/Wechat/${APP.appKey}/AccessToken`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    return { status: response.status, body: (await response.json()) as { data: { access_token: string } } };
  };
  const reads = await Promise.all(Array.from({ length: 50 }, read));
  check(
    "50 concurrent reads → 200",
    reads.every((r) => r.status === 200),
  );
  check("one token for all", new Set(reads.map((r) => r.body.data.access_token)).size === 1);
  const state = (await (await fetch(`${simulator.url}/__sim/apps/${APP.appId}`)).json()) as {
    calls: { stableNormal: number };
  };
  check("one upstream token call", state.calls.stableNormal === 1, state.calls);

  const noKey = await fetch(`${gateway.url}/Wechat/${APP.appKey}/AccessToken`);
  check(
    "no key → 401 envelope",
    noKey.status === 401 && ((await noKey.json()) as { code: number }).code === 401,
  );
  const xml = await fetch(`${gateway.url}/api/v1/Common/WxToken?appid=${APP.appId}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, Accept: "text/xml" },
  });
  check("legacy XML", xml.status === 200 && (await xml.text()).includes("<Status>0</Status>"));

  const code = (await (
    await fetch(`${simulator.url}/__sim/apps/${APP.appId}/login-codes`, { method: "POST", body: "{}" })
  ).json()) as { code: string; session_key: string; openid: string; unionid: string | null };
  const login = await fetch(`${gateway.url}/Wechat/${APP.appKey}/JSCode2Session?js_code=${code.code}`);
  const loginText = await login.text();
  check(
    "JSCode2Session → session token, session_key kept back",
    login.status === 200 && loginText.includes('"wgs_') && !loginText.includes(code.session_key),
    loginText,
  );
  const post = (endpoint: string, body: object) =>
    fetch(`${gateway.url}/Wechat/${APP.appKey}/${endpoint}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const link = await post("UrlLinkGenerate", { path: "pages/index/index" });
  const linkBody = (await link.json()) as { data: string };
  check("UrlLinkGenerate → url_link", link.status === 200 && linkBody.data.startsWith("https://"), linkBody);
  const image = await post("WXACodeGetUnlimited", { scene: "smoke=1" });
  const bytes = new Uint8Array(await image.arrayBuffer());
  check(
    "WXACodeGetUnlimited → JPEG",
    image.status === 200 &&
      image.headers.get("content-type") === "image/jpeg" &&
      bytes[0] === 0xff &&
      bytes[1] === 0xd8,
    { status: image.status, type: image.headers.get("content-type") },
  );
  const refused = await post("UrlLinkGenerate", { path: "pages/not/published" });
  const refusedBody = (await refused.json()) as { errcode?: number };
  check(
    "WeChat's errcode in the envelope",
    refused.status === 400 && refusedBody.errcode === 40165,
    refusedBody,
  );

  // QR-Auth with no QR_SIGNING_JWK: the gateway signs with a key it generated itself.
  const session = JSON.parse(loginText).data as string;
  const initiated = (await (await post("QR-Auth/Initiate", { scopes: "profile" })).json()) as {
    data: number;
  };
  const signInKey = initiated.data;
  const asUser = (endpoint: string, body: object) =>
    fetch(`${gateway.url}/Wechat/${APP.appKey}/QR-Auth/${endpoint}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${session}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const scanned = await asUser("Scan", { signInKey });
  const registered = await asUser("Confirm-Register", { signInKey, unionID: code.unionid ?? code.openid });
  const statusAnswer = await fetch(
    `${gateway.url}/Wechat/${APP.appKey}/QR-Auth/Status?signInKey=${signInKey}`,
    {
      headers: { Authorization: `Bearer ${key}` },
    },
  );
  const picked = (await statusAnswer.json()) as {
    data: { status: string; token?: { access_token: string } };
  };
  const jwt = picked.data.token?.access_token ?? "";
  const kid = jwt
    ? (JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString()) as { kid: string }).kid
    : "";
  const jwks = (await (await fetch(`${gateway.url}/.well-known/jwks.json`)).json()) as {
    keys: { kid: string }[];
  };
  check(
    "QR-Auth: initiate, scan, register, token picked up, signed by a published key",
    scanned.status === 200 &&
      registered.status === 200 &&
      picked.data.status === "confirmed" &&
      jwks.keys.some((k) => k.kid === kid),
    { scan: scanned.status, register: registered.status, status: picked.data.status },
  );

  const cron = await fetch(`${gateway.url}/cdn-cgi/local/scheduled`);
  check("cron tick runs", cron.status === 200);
} finally {
  gateway.stop();
  await simulator.close();
  rmSync(stateDir, { recursive: true, force: true });
}
finish();

// `npm run dev`: the WeChat simulator and the gateway (wrangler dev, local state), a demo app
// with an API key, a demo third-party platform with one authorized mini program, a demo backend
// that receives the official account's pushes, and curl lines that work. No network beyond
// loopback is needed.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AppPushDelivery } from "../sim/control-pushes.ts";
import { type RunningDemoBackend, startDemoBackend } from "../sim/demo-backend.ts";
import { startSimulator } from "../sim/server.ts";
import { type LocalGateway, startLocalGateway } from "./local-gateway.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    "simulator-port": { type: "string", default: "9797" },
    // Default: the simulator's port + 100 (9897), so a second `npm run dev` on other ports has its own.
    "backend-port": { type: "string" },
  },
});

const ADMIN_TOKEN = "dev-admin-token";
const DEMO = { appKey: "demo", appId: "wxdemo0000000001", appSecret: "demo-secret" };
const DEMO_OA = { appKey: "demo-oa", appId: "wxdemo0000000002", appSecret: "demo-oa-secret" };
/**
 * A third-party platform (component) and the mini program a merchant authorized it to run. Its
 * secret, message Token and EncodingAESKey are the demo's own, shared only by the simulator and
 * the gateway; autoRegister makes the authorized appid an appKey of its own.
 */
const DEMO_PLATFORM = {
  componentKey: "demo-platform",
  appId: "wxdemoplatform001",
  appSecret: "demo-platform-secret",
  token: "demoPlatformToken",
  encodingAESKey: "demoPlatformEncodingAESKey0123456789abcdefg",
};
const DEMO_AUTHORIZED = { appId: "wxdemo0000000003", appKey: "wxdemo0000000003" };
/**
 * The official account's pushes (消息推送): the Token and EncodingAESKey its console would show,
 * the demo's own, shared only by the simulator and the gateway. The gateway fans each push out to
 * the demo backend's / (through the queue) and /reply (the passive reply, while WeChat waits).
 */
const DEMO_PUSH = {
  token: "demoOaPushToken",
  encodingAESKey: "demoOfficialAccountPushKey0123456789abcdefg",
  text: "你好, demo backend",
};
/** One simulated WeChat user who follows the official account, has used the mini program and has a phone. */
const DEMO_USER = {
  openid: "oDemoUser0000000000000000001",
  unionid: "oDemoUnion000000000000000001",
  phone: "13800138000",
};
// The simulator keeps its tokens in memory, so the gateway starts from empty local state too:
// otherwise it would serve tokens from an earlier run that this simulator never issued.
const STATE_DIR = ".wrangler/dev-state";
// QR-Auth's signing key for dev: generated once and kept outside the state that is wiped, so
// tokens and the JWKS stay the same across restarts (production sets the QR_SIGNING_JWK secret).
const SIGNING_KEY_FILE = ".wrangler/dev-qr-signing-jwk.json";
const CODE_WEBHOOK_SECRET = "dev-code-webhook-secret";

const simulator = await startSimulator({
  port: Number(values["simulator-port"]),
  host: "127.0.0.1",
  quiet: true,
  // The simulator stands in for the mailbox / SMS gateway: codes sent by SendCode appear here.
  announceCodes: true,
  codeWebhookSecret: CODE_WEBHOOK_SECRET,
  // A verify ticket every 10 minutes to the demo platform's pushUrl, as WeChat does.
  pushTickets: true,
});
simulator.simulator.registerApp({ appid: DEMO.appId, secret: DEMO.appSecret });
simulator.simulator.registerApp({ appid: DEMO_OA.appId, secret: DEMO_OA.appSecret });
// The pushUrl comes once the gateway knows the platform (setUpDemoPlatform): a push before that
// would be refused.
simulator.simulator.registerComponent({
  appid: DEMO_PLATFORM.appId,
  secret: DEMO_PLATFORM.appSecret,
  token: DEMO_PLATFORM.token,
  encodingAESKey: DEMO_PLATFORM.encodingAESKey,
});
await seedDemoUser(simulator.url);
rmSync(STATE_DIR, { recursive: true, force: true });
const backendPort = Number(values["backend-port"] ?? Number(values["simulator-port"]) + 100);
const backendUrl = `http://127.0.0.1:${backendPort}`;

// Whatever has started is stopped on Ctrl-C, when wrangler ends, or when a later step fails. The
// demo backend starts once the gateway answers the official account's delivery secret.
let gateway: LocalGateway | undefined;
let backend: RunningDemoBackend | undefined;
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  gateway?.stop();
  await Promise.allSettled([simulator.close(), backend?.close()]);
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  gateway = await startLocalGateway({
    port: Number(values.port),
    wechatApiBase: simulator.url,
    adminToken: ADMIN_TOKEN,
    persistTo: STATE_DIR,
    extraVars: {
      DEMO_PAGES: "true",
      QR_SIGNING_JWK: await devSigningKey(),
      CODE_WEBHOOK_URL: `${simulator.url}/__sim/codes`,
      CODE_WEBHOOK_SECRET,
      // A platform's authorization links open the simulator's stand-in pages.
      WECHAT_AUTH_PAGE_BASE: simulator.url,
    },
  });
  gateway.process.on("exit", (code) => void stop(code ?? 1));

  const registered = await gateway.admin("PUT", `/apps/${DEMO.appKey}`, {
    appId: DEMO.appId,
    appSecret: DEMO.appSecret,
    type: "miniprogram",
    tokenMode: "stable",
    profile: {
      appID: 1001,
      name: "Demo shop",
      logo: "https://shop.example.com/logo.png",
      website: "https://shop.example.com",
      description: "Sign in to the demo shop with WeChat",
      tags: ["shop", "demo"],
    },
    qrAuth: { page: "pages/login/login" },
  });
  if (registered.status >= 300)
    throw new Error(`registering the demo app: ${JSON.stringify(registered.body)}`);
  const registeredOa = await gateway.admin("PUT", `/apps/${DEMO_OA.appKey}`, {
    appId: DEMO_OA.appId,
    appSecret: DEMO_OA.appSecret,
    type: "officialaccount",
    profile: { name: "Demo official account" },
    push: {
      token: DEMO_PUSH.token,
      encodingAESKey: DEMO_PUSH.encodingAESKey,
      targets: [{ url: `${backendUrl}/` }, { url: `${backendUrl}/reply`, reply: true }],
    },
  });
  if (registeredOa.status >= 300)
    throw new Error(`registering the demo official account: ${JSON.stringify(registeredOa.body)}`);
  // Shown once, when push is first set (the state starts empty on every run); never printed.
  const { deliverySecret } = (registeredOa.body.data as { push: { deliverySecret: string } }).push;
  backend = await startDemoBackend({ port: backendPort, deliverySecret });
  const key = ((await gateway.admin("POST", `/apps/${DEMO.appKey}/keys`)).body.data as { key: string }).key;
  const oaKey = ((await gateway.admin("POST", `/apps/${DEMO_OA.appKey}/keys`)).body.data as { key: string })
    .key;
  const platform = await setUpDemoPlatform(gateway, simulator.url);
  await setUpDemoPushes(gateway.url, simulator.url, backend);
  const url = gateway.url;
  const sim = simulator.url;
  const mp = `$GW/Wechat/${DEMO.appKey}`;
  const oa = `$GW/Wechat/${DEMO_OA.appKey}`;
  const admin = `-H 'Authorization: Bearer ${ADMIN_TOKEN}'`;
  const components = `$GW/admin/components/${DEMO_PLATFORM.componentKey}`;
  const json = `-H 'Content-Type: application/json'`;
  console.log(`
WeChat simulator  ${sim}   (control API: ${sim}/__sim/apps/${DEMO.appId})
Gateway           ${url}   (admin token: ${ADMIN_TOKEN})
Mini program      appKey=${DEMO.appKey} appId=${DEMO.appId}  API key ${key}
Official account  appKey=${DEMO_OA.appKey} appId=${DEMO_OA.appId}  API key ${oaKey}
Platform          componentKey=${DEMO_PLATFORM.componentKey} appId=${DEMO_PLATFORM.appId}  API key ${platform.componentKey}   (simulator: ${sim}/__sim/components/${DEMO_PLATFORM.appId})
Authorized app    appKey=${DEMO_AUTHORIZED.appKey} appId=${DEMO_AUTHORIZED.appId} (mini program, no AppSecret: served through ${DEMO_PLATFORM.componentKey})  API key ${platform.appKey}
Demo user         openid=${DEMO_USER.openid} (follows the account, may receive the demo templates, phone ${DEMO_USER.phone})
Demo backend      ${backend.url}   (${DEMO_OA.appKey}'s push targets: / through the queue, /reply answers WeChat; prints each delivery)
Pages             ${url}/docs (API reference)   ${url}/console (operator console, admin token ${ADMIN_TOKEN})
QR-login demo     ${url}/demo/qr-login/${DEMO.appKey}   (sign in with the mini program: web page and simulated phone in one window)

Try (paste the first line into your shell, then any of the others):
  GW=${url} SIM=${sim} KEY=${key} OAKEY=${oaKey} CKEY=${platform.componentKey} AKEY=${platform.appKey}

  curl -s -H "Authorization: Bearer $KEY" $GW/Wechat/${DEMO.appKey}/AccessToken
  curl -s -H 'Authorization: Bearer ${ADMIN_TOKEN}' $GW/admin/apps/${DEMO.appKey}/status
  curl -s -X POST -H "Authorization: Bearer $KEY" -H 'Accept: application/xml' "$GW/api/v1/Common/WxToken?appid=${DEMO.appId}"

  # mini-program login: the simulator plays wx.login, the gateway answers a session token
  CODE=$(curl -s -X POST $SIM/__sim/apps/${DEMO.appId}/login-codes -d '{"openid":"${DEMO_USER.openid}"}' | sed -E 's/.*"code":"([^"]*)".*/\\1/')
  SESSION=$(curl -s "${mp}/JSCode2Session?js_code=$CODE" | sed -E 's/.*"data":"([^"]*)".*/\\1/'); echo $SESSION
  # what wx.getUserInfo would hand the mini program, then Decrypt with the session token
  curl -s -X POST $SIM/__sim/apps/${DEMO.appId}/users/${DEMO_USER.openid}/encrypted-data -d '{}' | tee /tmp/sealed.json
  curl -s -G -H "Authorization: Bearer $KEY" ${mp}/Decrypt --data-urlencode "sessionKey=$SESSION" \\
    --data-urlencode "encryptedData=$(sed -E 's/.*"encryptedData":"([^"]*)".*/\\1/' /tmp/sealed.json)" \\
    --data-urlencode "iv=$(sed -E 's/.*"iv":"([^"]*)".*/\\1/' /tmp/sealed.json)"
  # the user taps a getPhoneNumber button (the simulator hands out its single-use code), then PhoneNumber
  PHONE_CODE=$(curl -s -X POST $SIM/__sim/apps/${DEMO.appId}/phone-codes -d '{"openid":"${DEMO_USER.openid}"}' | sed -E 's/.*"code":"([^"]*)".*/\\1/')
  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/PhoneNumber -d "{\\"code\\":\\"$PHONE_CODE\\",\\"openid\\":\\"${DEMO_USER.openid}\\"}"

  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/SubscribeSend -d '{"touser":"${DEMO_USER.openid}","template_id":"tmpl-order-shipped","page":"pages/order/detail","data":{"thing1":{"value":"Your order shipped"},"character_string2":{"value":"SF1234567"},"time3":{"value":"2026-11-21 10:00"}}}'
  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/UrlLinkGenerate -d '{"path":"pages/order/detail","query":"id=42","expire_type":1,"expire_interval":7}'
  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/GenerateScheme -d '{"jump_wxa":{"path":"pages/order/detail","query":"id=42"}}'
  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/WXACodeGetUnlimited -d '{"scene":"order=42","page":"pages/order/detail"}' -o code.jpg
  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/WXACodeGet -d '{"path":"pages/order/detail?id=42","is_hyaline":true}' -o code.png
  curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/MsgSecCheck -d '{"content":"risky-test","version":2,"scene":2,"openid":"${DEMO_USER.openid}"}'

  curl -s -H "Authorization: Bearer $OAKEY" "${oa}/UserInfo?openid=${DEMO_USER.openid}"
  curl -s -G -H "Authorization: Bearer $OAKEY" ${oa}/JSConfig --data-urlencode 'url=https://shop.example.com/cart?from=menu#top' -d jsApiList=chooseImage,scanQRCode
  curl -s -X POST -H "Authorization: Bearer $OAKEY" ${json} ${oa}/SubscribeMSG -d '{"touser":"${DEMO_USER.openid}","template_id":"tmpl-oa-notice","scene":"1000","title":"Notice","data":{"content":{"value":"Your table is ready","color":"#173177"}}}'

  # pushes: the simulator pushes the user's message to $GW/push/${DEMO_OA.appKey} as WeChat does (safe mode); the demo
  # backend prints both deliveries, and delivered.answer is the passive reply from its /reply
  curl -s -X POST $SIM/__sim/apps/${DEMO_OA.appId}/push/message ${json} -d '{"type":"text","content":"hello","fromUser":"${DEMO_USER.openid}"}'
  curl -s -X POST $SIM/__sim/apps/${DEMO_OA.appId}/push/message ${json} -d '{"type":"event","event":"subscribe"}'
  curl -s ${admin} $GW/admin/apps/${DEMO_OA.appKey}/push/deliveries
  curl -s ${backend.url}/deliveries

  # QR-Auth: the web backend opens a session and polls; the mini program (session token) scans and confirms
  SIK=$(curl -s -X POST -H "Authorization: Bearer $KEY" ${json} ${mp}/QR-Auth/Initiate -d '{"scopes":"profile","remark":"Sign in to the demo shop","scheme":"https"}' | sed -E 's/.*"data":([0-9]+).*/\\1/'); echo $SIK
  curl -s -H "Authorization: Bearer $KEY" "${mp}/QR-Auth/Code?signInKey=$SIK" -o signin.jpg
  curl -s -X POST -H "Authorization: Bearer $SESSION" ${json} ${mp}/QR-Auth/Scan -d "{\\"signInKey\\":$SIK}"
  curl -s -X POST -H "Authorization: Bearer $SESSION" ${json} ${mp}/QR-Auth/Confirm-Register -d "{\\"signInKey\\":$SIK,\\"unionID\\":\\"${DEMO_USER.unionid}\\",\\"nickName\\":\\"Demo user\\"}"
  curl -s -H "Authorization: Bearer $KEY" "${mp}/QR-Auth/Status?signInKey=$SIK"    # the token, once
  curl -s $GW/.well-known/jwks.json

  # transparent proxy: what an SDK does once its API host is $GW/proxy/${DEMO.appKey}
  TOKEN=$(curl -s "$GW/proxy/${DEMO.appKey}/cgi-bin/token?grant_type=client_credential&appid=${DEMO.appId}&secret=${DEMO.appSecret}" | sed -E 's/.*"access_token":"([^"]*)".*/\\1/')
  curl -s -X POST "$GW/proxy/${DEMO.appKey}/wxa/generate_urllink?access_token=$TOKEN" -d '{"path":"pages/index/index"}'

  # third-party platform: its component_access_token, the authorized mini program's token (from its refresh token), the authorizers
  curl -s -H "Authorization: Bearer $CKEY" $GW/Component/${DEMO_PLATFORM.componentKey}/AccessToken
  curl -s -H "Authorization: Bearer $AKEY" $GW/Wechat/${DEMO_AUTHORIZED.appKey}/AccessToken
  curl -s ${admin} ${components}/authorizers
  # links a merchant opens to authorize another app (here they open the simulator's stand-in page, WECHAT_AUTH_PAGE_BASE)
  curl -s -X POST ${admin} ${json} ${components}/authorization-links -d "{\\"redirectUri\\":\\"$GW/component/${DEMO_PLATFORM.componentKey}/authorized\\",\\"authType\\":2}"
  curl -s ${admin} ${components}/status

  curl -s $GW/cdn-cgi/local/scheduled    # run the cron tick once
  open $GW/docs
  open $GW/console
  open $GW/demo/qr-login/${DEMO.appKey}
Ctrl-C stops them all.
`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await stop(1);
}

/**
 * The official account's pushes end to end: the simulator's push settings (WeChat's 服务器配置)
 * point at the gateway's /push/{appKey} with the same Token and EncodingAESKey in safe mode; the
 * URL check WeChat's console makes on saving; then one text message from the demo user, whose
 * passive reply (the demo backend's /reply, sealed by the gateway) comes back to the simulator,
 * and whose queued delivery reaches the backend's /.
 */
async function setUpDemoPushes(
  gatewayUrl: string,
  simulatorUrl: string,
  demoBackend: RunningDemoBackend,
): Promise<void> {
  const control = async (method: string, path: string, body: object) => {
    const response = await fetch(`${simulatorUrl}/__sim/apps/${DEMO_OA.appId}/push${path}`, {
      method,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`the simulator's demo pushes: ${path} -> ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  const pushUrl = `${gatewayUrl}/push/${DEMO_OA.appKey}`;
  await control("PUT", "", {
    url: pushUrl,
    token: DEMO_PUSH.token,
    encodingAESKey: DEMO_PUSH.encodingAESKey,
    mode: "safe",
    format: "xml",
  });
  const check = await control("POST", "/verify", {});
  if (check.verified !== true) throw new Error(`the demo push URL check: ${JSON.stringify(check.delivered)}`);
  const pushed = await control("POST", "/message", {
    type: "text",
    content: DEMO_PUSH.text,
    fromUser: DEMO_USER.openid,
  });
  const delivered = pushed.delivered as AppPushDelivery | null;
  const reply = /<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(delivered?.answer ?? "")?.[1];
  if (reply === undefined || !delivered?.replyEncrypted || !delivered.replySignatureValid) {
    throw new Error(`the demo push's passive reply: ${JSON.stringify(delivered)}`);
  }
  console.log(
    `[wechat-sim] pushed text ${JSON.stringify(DEMO_PUSH.text)} to ${pushUrl} (safe mode): passive reply ${JSON.stringify(reply)}, encrypted and signed`,
  );
  await waitFor("the demo push's queued delivery to the demo backend", async () =>
    demoBackend.deliveries().some((d) => d.path === "/" && d.verified === true),
  );
}

/**
 * The demo platform: registered in the gateway, then given its pushUrl in the simulator (which
 * pushes a verify ticket at once and every 10 minutes), and once the gateway holds a
 * component_access_token, the demo mini program authorizes it (the simulator pushes the encrypted
 * authorized event; the gateway exchanges the code and autoRegister binds the appKey). Answers the
 * component API key and the authorized app's API key.
 */
async function setUpDemoPlatform(
  gateway: LocalGateway,
  simulatorUrl: string,
): Promise<{ componentKey: string; appKey: string }> {
  const { componentKey } = DEMO_PLATFORM;
  const step = async (what: string, method: string, path: string, body?: object) => {
    const answer = await gateway.admin(method, path, body);
    if (answer.status >= 300) throw new Error(`${what}: ${JSON.stringify(answer.body)}`);
    return answer.body.data as Record<string, unknown>;
  };
  const control = async (path: string, method: string, body: object) => {
    const response = await fetch(`${simulatorUrl}/__sim/components/${DEMO_PLATFORM.appId}${path}`, {
      method,
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`the simulator's demo platform: ${path} -> ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  await step("registering the demo platform", "PUT", `/components/${componentKey}`, {
    componentAppId: DEMO_PLATFORM.appId,
    componentAppSecret: DEMO_PLATFORM.appSecret,
    token: DEMO_PLATFORM.token,
    encodingAESKey: DEMO_PLATFORM.encodingAESKey,
    autoRegister: true,
  });
  await control("", "PUT", { pushUrl: `${gateway.url}/component/${componentKey}/events` });
  await waitFor("the demo platform's component_access_token", async () => {
    const status = await step("the demo platform's status", "GET", `/components/${componentKey}/status`);
    return (status.component_access_token as { held: boolean }).held;
  });
  const authorized = await control("/authorize", "POST", {
    authorizerAppid: DEMO_AUTHORIZED.appId,
    type: "miniprogram",
  });
  const delivered = authorized.delivered as { status?: number } | null;
  if (delivered?.status !== 200) {
    throw new Error(`the demo authorization push: ${JSON.stringify(authorized.delivered)}`);
  }
  await waitFor("the demo mini program's authorization", async () => {
    const page = await step("the demo authorizers", "GET", `/components/${componentKey}/authorizers`);
    return (page.authorizers as { authorizerAppId: string; state: string; appKeys: string[] }[]).some(
      (a) =>
        a.authorizerAppId === DEMO_AUTHORIZED.appId &&
        a.state === "authorized" &&
        a.appKeys.includes(DEMO_AUTHORIZED.appKey),
    );
  });
  const created = async (what: string, path: string) => (await step(what, "POST", path)).key as string;
  return {
    componentKey: await created("the demo platform's API key", `/components/${componentKey}/keys`),
    appKey: await created("the authorized app's API key", `/apps/${DEMO_AUTHORIZED.appKey}/keys`),
  };
}

/** Polls `done` every 200 ms for up to 30 s. */
async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Gives the demo user a unionid in both apps, a phone number, and 100 subscribe-message authorizations in each. */
async function seedDemoUser(simulatorUrl: string): Promise<void> {
  const control = async (method: string, path: string, body: object) => {
    const response = await fetch(`${simulatorUrl}/__sim${path}`, { method, body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`seeding the simulator: ${path} -> ${await response.text()}`);
  };
  const user = `/users/${DEMO_USER.openid}`;
  await control("PUT", `/apps/${DEMO.appId}${user}`, {
    unionid: DEMO_USER.unionid,
    phone: { purePhoneNumber: DEMO_USER.phone },
  });
  await control("POST", `/apps/${DEMO.appId}${user}/authorizations`, {
    template_id: "tmpl-order-shipped",
    count: 100,
  });
  await control("PUT", `/apps/${DEMO_OA.appId}${user}`, { unionid: DEMO_USER.unionid, subscribe: 1 });
  await control("POST", `/apps/${DEMO_OA.appId}${user}/authorizations`, {
    template_id: "tmpl-oa-notice",
    scene: "1000",
    count: 100,
  });
}

async function devSigningKey(): Promise<string> {
  if (existsSync(SIGNING_KEY_FILE)) return readFileSync(SIGNING_KEY_FILE, "utf8");
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as { privateKey: Parameters<typeof crypto.subtle.exportKey>[1] };
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const key = JSON.stringify({ ...jwk, kid: `dev-${Date.now().toString(36)}`, alg: "ES256" });
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(SIGNING_KEY_FILE, key, { mode: 0o600 });
  return key;
}

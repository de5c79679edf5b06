// `npm run dev`: the WeChat simulator and the gateway (wrangler dev, local state), a demo app
// with an API key, and curl lines that work. No network beyond loopback is needed.

import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { startSimulator } from "../sim/server.ts";
import { startLocalGateway } from "./local-gateway.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    "simulator-port": { type: "string", default: "9797" },
  },
});

const ADMIN_TOKEN = "dev-admin-token";
const DEMO = { appKey: "demo", appId: "wxdemo0000000001", appSecret: "demo-secret" };
// The simulator keeps its tokens in memory, so the gateway starts from empty local state too:
// otherwise it would serve tokens from an earlier run that this simulator never issued.
const STATE_DIR = ".wrangler/dev-state";

const simulator = await startSimulator({
  port: Number(values["simulator-port"]),
  host: "127.0.0.1",
  quiet: true,
});
simulator.simulator.registerApp({ appid: DEMO.appId, secret: DEMO.appSecret });
rmSync(STATE_DIR, { recursive: true, force: true });

try {
  const gateway = await startLocalGateway({
    port: Number(values.port),
    wechatApiBase: simulator.url,
    adminToken: ADMIN_TOKEN,
    persistTo: STATE_DIR,
    extraVars: { DEMO_PAGES: "true" },
  });
  const stop = async (code: number) => {
    gateway.stop();
    await simulator.close();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  gateway.process.on("exit", (code) => void stop(code ?? 1));

  const registered = await gateway.admin("PUT", `/apps/${DEMO.appKey}`, {
    appId: DEMO.appId,
    appSecret: DEMO.appSecret,
    type: "miniprogram",
    tokenMode: "stable",
    profile: { name: "Demo mini program" },
  });
  if (registered.status >= 300)
    throw new Error(`registering the demo app: ${JSON.stringify(registered.body)}`);
  const created = await gateway.admin("POST", `/apps/${DEMO.appKey}/keys`);
  const key = (created.body.data as { key: string }).key;
  const url = gateway.url;
  console.log(`
WeChat simulator  ${simulator.url}   (control API: ${simulator.url}/__sim/apps/${DEMO.appId})
Gateway           ${url}   (admin token: ${ADMIN_TOKEN})
Demo app          appKey=${DEMO.appKey} appId=${DEMO.appId}
API key           ${key}

Try:
  curl -s -H 'Authorization: Bearer ${key}' ${url}/Wechat/${DEMO.appKey}/AccessToken
  curl -s -H 'Authorization: Bearer ${ADMIN_TOKEN}' ${url}/admin/apps/${DEMO.appKey}/status
  curl -s -X POST -H 'Authorization: Bearer ${key}' -H 'Accept: application/xml' '${url}/api/v1/Common/WxToken?appid=${DEMO.appId}'
  curl -s ${url}/cdn-cgi/local/scheduled    # run the cron tick once
  open ${url}/docs
Ctrl-C stops both.
`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  await simulator.close();
  process.exit(1);
}

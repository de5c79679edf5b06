// A caller whose calls WeChat rejects with 40001 whatever the token (an API the token does not
// fit, another app's API, a bug): the simulator answers 40001 on one path, as WeChat would.

import { viaProxyJson } from "../proxy/proxy-client.ts";
import type { RegisteredApp } from "./gateway.ts";
import { sim } from "./simulator.ts";

export const REJECTED_PATH = "/cgi-bin/message/subscribe/send";

/** From now on WeChat answers 40001 on `path` for this appid, whatever token comes with it. */
export function rejectEveryCallTo(appId: string, path = REJECTED_PATH) {
  return sim.startOutage(appId, {
    kind: "errcode",
    errcode: 40001,
    errmsg: "invalid credential, access_token is invalid or not latest",
    paths: [path],
  });
}

/** One proxied call to the rejected path with the app's API key; WeChat's errcode. */
export async function rejectedProxyCall(app: RegisteredApp): Promise<number | undefined> {
  const answer = await viaProxyJson(app, REJECTED_PATH, {
    method: "POST",
    headers: { Authorization: `Bearer ${app.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ touser: "o1", template_id: "t1", data: {} }),
  });
  return answer.body.errcode;
}

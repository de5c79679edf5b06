import type { TestProject } from "vitest/node";
import { buildWeb } from "../scripts/build-web.ts";
import { startSimulator } from "../sim/server.ts";
import { type MsgCryptVector, msgCryptVectors } from "./support/msg-crypt-vectors.ts";
import { startPushTargets } from "./support/push-targets-server.ts";
import { startTokenRelay } from "./support/token-relay-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    simulatorUrl: string;
    /** The gateway's CODE_WEBHOOK_SECRET, which the simulator's /__sim/codes receiver checks signatures with. */
    codeWebhookSecret: string;
    /** WXBizMsgCrypt vectors made with Node's crypto, an implementation independent of the gateway's. */
    msgCryptVectors: MsgCryptVector[];
    /** A stand-in for apps' backends that records push deliveries (support/push-targets-server.ts). */
    pushTargetsUrl: string;
    /** The fixed-IP relay the worker's WECHAT_TOKEN_API_BASE points at (support/token-relay-server.ts). */
    tokenRelayUrl: string;
  }
}

/** The worker under test signs its verification-code webhooks with it (vitest.config.ts); the simulator checks them. */
export const CODE_WEBHOOK_SECRET = "test-code-webhook-secret";

export default async function setup(project: TestProject) {
  // The Worker imports the pages' files module; `npx vitest run test/…` on a fresh clone needs it too.
  await buildWeb();
  const simulator = await startSimulator({ port: 0, quiet: true, codeWebhookSecret: CODE_WEBHOOK_SECRET });
  project.provide("simulatorUrl", simulator.url);
  project.provide("codeWebhookSecret", CODE_WEBHOOK_SECRET);
  project.provide("msgCryptVectors", msgCryptVectors());
  const pushTargets = await startPushTargets();
  project.provide("pushTargetsUrl", pushTargets.url);
  const relay = await startTokenRelay(simulator.url);
  project.provide("tokenRelayUrl", relay.url);
  return async () => {
    await relay.close();
    await pushTargets.close();
    await simulator.close();
  };
}

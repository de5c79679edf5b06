import type { TestProject } from "vitest/node";
import { startSimulator } from "../sim/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    simulatorUrl: string;
    /** The gateway's CODE_WEBHOOK_SECRET, which the simulator's /__sim/codes receiver checks signatures with. */
    codeWebhookSecret: string;
  }
}

/** The worker under test signs its verification-code webhooks with it (vitest.config.ts); the simulator checks them. */
export const CODE_WEBHOOK_SECRET = "test-code-webhook-secret";

export default async function setup(project: TestProject) {
  const simulator = await startSimulator({ port: 0, quiet: true, codeWebhookSecret: CODE_WEBHOOK_SECRET });
  project.provide("simulatorUrl", simulator.url);
  project.provide("codeWebhookSecret", CODE_WEBHOOK_SECRET);
  return async () => {
    await simulator.close();
  };
}

// Third-party platforms in the gateway under test: registered with the simulator's Open Platform
// and the admin API, with pushes delivered to the events endpoint the way WeChat POSTs them (the
// simulator cannot reach the worker under test, so tests deliver its pushes themselves).

import { exports } from "cloudflare:workers";
import { type Answer, admin, call } from "./gateway.ts";
import {
  COMPONENT_AES_KEY,
  COMPONENT_SECRET,
  COMPONENT_TOKEN,
  type PushEnvelope,
  pushRequest,
  sim,
} from "./simulator.ts";

export type RegisteredPlatform = { componentKey: string; componentAppId: string; apiKey: string };

/** Registers the platform with the simulator and the gateway, and makes a component API key. */
export async function registerPlatform(
  componentKey: string,
  componentAppId: string,
): Promise<RegisteredPlatform> {
  await sim.registerComponent(componentAppId);
  const put = await admin("PUT", `/components/${componentKey}`, {
    componentAppId,
    componentAppSecret: COMPONENT_SECRET,
    token: COMPONENT_TOKEN,
    encodingAESKey: COMPONENT_AES_KEY,
  });
  if (put.status !== 201 && put.status !== 200)
    throw new Error(`register ${componentKey}: ${JSON.stringify(put.body)}`);
  const key = await admin<{ id: string; key: string }>("POST", `/components/${componentKey}/keys`);
  if (key.status !== 201) throw new Error(`key for ${componentKey}: ${JSON.stringify(key.body)}`);
  return { componentKey, componentAppId, apiKey: key.body.data.key };
}

/** POSTs a push to the platform's events endpoint as WeChat would; answers status and text. */
export async function deliver(
  componentKey: string,
  push: PushEnvelope,
): Promise<{ status: number; text: string }> {
  const response = await exports.default.fetch(
    pushRequest(`https://gateway.test/component/${componentKey}/events`, push),
  );
  return { status: response.status, text: await response.text() };
}

/** A new verify ticket from the simulator, delivered; answers the ticket and the gateway's answer. */
export async function pushTicket(platform: RegisteredPlatform) {
  const pushed = await sim.pushVerifyTicket(platform.componentAppId);
  const answer = await deliver(platform.componentKey, { query: pushed.query, body: pushed.body });
  return { ticket: pushed.ticket, answer, push: { query: pushed.query, body: pushed.body } };
}

export type ComponentToken = {
  component_access_token: string;
  expires_in: number;
  expires_time: string;
  create_time: string;
};

export const componentToken = (platform: RegisteredPlatform, key = platform.apiKey) =>
  call<{ code: number; data: ComponentToken; error: string }>(
    "GET",
    `/Component/${platform.componentKey}/AccessToken`,
    { token: key },
  );

export type ComponentStatus = {
  verify_ticket: { held: boolean; valid: boolean; create_time: string | null; age_seconds: number | null };
  push_request: { time: string; error: string | null } | null;
  component_access_token: { held: boolean; refresh_count: number; upstream_calls_today: number };
  authorizers: Record<string, number>;
};

export const componentStatus = (componentKey: string): Promise<Answer<{ data: ComponentStatus }>> =>
  admin<ComponentStatus>("GET", `/components/${componentKey}/status`);

// Calls the worker with DEMO_PAGES switched on (wrangler.toml keeps it "false", as production should):
// the worker's own fetch handler with a changed env, against the same Durable Objects and KV.

import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";
import { type Envelope, gatewayRequest } from "../support/gateway.ts";

export async function fetchWith(
  vars: Partial<Env>,
  method: string,
  path: string,
  options: { body?: unknown; token?: string } = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(gatewayRequest(method, path, options), { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export type DemoSession = { signInKey: number; expires_in: number; handle: string };
export type DemoStatus = {
  status: string;
  token?: { access_token: string };
  scanner?: object;
  expires_in: number;
};

/**
 * Which demo handle a session call presents: by default the one `start` got for that signInKey, as
 * the page does; `null` presents none, a string presents that one.
 */
type HandleChoice = { handle?: string | null };

/** The demo with DEMO_PAGES on: JSON answers as {status, body}. */
export function demo(appKey: string, vars: Partial<Env> = {}) {
  const base = `/demo/qr-login/${appKey}`;
  const handles = new Map<number | string, string>();
  const send = (method: string, path: string, options: { body?: unknown; token?: string } = {}) =>
    fetchWith({ DEMO_PAGES: "true", ...vars }, method, `${base}${path}`, options);
  const json = async <T>(method: string, path: string, body?: unknown, token?: string) => {
    const response = await send(method, path, { body, ...(token ? { token } : {}) });
    return {
      status: response.status,
      body: (await response.json()) as Envelope<T>,
      headers: response.headers,
    };
  };
  const handleFor = (signInKey: number | string, choice: HandleChoice) =>
    (choice.handle === undefined ? handles.get(signInKey) : choice.handle) ?? undefined;
  return {
    page: () => fetchWith({ DEMO_PAGES: "true", ...vars }, "GET", base),
    raw: (method: string, path: string, body?: unknown) => send(method, path, { body }),
    json,
    start: async (body: unknown = {}) => {
      const answer = await json<DemoSession>("POST", "/session", body);
      if (answer.status !== 200) throw new Error(`demo session: ${JSON.stringify(answer.body)}`);
      handles.set(answer.body.data.signInKey, answer.body.data.handle);
      return answer.body.data;
    },
    status: (signInKey: number | string, choice: HandleChoice = {}) =>
      json<DemoStatus>("GET", `/session/${signInKey}`, undefined, handleFor(signInKey, choice)),
    /** The code image's Response (JSON on a refusal). */
    code: (signInKey: number | string, choice: HandleChoice = {}) => {
      const token = handleFor(signInKey, choice);
      return send("GET", `/session/${signInKey}/code`, token ? { token } : {});
    },
  };
}

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

/** The demo with DEMO_PAGES on: JSON answers as {status, body}. */
export function demo(appKey: string, vars: Partial<Env> = {}) {
  const base = `/demo/qr-login/${appKey}`;
  const json = async <T>(method: string, path: string, body?: unknown) => {
    const response = await fetchWith({ DEMO_PAGES: "true", ...vars }, method, `${base}${path}`, { body });
    return {
      status: response.status,
      body: (await response.json()) as Envelope<T>,
      headers: response.headers,
    };
  };
  return {
    page: () => fetchWith({ DEMO_PAGES: "true", ...vars }, "GET", base),
    raw: (method: string, path: string, body?: unknown) =>
      fetchWith({ DEMO_PAGES: "true", ...vars }, method, `${base}${path}`, { body }),
    json,
    start: async (body: unknown = {}) => {
      const answer = await json<{ signInKey: number; expires_in: number }>("POST", "/session", body);
      if (answer.status !== 200) throw new Error(`demo session: ${JSON.stringify(answer.body)}`);
      return answer.body.data;
    },
    status: (signInKey: number | string) =>
      json<{ status: string; token?: { access_token: string }; scanner?: object; expires_in: number }>(
        "GET",
        `/session/${signInKey}`,
      ),
  };
}

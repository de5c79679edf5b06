// Starts the gateway with plain `wrangler dev` against a given WeChat base URL, the way a user
// (or an outside acceptance check) would, and talks to its admin API.

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";

export type LocalGateway = {
  url: string;
  process: ChildProcess;
  admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): void;
};

export async function startLocalGateway(options: {
  port: number;
  wechatApiBase: string;
  adminToken: string;
  persistTo: string;
  extraVars?: Record<string, string>;
  quiet?: boolean;
  /**
   * Append wrangler's output (the worker's log lines) to this file instead. A file rather than a
   * pipe, so draining it under load costs the calling process nothing.
   */
  logTo?: string;
}): Promise<LocalGateway> {
  const host = "127.0.0.1";
  const url = `http://${host}:${options.port}`;
  const vars = {
    WECHAT_API_BASE: options.wechatApiBase,
    ADMIN_TOKEN: options.adminToken,
    ...options.extraVars,
  };
  const log = options.logTo ? openSync(options.logTo, "a") : undefined;
  const output = log ?? (options.quiet ? "ignore" : "inherit");
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      host,
      "--port",
      String(options.port),
      "--persist-to",
      options.persistTo,
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      // Its own process group: npx starts wrangler, which starts workerd, and stop() must end all
      // of them (killing npx alone leaves the gateway serving).
      detached: true,
      stdio: ["ignore", output, output],
      // wrangler.toml lists ADMIN_TOKEN as a required secret; --var provides it, this keeps wrangler quiet.
      env: { ...process.env, ADMIN_TOKEN: options.adminToken },
    },
  );

  if (log !== undefined) closeSync(log);

  const admin: LocalGateway["admin"] = async (method, path, body) => {
    const response = await fetch(`${url}/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${options.adminToken}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };

  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) {
      const where = options.logTo ? ` (its output is in ${options.logTo})` : "";
      throw new Error(`wrangler dev exited with code ${child.exitCode}${where}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, process: child, admin, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  stop();
  throw new Error("the gateway did not start within 2 minutes");
}

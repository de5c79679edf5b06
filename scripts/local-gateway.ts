// Starts a Worker with plain `wrangler dev`, the way a user (or an outside acceptance check)
// would: the gateway against a given WeChat base URL (and talks to its admin API), or any other
// wrangler config (the benchmark's bare pass-through Worker).

import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from "node:fs";

export type LocalWorker = {
  url: string;
  process: ChildProcess;
  /**
   * How long the start took, in ms: from spawning wrangler until the first answer to the ready
   * probe (wrangler's bundling and build step included), and that first answer's own latency.
   */
  startup: { readyMs: number; firstAnswerMs: number };
  /**
   * CPU time (user + system, ms) its workerd processes have used so far, read from /proc; null
   * where there is no /proc. A difference over a run divided by its requests is the CPU each
   * request cost, which other load on the machine changes far less than it changes req/s.
   */
  cpuMs(): number | null;
  stop(): void;
};

/** Linux's clock tick for /proc/<pid>/stat times (USER_HZ, 100 on every mainstream kernel). */
const PROC_TICKS_PER_SECOND = 100;

/** The CPU time of every workerd process in process group `group`, in ms. */
function workerdCpuMs(group: number): number | null {
  if (!existsSync("/proc")) return null;
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // ended meanwhile
    }
    // "pid (comm) state ppid pgrp … utime stime …": comm may hold spaces, so split after its ")".
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    if (comm !== "workerd" || Number(fields[2]) !== group) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / PROC_TICKS_PER_SECOND;
}

export type LocalGateway = LocalWorker & {
  admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
};

type Output = {
  quiet?: boolean;
  /**
   * Append wrangler's output (the worker's log lines) to this file instead. A file rather than a
   * pipe, so draining it under load costs the calling process nothing.
   */
  logTo?: string;
};

/**
 * `wrangler dev` on 127.0.0.1:`port` with these `--var`s, ready once `readyPath` answers 2xx.
 * `config`: another wrangler config than ./wrangler.toml.
 */
export async function startWranglerDev(
  options: Output & {
    port: number;
    vars: Record<string, string>;
    readyPath: string;
    config?: string;
    persistTo?: string;
    /** Extra environment for wrangler (e.g. a required secret's name, to keep it quiet). */
    env?: Record<string, string>;
  },
): Promise<LocalWorker> {
  const host = "127.0.0.1";
  const url = `http://${host}:${options.port}`;
  const log = options.logTo ? openSync(options.logTo, "a") : undefined;
  const output = log ?? (options.quiet ? "ignore" : "inherit");
  const started = performance.now();
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      ...(options.config ? ["--config", options.config] : []),
      "--ip",
      host,
      "--port",
      String(options.port),
      ...(options.persistTo ? ["--persist-to", options.persistTo] : []),
      "--show-interactive-dev-session=false",
      ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ],
    {
      // Its own process group: npx starts wrangler, which starts workerd, and stop() must end all
      // of them (killing npx alone leaves the worker serving).
      detached: true,
      stdio: ["ignore", output, output],
      env: { ...process.env, ...options.env },
    },
  );

  if (log !== undefined) closeSync(log);

  const stop = () => {
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      // already gone
    }
  };

  // Every 100 ms for 2 minutes: often enough that the start time is measured to a tenth of a second.
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) {
      const where = options.logTo ? ` (its output is in ${options.logTo})` : "";
      throw new Error(`wrangler dev exited with code ${child.exitCode}${where}`);
    }
    try {
      const asked = performance.now();
      const answer = await fetch(`${url}${options.readyPath}`);
      await answer.arrayBuffer();
      if (answer.ok) {
        const answered = performance.now();
        const startup = { readyMs: answered - started, firstAnswerMs: answered - asked };
        return { url, process: child, startup, cpuMs: () => workerdCpuMs(child.pid!), stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  stop();
  throw new Error(
    `wrangler dev${options.config ? ` -c ${options.config}` : ""} did not start within 2 minutes`,
  );
}

/** The gateway (./wrangler.toml) against `wechatApiBase`, with ADMIN_TOKEN set. */
export async function startLocalGateway(
  options: Output & {
    port: number;
    wechatApiBase: string;
    adminToken: string;
    persistTo: string;
    extraVars?: Record<string, string>;
  },
): Promise<LocalGateway> {
  const worker = await startWranglerDev({
    port: options.port,
    persistTo: options.persistTo,
    readyPath: "/healthz",
    vars: {
      WECHAT_API_BASE: options.wechatApiBase,
      ADMIN_TOKEN: options.adminToken,
      ...options.extraVars,
    },
    // wrangler.toml lists ADMIN_TOKEN as a required secret; --var provides it, this keeps wrangler quiet.
    env: { ADMIN_TOKEN: options.adminToken },
    logTo: options.logTo,
    quiet: options.quiet,
  });

  const admin: LocalGateway["admin"] = async (method, path, body) => {
    const response = await fetch(`${worker.url}/admin${path}`, {
      method,
      headers: { Authorization: `Bearer ${options.adminToken}`, "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  return { ...worker, admin };
}

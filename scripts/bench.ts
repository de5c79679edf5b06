// `npm run bench`: how much each gateway path costs next to the cheapest request that does the
// same job. Starts the simulator (in this process), the gateway and the bare pass-through Worker
// (bench/passthrough: puts a fixed token on the query and fetches WeChat, nothing else) with plain
// `wrangler dev` each (fresh local state), then drives them with autocannon in a second process, so
// the load generator never shares an event loop with the simulator. Two kinds of baseline:
// `GET /healthz` (no auth, no storage, no WeChat) for the token read and the QR poll, and the bare
// Worker calling the same WeChat path for the proxy and API v1 calls. Each scenario runs between
// two runs of its baseline (H A H B H … then P p P, U u U, every round) so the machine's drift
// cancels out of the ratios. Also: the bundle size, the gateway's cold start, the stampede figure
// (N concurrent reads of a cold app → upstream token calls), the cron tick's cost as apps grow, and
// WeChat's pushes (scripts/bench-pushes.ts: the answer time under a burst, the delivery latency to
// a healthy target through the queue, each message delivered once).
//
//   npm run bench [-- --rounds 3 --duration 5 --connections 10 --cron-apps 50,200 --pushes 200 --quick]
//
// Writes docs/bench/report.md and docs/bench/ratios.svg (or --out DIR). Exits non-zero when the
// bench itself failed (a crash, error answers under load, a stampede figure other than 1, a push
// not answered `success`, missing or delivered twice); a
// scenario below the 0.9 goal is reported, not failed.

import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, type as osType, release, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startSimulator } from "../sim/server.ts";
import { benchPushes, pushesMarkdown, pushesSummary } from "./bench-pushes.ts";
import { CODE_BUDGET, WHOLE_BUDGET } from "./bundle-budget.ts";
import { type BundleSize, bundleSize, kib } from "./bundle-size.ts";
import { type LocalGateway, type LocalWorker, startLocalGateway, startWranglerDev } from "./local-gateway.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const AUTOCANNON_CLI = createRequire(import.meta.url).resolve("autocannon/autocannon.js");
/** The bare pass-through Worker's config: the floor for calls that reach WeChat. */
const BARE_WORKER_CONFIG = join(ROOT, "bench/passthrough/wrangler.toml");
/** Scenarios at or above this share of the baseline's req/s meet the goal. */
const GOAL_RATIO = 0.9;

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
    warmup: { type: "string" },
    stampede: { type: "string" },
    "cron-apps": { type: "string" },
    "cron-ticks": { type: "string" },
    pushes: { type: "string" },
    "push-concurrency": { type: "string" },
    out: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});
const quick = args.quick ?? false;
const positive = (name: string, text: string | undefined, fallback: number): number => {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}: expected a positive number`);
  return value;
};
const settings = {
  rounds: Math.round(positive("rounds", args.rounds, quick ? 1 : 3)),
  durationSeconds: positive("duration", args.duration, quick ? 2 : 5),
  connections: Math.round(positive("connections", args.connections, 10)),
  warmupSeconds: positive("warmup", args.warmup, 1),
  stampedeReads: Math.round(positive("stampede", args.stampede, 100)),
  cronApps: (args["cron-apps"] ?? (quick ? "20" : "50,200"))
    .split(",")
    .map((n) => Math.round(positive("cron-apps", n, 0)))
    .sort((a, b) => a - b),
  cronTicks: Math.round(positive("cron-ticks", args["cron-ticks"], quick ? 3 : 5)),
  pushes: Math.round(positive("pushes", args.pushes, quick ? 50 : 200)),
  pushConcurrency: Math.round(positive("push-concurrency", args["push-concurrency"], 20)),
  outDir: resolve(ROOT, args.out ?? "docs/bench"),
};

// ---- the gateway ------------------------------------------------------------------------------

// ---- load generation (autocannon, in its own process) ----------------------------------------

type Load = {
  method?: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
};

type Measured = {
  rps: number;
  /** CPU the serving Worker's workerd processes used per request, µs (null without /proc). */
  cpuUs: number | null;
  p50: number;
  p99: number;
  requests: number;
  /** Non-2xx answers + connection errors + timeouts. */
  bad: number;
};

/** The fields of autocannon 9's --json result that the bench reads. */
type AutocannonResult = {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
};

async function autocannon(baseUrl: string, load: Load, seconds: number): Promise<Omit<Measured, "cpuUs">> {
  const argv = [
    AUTOCANNON_CLI,
    "--json",
    "-n",
    "-c",
    String(settings.connections),
    "-d",
    String(seconds),
    "-m",
    load.method ?? "GET",
  ];
  for (const [name, value] of Object.entries(load.headers ?? {})) argv.push("-H", `${name}=${value}`);
  if (load.body !== undefined) argv.push("-b", load.body);
  argv.push(`${baseUrl}${load.path}`);

  const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on("close", done));
  if (code !== 0) throw new Error(`autocannon exited with ${code}: ${stderr.trim()}`);
  const result = JSON.parse(stdout.trim()) as AutocannonResult;
  return {
    // total ÷ duration rather than requests.average: the per-second samples drop the last,
    // partial second, which matters in short (--quick) runs.
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    bad: result.non2xx + result.errors + result.timeouts,
  };
}

// ---- reporting helpers ------------------------------------------------------------------------

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const fixed = (n: number, digits = 0) => n.toFixed(digits);

function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** `textColumns`: how many leading columns hold text (left-aligned); the others hold numbers. */
function markdownTable(header: string[], rows: string[][], textColumns = 1): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const rule = header.map((_, i) => (i < textColumns ? "---" : "---:"));
  return [line(header), line(rule), ...rows.map(line)].join("\n");
}

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

type Summary = {
  name: string;
  request: string;
  note: string;
  /** The scenario this one is measured against (its own name for a baseline). */
  baseline: string;
  isBaseline: boolean;
  /** Whether the 0.9 goal applies (false: shown for context against a baseline that is not its floor). */
  hasGoal: boolean;
  rps: number;
  p50: number;
  p99: number;
  ratio: number;
  ratioMin: number;
  ratioMax: number;
  /** This scenario's p50 minus its baseline's (median over rounds of each), ms. */
  addedP50: number;
  /** Median over runs of the serving Worker's CPU per request, µs; and minus the baseline's. */
  cpuUs: number | null;
  addedCpuUs: number | null;
  bad: number;
};

/** A chart section: a caption, then one bar per scenario (the baseline's first). */
type ChartGroup = { caption: string; summaries: Summary[] };

/**
 * A horizontal bar per scenario (its req/s ÷ its baseline's), the per-round range, and the goal
 * line; one section per baseline.
 */
function ratiosSvg(groups: ChartGroup[], caption: string): string {
  const left = 170;
  const plot = 420;
  const right = 70;
  const top = 72;
  const rowHeight = 34;
  const captionHeight = 24;
  const width = left + plot + right;
  const all = groups.flatMap((g) => g.summaries);
  const bottom = top + groups.length * captionHeight + all.length * rowHeight;
  const height = bottom + 44;
  const scaleMax = Math.max(1.2, Math.ceil((Math.max(...all.map((s) => s.ratioMax)) + 0.05) * 10) / 10);
  const x = (ratio: number) => left + (Math.min(ratio, scaleMax) / scaleMax) * plot;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
    "<title>Throughput of each scenario as a share of its baseline's</title>",
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">req/s as a share of the baseline's (higher is better)</text>`,
    `<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">${xml(caption)}</text>`,
  ];
  for (let tick = 0; tick <= scaleMax + 1e-9; tick += 0.2) {
    const tx = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top}" x2="${tx}" y2="${bottom}" stroke="#e5e5e5"/>`,
      `<text x="${tx}" y="${bottom + 16}" text-anchor="middle" fill="#555">${tick.toFixed(1)}</text>`,
    );
  }
  let y = top;
  for (const group of groups) {
    parts.push(
      `<text x="8" y="${y + captionHeight - 7}" font-weight="bold">${xml(group.caption)}</text>`,
      `<line x1="8" y1="${y + captionHeight - 2}" x2="${left + plot}" y2="${y + captionHeight - 2}" stroke="#bdbdbd"/>`,
    );
    y += captionHeight;
    for (const s of group.summaries) {
      const barY = y + 7;
      const barHeight = rowHeight - 14;
      const colour = !s.hasGoal ? "#9e9e9e" : s.ratio >= GOAL_RATIO ? "#2e7d32" : "#e65100";
      parts.push(
        `<text x="${left - 8}" y="${y + rowHeight / 2 + 4}" text-anchor="end">${xml(s.name)}</text>`,
        `<rect x="${left}" y="${barY}" width="${(x(s.ratio) - left).toFixed(1)}" height="${barHeight}" fill="${colour}"/>`,
      );
      if (s.ratioMax > s.ratioMin) {
        const midY = (barY + barHeight / 2).toFixed(1);
        parts.push(
          `<line x1="${x(s.ratioMin).toFixed(1)}" y1="${midY}" x2="${x(s.ratioMax).toFixed(1)}" y2="${midY}" stroke="#212121" stroke-width="1.5"/>`,
          `<line x1="${x(s.ratioMin).toFixed(1)}" y1="${barY + 4}" x2="${x(s.ratioMin).toFixed(1)}" y2="${barY + barHeight - 4}" stroke="#212121" stroke-width="1.5"/>`,
          `<line x1="${x(s.ratioMax).toFixed(1)}" y1="${barY + 4}" x2="${x(s.ratioMax).toFixed(1)}" y2="${barY + barHeight - 4}" stroke="#212121" stroke-width="1.5"/>`,
        );
      }
      parts.push(
        `<text x="${(Math.max(x(s.ratio), x(s.ratioMax)) + 6).toFixed(1)}" y="${y + rowHeight / 2 + 4}">${s.ratio.toFixed(2)}</text>`,
      );
      y += rowHeight;
    }
  }
  const goalX = x(GOAL_RATIO).toFixed(1);
  parts.push(
    `<line x1="${goalX}" y1="${top - 6}" x2="${goalX}" y2="${bottom}" stroke="#c62828" stroke-width="1.5" stroke-dasharray="5 3"/>`,
    `<text x="${goalX}" y="${top - 10}" text-anchor="middle" fill="#c62828">goal ${GOAL_RATIO}</text>`,
    `<text x="${left + plot / 2}" y="${bottom + 34}" text-anchor="middle" fill="#555">bar: mean of rounds · whisker: min–max over rounds</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

/** `wrangler deploy --dry-run`: what would be uploaded, bundled and minified as wrangler does it. */
function measureBundle(outDir: string): BundleSize {
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outDir], {
    cwd: ROOT,
    stdio: "ignore",
    timeout: 120_000,
  });
  return bundleSize(outDir);
}

function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8"));
  return (manifest as { version: string }).version;
}

function versionOf(command: string, argv: string[]): string {
  try {
    return execFileSync(command, argv, { encoding: "utf8", timeout: 10_000 }).trim().split("\n")[0]!;
  } catch {
    return "unknown";
  }
}

// ---- the run ----------------------------------------------------------------------------------

const ADMIN_TOKEN = "bench-admin";
const LOAD_APP = { appKey: "bench", appId: "wxbench000000001", appSecret: "bench-secret" };
const STAMPEDE_APP = { appKey: "bench-cold", appId: "wxbenchcold00001", appSecret: "bench-cold-secret" };

const baseDir = mkdtempSync(join(tmpdir(), "gateway-bench-"));
const wranglerLog = join(baseDir, "wrangler.log");
const simulator = await startSimulator({ port: 0, quiet: true });
let gateway: LocalGateway | undefined;
let bare: LocalWorker | undefined;
const stopAll = async () => {
  gateway?.stop();
  bare?.stop();
  await simulator.close();
  rmSync(baseDir, { recursive: true, force: true });
};
process.once("SIGINT", () => {
  void stopAll().finally(() => process.exit(130));
});

const loadAtStart = loadavg()[0]!;
/** The code under test: read before wrangler bundles it, as others may commit during the run. */
const commit = versionOf("git", ["-C", ROOT, "describe", "--always", "--dirty"]);
const failures: string[] = [];
let exitCode = 0;
try {
  for (const app of [LOAD_APP, STAMPEDE_APP])
    simulator.simulator.registerApp({ appid: app.appId, secret: app.appSecret });
  console.log("bench: bundling the gateway (wrangler deploy --dry-run)…");
  const bundle = measureBundle(join(baseDir, "dry-run"));
  console.log(`  code ${kib(bundle.code)}; with the pages' files ${kib(bundle.whole)}`);
  console.log("bench: starting the gateway (wrangler dev, fresh local state)…");
  const port = 8000 + Math.floor(Math.random() * 1000);
  gateway = await startLocalGateway({
    logTo: wranglerLog,
    port,
    wechatApiBase: simulator.url,
    adminToken: ADMIN_TOKEN,
    persistTo: join(baseDir, "state"),
  });
  const gw = gateway;

  async function register(app: { appKey: string; appId: string; appSecret: string }): Promise<void> {
    const put = await gw.admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, appSecret: app.appSecret });
    if (put.status !== 201)
      throw new Error(`registering ${app.appKey}: ${put.status} ${JSON.stringify(put.body)}`);
  }
  async function apiKey(appKey: string): Promise<string> {
    const created = await gw.admin("POST", `/apps/${appKey}/keys`);
    if (created.status !== 201)
      throw new Error(`creating a key for ${appKey}: ${JSON.stringify(created.body)}`);
    return (created.body.data as { key: string }).key;
  }
  const upstreamTokenCalls = async (appId: string): Promise<number> => {
    const state = (await (await fetch(`${simulator.url}/__sim/apps/${appId}`)).json()) as {
      calls: { token: number; stableNormal: number; stableForce: number };
    };
    return state.calls.token + state.calls.stableNormal + state.calls.stableForce;
  };

  await register(LOAD_APP);
  const key = await apiKey(LOAD_APP.appKey);
  const bearer = { Authorization: `Bearer ${key}` };
  const firstTokenAsked = performance.now();
  const tokenAnswer = await fetch(`${gw.url}/Wechat/${LOAD_APP.appKey}/AccessToken`, { headers: bearer });
  if (!tokenAnswer.ok) throw new Error(`AccessToken: ${tokenAnswer.status} ${await tokenAnswer.text()}`);
  const accessToken = ((await tokenAnswer.json()) as { data: { access_token: string } }).data.access_token;
  const firstTokenMs = performance.now() - firstTokenAsked;

  // The floor: the same WeChat calls with nothing in between, using the token the gateway holds,
  // so the simulator does the same token check for both.
  console.log("bench: starting the bare pass-through Workers (wrangler dev)…");
  const startBare = (config: string, name: string, portOffset: number) =>
    startWranglerDev({
      config,
      logTo: join(baseDir, `${name}.log`),
      port: port + portOffset,
      persistTo: join(baseDir, `${name}-state`),
      vars: { WECHAT_API_BASE: simulator.url, ACCESS_TOKEN: accessToken },
      // Forwarded to the simulator's own health check.
      readyPath: "/__sim/health",
    });
  bare = await startBare(BARE_WORKER_CONFIG, "bare", 1);
  const bareUrl = bare.url;
  const coldStarts = [
    { worker: "gateway", ...gw.startup },
    { worker: "bare Worker", ...bare.startup },
  ];
  for (const c of coldStarts) {
    console.log(
      `  ${c.worker}: wrangler dev → ready in ${fixed(c.readyMs)} ms, first answer ${fixed(c.firstAnswerMs, 1)} ms`,
    );
  }

  /** A fresh QR-Auth session for each qr-status run: sessions live 300 s. */
  async function qrSession(): Promise<string> {
    const answer = await fetch(`${gw.url}/Wechat/${LOAD_APP.appKey}/QR-Auth/Initiate`, {
      method: "POST",
      headers: { ...bearer, "Content-Type": "application/json" },
      body: JSON.stringify({ scopes: "profile" }),
    });
    if (!answer.ok) throw new Error(`QR-Auth/Initiate: ${answer.status} ${await answer.text()}`);
    return String(((await answer.json()) as { data: number }).data);
  }

  type Scenario = {
    name: string;
    request: string;
    note: string;
    /** Which Worker it calls. */
    url: string;
    load: () => Promise<Load>;
    /** The answer is WeChat's own JSON (or mimics it): an errcode other than 0 fails the bench. */
    wechatAnswer?: boolean;
    /**
     * false: a call that reaches WeChat, shown against /healthz for context only; its floor (and
     * goal) is the bare Worker's same call, measured below.
     */
    goal?: false;
  };
  type Group = { caption: string; baseline: Scenario; scenarios: Scenario[] };
  const urlLinkBody = JSON.stringify({ path: "pages/index/index" });
  const urlLinkLoad = async (): Promise<Load> => ({
    method: "POST",
    path: `/Wechat/${LOAD_APP.appKey}/UrlLinkGenerate`,
    headers: { ...bearer, "Content-Type": "application/json" },
    body: urlLinkBody,
  });
  const healthz: Scenario = {
    name: "healthz",
    request: "GET /healthz",
    note: "the baseline: no auth, no storage",
    url: gw.url,
    load: async () => ({ path: "/healthz" }),
  };
  const groups: Group[] = [
    {
      caption: "vs GET /healthz",
      baseline: healthz,
      scenarios: [
        {
          name: "token",
          request: "GET /Wechat/{appKey}/AccessToken",
          note: "API key, the keeper's token",
          url: gw.url,
          load: async () => ({ path: `/Wechat/${LOAD_APP.appKey}/AccessToken`, headers: bearer }),
        },
        {
          name: "gateway",
          request: "POST /Wechat/{appKey}/UrlLinkGenerate",
          note: "gateway API, reaches the simulator: for context, its floor is bare-urllink",
          url: gw.url,
          load: urlLinkLoad,
          goal: false,
        },
        {
          name: "proxy",
          request: "GET /proxy/{appKey}/cgi-bin/get_api_domain_ip?access_token=…",
          note: "transparent proxy as an SDK calls it; reaches the simulator: for context, its floor is bare-proxy",
          url: gw.url,
          load: async () => ({
            path: `/proxy/${LOAD_APP.appKey}/cgi-bin/get_api_domain_ip?access_token=${encodeURIComponent(accessToken)}`,
          }),
          wechatAnswer: true,
          goal: false,
        },
        {
          name: "qr-status",
          request: "GET /Wechat/{appKey}/QR-Auth/Status?signInKey=…",
          note: "the QR sign-in poll",
          url: gw.url,
          load: async () => ({
            path: `/Wechat/${LOAD_APP.appKey}/QR-Auth/Status?signInKey=${await qrSession()}`,
            headers: bearer,
          }),
        },
      ],
    },
    {
      caption: "proxy vs the bare Worker, same WeChat path",
      baseline: {
        name: "bare-proxy",
        request: "GET /cgi-bin/get_api_domain_ip",
        note: "the bare Worker, the floor: token on the query, fetch, answer as is",
        url: bareUrl,
        load: async () => ({ path: "/cgi-bin/get_api_domain_ip" }),
        wechatAnswer: true,
      },
      scenarios: [
        {
          name: "proxy-key",
          request: "GET /proxy/{appKey}/cgi-bin/get_api_domain_ip",
          note: "transparent proxy with an API key; reaches the simulator",
          url: gw.url,
          load: async () => ({
            path: `/proxy/${LOAD_APP.appKey}/cgi-bin/get_api_domain_ip`,
            headers: bearer,
          }),
          wechatAnswer: true,
        },
      ],
    },
    {
      caption: "API v1 vs the bare Worker, same WeChat call",
      baseline: {
        name: "bare-urllink",
        request: "POST /wxa/generate_urllink",
        note: "the bare Worker, the floor: token on the query, fetch, answer as is",
        url: bareUrl,
        load: async () => ({
          method: "POST",
          path: "/wxa/generate_urllink",
          headers: { "Content-Type": "application/json" },
          body: urlLinkBody,
        }),
        wechatAnswer: true,
      },
      scenarios: [
        {
          name: "urllink",
          request: "POST /Wechat/{appKey}/UrlLinkGenerate",
          note: "API v1 in the envelope; reaches the simulator",
          url: gw.url,
          load: urlLinkLoad,
        },
      ],
    },
  ];
  const everyScenario = groups.flatMap((g) => [g.baseline, ...g.scenarios]);

  /**
   * One request, checked: 2xx, and a WeChat answer without an errcode (a bare Worker whose token
   * WeChat stopped taking would still answer HTTP 200). Returns its latency in ms.
   */
  async function callOnce(scenario: Scenario): Promise<number> {
    const load = await scenario.load();
    const asked = performance.now();
    const answer = await fetch(`${scenario.url}${load.path}`, {
      method: load.method ?? "GET",
      headers: load.headers ?? {},
      ...(load.body === undefined ? {} : { body: load.body }),
    });
    const text = await answer.text();
    const ms = performance.now() - asked;
    if (!answer.ok) throw new Error(`${scenario.name}: ${answer.status} ${text}`);
    if (scenario.wechatAnswer) {
      const errcode = (JSON.parse(text) as { errcode?: unknown }).errcode;
      if (errcode !== undefined && errcode !== 0)
        throw new Error(`${scenario.name}: WeChat answered ${text}`);
    }
    return ms;
  }

  // Each scenario answers 2xx before it is measured; a benchmark of error answers measures nothing.
  // These are the first requests of each kind after the start (the token read's was above).
  const firstCalls: { name: string; request: string; note?: string; ms: number }[] = [
    {
      name: "token",
      request: "GET /Wechat/{appKey}/AccessToken",
      note: "the keeper fetches the token from the simulator",
      ms: firstTokenMs,
    },
  ];
  for (const scenario of everyScenario) {
    const ms = await callOnce(scenario);
    if (scenario.name !== "token" && scenario.name !== "healthz")
      firstCalls.push({ name: scenario.name, request: scenario.request, ms });
  }

  console.log(
    `bench: ${settings.rounds} round(s), ${settings.durationSeconds} s per run, ${settings.connections} connections, ` +
      `${settings.warmupSeconds} s warm-up per scenario; autocannon in its own process`,
  );
  // Each baseline warms up last in its group, as the group's first measured run is its own.
  for (const group of groups) {
    for (const scenario of [...group.scenarios, group.baseline]) {
      await autocannon(scenario.url, await scenario.load(), settings.warmupSeconds);
    }
  }

  type Run = { index: number; round: number; scenario: string } & Measured;
  const runs: Run[] = [];
  const workerAt = new Map([gw, bare].map((w) => [w.url, w]));
  const measure = async (scenario: Scenario, round: number): Promise<Run> => {
    const worker = workerAt.get(scenario.url)!;
    const load = await scenario.load();
    const cpuBefore = worker.cpuMs();
    const measured = await autocannon(scenario.url, load, settings.durationSeconds);
    const cpuAfter = worker.cpuMs();
    const cpuUs =
      cpuBefore === null || cpuAfter === null || measured.requests === 0
        ? null
        : ((cpuAfter - cpuBefore) * 1000) / measured.requests;
    const run = { index: runs.length + 1, round, scenario: scenario.name, ...measured, cpuUs };
    runs.push(run);
    console.log(
      `  #${String(run.index).padStart(2)} round ${round} ${scenario.name.padEnd(12)} ${fixed(run.rps).padStart(6)} req/s` +
        `  p50 ${run.p50} ms  p99 ${run.p99} ms${run.cpuUs === null ? "" : `  CPU ${fixed(run.cpuUs)} µs/req`}` +
        `${run.bad ? `  ${run.bad} bad answers` : ""}`,
    );
    if (run.bad) failures.push(`${scenario.name} (run ${run.index}): ${run.bad} of ${run.requests} not 2xx`);
    return run;
  };

  // Per round and group: B S1 B S2 B …, each scenario between two runs of its baseline; its ratio
  // is its req/s ÷ their mean.
  const ratios = new Map<string, number[]>(everyScenario.map((s) => [s.name, []]));
  for (let round = 1; round <= settings.rounds; round++) {
    for (const group of groups) {
      let before = await measure(group.baseline, round);
      for (const scenario of group.scenarios) {
        const run = await measure(scenario, round);
        const after = await measure(group.baseline, round);
        ratios.get(scenario.name)!.push(run.rps / mean([before.rps, after.rps]));
        before = after;
      }
    }
  }
  // The bare Worker's token must still have been taken at the end, or it measured error answers.
  for (const scenario of everyScenario.filter((s) => s.wechatAnswer)) {
    await callOnce(scenario).catch((error: Error) => failures.push(`after the runs, ${error.message}`));
  }

  const summarise = (scenario: Scenario, baseline: Scenario): Summary => {
    const own = runs.filter((r) => r.scenario === scenario.name);
    const baselineP50 = median(runs.filter((r) => r.scenario === baseline.name).map((r) => r.p50));
    const rs = scenario === baseline ? [1] : ratios.get(scenario.name)!;
    const p50 = median(own.map((r) => r.p50));
    const cpuOf = (rs: Run[]) => {
      const known = rs.flatMap((r) => (r.cpuUs === null ? [] : [r.cpuUs]));
      return known.length ? median(known) : null;
    };
    const cpuUs = cpuOf(own);
    const baselineCpuUs = cpuOf(runs.filter((r) => r.scenario === baseline.name));
    return {
      name: scenario.name,
      request: scenario.request,
      note: scenario.note,
      baseline: baseline.name,
      isBaseline: scenario === baseline,
      hasGoal: scenario !== baseline && scenario.goal !== false,
      rps: mean(own.map((r) => r.rps)),
      p50,
      p99: median(own.map((r) => r.p99)),
      ratio: mean(rs),
      ratioMin: Math.min(...rs),
      ratioMax: Math.max(...rs),
      addedP50: p50 - baselineP50,
      cpuUs,
      addedCpuUs: cpuUs === null || baselineCpuUs === null ? null : cpuUs - baselineCpuUs,
      bad: own.reduce((n, r) => n + r.bad, 0),
    };
  };
  const chartGroups: ChartGroup[] = groups.map((g) => ({
    caption: g.caption,
    summaries: [g.baseline, ...g.scenarios].map((s) => summarise(s, g.baseline)),
  }));
  const summaries = chartGroups.flatMap((g) => g.summaries);
  const loadAppTokenCalls = await upstreamTokenCalls(LOAD_APP.appId);

  // ---- stampede: N concurrent reads of an app nobody has read yet ----
  await register(STAMPEDE_APP);
  const coldKey = await apiKey(STAMPEDE_APP.appKey);
  const coldReads = await Promise.all(
    Array.from({ length: settings.stampedeReads }, async () => {
      const answer = await fetch(`${gw.url}/Wechat/${STAMPEDE_APP.appKey}/AccessToken`, {
        headers: { Authorization: `Bearer ${coldKey}` },
      });
      const body = (await answer.json()) as { data?: { access_token?: string } };
      return { status: answer.status, token: body.data?.access_token };
    }),
  );
  const stampede = {
    reads: settings.stampedeReads,
    ok: coldReads.filter((r) => r.status === 200).length,
    distinctTokens: new Set(coldReads.map((r) => r.token).filter(Boolean)).size,
    upstreamTokenCalls: await upstreamTokenCalls(STAMPEDE_APP.appId),
  };
  if (stampede.upstreamTokenCalls !== 1 || stampede.ok !== stampede.reads) {
    failures.push(
      `stampede: ${stampede.upstreamTokenCalls} upstream token calls (must be 1), ${stampede.ok}/${stampede.reads} reads 200`,
    );
  }

  // ---- cron tick cost as apps grow ----
  type CronTick = { shardsRead: number; overdue: number; rearmed: number; removed: number; failed: number };
  const readCronTicks = (): CronTick[] =>
    readFileSync(wranglerLog, "utf8")
      .split("\n")
      .filter((line) => line.includes('"event":"cron_tick"'))
      .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as CronTick);
  async function tick(): Promise<{ ms: number; report: CronTick | undefined }> {
    const seen = readCronTicks().length;
    const started = performance.now();
    const answer = await fetch(`${gw.url}/cdn-cgi/local/scheduled`);
    await answer.text();
    const ms = performance.now() - started;
    if (!answer.ok) throw new Error(`cron tick: HTTP ${answer.status}`);
    for (let i = 0; i < 40; i++) {
      const ticks = readCronTicks();
      if (ticks.length > seen) return { ms, report: ticks[ticks.length - 1] };
      await new Promise((r) => setTimeout(r, 50));
    }
    return { ms, report: undefined };
  }

  type CronRow = {
    registered: number;
    due: number;
    shardsRead: number;
    rearmed: number;
    medianMs: number;
    minMs: number;
    maxMs: number;
  };
  const cronRows: CronRow[] = [];
  let cronApps = 0;
  for (const target of settings.cronApps) {
    const batch: { appKey: string; appId: string; appSecret: string }[] = [];
    for (; cronApps < target; cronApps++) {
      const n = String(cronApps).padStart(6, "0");
      batch.push({ appKey: `bench-cron-${n}`, appId: `wxbenchcron${n}`, appSecret: `cron-secret-${n}` });
    }
    process.stdout.write(`bench: cron: registering and warming ${batch.length} apps (to ${target})…`);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const app = batch[next++]!;
        simulator.simulator.registerApp({ appid: app.appId, secret: app.appSecret });
        await register(app);
        // One token read (SDK-style, by appid and secret): the keeper fetches and arms its alarm.
        const warm = await fetch(
          `${gw.url}/proxy/${app.appKey}/cgi-bin/token?grant_type=client_credential&appid=${app.appId}&secret=${app.appSecret}`,
        );
        const body = (await warm.json()) as { access_token?: string };
        if (!body.access_token) throw new Error(`warming ${app.appKey}: ${JSON.stringify(body)}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(" done");
    await tick(); // the first tick after new apps also wakes the schedule shards; not counted
    const ticks: { ms: number; report: CronTick | undefined }[] = [];
    for (let i = 0; i < settings.cronTicks; i++) ticks.push(await tick());
    const reports = ticks.map((t) => t.report).filter((r): r is CronTick => r !== undefined);
    if (reports.length !== ticks.length)
      failures.push(`cron: ${ticks.length - reports.length} ticks left no cron_tick log line`);
    const ms = ticks.map((t) => t.ms);
    const row: CronRow = {
      registered: target + 2,
      due: Math.max(0, ...reports.map((r) => r.overdue)),
      shardsRead: Math.max(0, ...reports.map((r) => r.shardsRead)),
      rearmed: reports.reduce((n, r) => n + r.rearmed, 0),
      medianMs: median(ms),
      minMs: Math.min(...ms),
      maxMs: Math.max(...ms),
    };
    cronRows.push(row);
    console.log(
      `  ${row.registered} apps registered, ${row.due} due: tick ${fixed(row.medianMs, 1)} ms median ` +
        `(${fixed(row.minMs, 1)}–${fixed(row.maxMs, 1)}), ${row.shardsRead} shards read`,
    );
  }

  // ---- pushes: a burst at /push/{appKey}, every message to a healthy target once ----
  console.log(`bench: pushes: a burst of ${settings.pushes}, ${settings.pushConcurrency} at a time…`);
  const pushes = await benchPushes(gw.url, gw.admin, {
    pushes: settings.pushes,
    concurrency: settings.pushConcurrency,
  });
  failures.push(...pushes.problems);

  // ---- output ----
  const header = [
    "scenario",
    "vs",
    "req/s",
    "p50 ms",
    "p99 ms",
    "ratio",
    "range",
    "added p50",
    "CPU µs/req",
    "added CPU",
    "non-2xx",
  ];
  const signed = (n: number, unit: string) => `${n >= 0 ? "+" : ""}${fixed(n)}${unit}`;
  const rows = summaries.map((s) => [
    s.name,
    s.isBaseline ? "" : s.baseline,
    fixed(s.rps),
    String(s.p50),
    String(s.p99),
    fixed(s.ratio, 2),
    s.isBaseline ? "" : `${fixed(s.ratioMin, 2)}–${fixed(s.ratioMax, 2)}`,
    s.isBaseline ? "" : `${s.addedP50 >= 0 ? "+" : ""}${s.addedP50} ms`,
    s.cpuUs === null ? "" : fixed(s.cpuUs),
    s.isBaseline || s.addedCpuUs === null ? "" : signed(s.addedCpuUs, " µs"),
    String(s.bad),
  ]);
  const belowGoal = summaries.filter((s) => s.hasGoal && s.ratio < GOAL_RATIO);
  const goalLine =
    belowGoal.length === 0
      ? `Every scenario with a goal reaches ≥ ${GOAL_RATIO} × its baseline's req/s.`
      : `Below the ${GOAL_RATIO} goal: ${belowGoal.map((s) => `${s.name} (${fixed(s.ratio, 2)} of ${s.baseline})`).join(", ")}.`;
  console.log(`\n${textTable(header, rows)}\n`);
  console.log(goalLine);
  console.log(
    `bundle: code ${kib(bundle.code)}, with the pages' files ${kib(bundle.whole)}; cold start: ` +
      coldStarts
        .map(
          (c) => `${c.worker} ready in ${fixed(c.readyMs)} ms (first answer ${fixed(c.firstAnswerMs, 1)} ms)`,
        )
        .join(", "),
  );
  console.log(
    `first request of each kind after the start: ${firstCalls.map((f) => `${f.name} ${fixed(f.ms, 1)} ms`).join(", ")}`,
  );
  console.log(
    `stampede: ${stampede.reads} concurrent reads of a cold app → ${stampede.upstreamTokenCalls} upstream token call(s) ` +
      `(must be 1), ${stampede.ok} answered 200, ${stampede.distinctTokens} distinct token(s)`,
  );
  console.log(`load app: ${loadAppTokenCalls} upstream token call(s) across all ${runs.length} runs`);
  console.log(pushesSummary(pushes));

  const cpu = cpus();
  const machine = `${cpu[0]?.model.trim() ?? "unknown CPU"} × ${cpu.length} cores, ${fixed(totalmem() / 2 ** 30, 1)} GiB, ${osType()} ${release()}`;
  const versions = {
    node: process.version,
    wrangler: packageVersion("wrangler"),
    workerd: versionOf(join(ROOT, "node_modules/.bin/workerd"), ["--version"]),
    autocannon: packageVersion("autocannon"),
  };
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const settingsLine =
    `${settings.rounds} round(s) × ${settings.durationSeconds} s per run, ${settings.connections} connections, ` +
    `${settings.warmupSeconds} s warm-up per scenario${quick ? " (--quick)" : ""}`;

  mkdirSync(settings.outDir, { recursive: true });
  writeFileSync(join(settings.outDir, "ratios.svg"), ratiosSvg(chartGroups, `${date} · ${settingsLine}`));
  const report = `# Benchmark

Written by \`npm run bench\` (scripts/bench.ts) on ${date}. Everything runs on one machine under
\`wrangler dev\` (local state, workerd), so absolute figures say little about production; the
ratios to the baselines are the point.

- Machine: ${machine}
- Node ${versions.node}, wrangler ${versions.wrangler}, ${versions.workerd}, autocannon ${versions.autocannon}
- Commit: \`${commit}\`
- Settings: ${settingsLine}
- Load average (1 min) at the start and the end: ${fixed(loadAtStart, 2)}, ${fixed(loadavg()[0]!, 2)}
  (other work on the machine shows as spread between rounds)
- The load generator (autocannon) runs in its own process; the WeChat simulator runs in the bench
  process, the gateway and the two bare Workers in a \`wrangler dev\` each.

## Throughput and latency

Two baselines. \`GET /healthz\` (no auth, no storage, no WeChat) for the token read and the QR poll,
which never leave the gateway. For the calls that reach WeChat, the floor is the cheapest Worker
that does the same job: the bare pass-through Worker in \`bench/passthrough/\` (started with its
own plain \`wrangler dev\`) takes the request, puts the token the gateway holds on the query,
fetches the simulator at the same WeChat path and returns the answer as is: no auth, no storage,
no checks. The simulator checks that token as it checks the gateway's.

Each scenario runs between two runs of its baseline (\`healthz\` \`token\` \`healthz\` \`gateway\` \`healthz\` …,
then \`bare-proxy\` \`proxy-key\` \`bare-proxy\`, then \`bare-urllink\` \`urllink\` \`bare-urllink\`, every
round), and its ratio is its req/s divided by the mean of those two baseline runs, so the machine's
drift during the run cancels out. *ratio* is the mean over rounds, *range* the lowest and highest
round. req/s is the mean over rounds; p50 and p99 the median over rounds; *added p50* is the
scenario's p50 minus its baseline's. *CPU µs/req* is the CPU time (user + system, from /proc) the
serving Worker's workerd processes used over a run, divided by its requests (median over runs), and
*added CPU* that minus its baseline's: on a machine shared with other work it moves far less than
req/s, so it says more reliably what each step costs.

${markdownTable(
  [
    "scenario",
    "request",
    "vs",
    "req/s",
    "p50 ms",
    "p99 ms",
    "ratio",
    "range",
    "added p50 ms",
    "CPU µs/req",
    "added CPU µs",
  ],
  summaries.map((s) => [
    `\`${s.name}\``,
    `\`${s.request}\` (${s.note})`,
    s.isBaseline ? "" : `\`${s.baseline}\``,
    fixed(s.rps),
    String(s.p50),
    String(s.p99),
    s.isBaseline ? "1.00" : s.hasGoal ? `**${fixed(s.ratio, 2)}**` : fixed(s.ratio, 2),
    s.isBaseline ? "" : `${fixed(s.ratioMin, 2)}–${fixed(s.ratioMax, 2)}`,
    s.isBaseline ? "" : `${s.addedP50 >= 0 ? "+" : ""}${s.addedP50}`,
    s.cpuUs === null ? "" : fixed(s.cpuUs),
    s.isBaseline || s.addedCpuUs === null ? "" : signed(s.addedCpuUs, ""),
  ]),
  3,
)}

![req/s of each scenario as a share of its baseline's](ratios.svg)

Goal: ≥ ${GOAL_RATIO} × the baseline, for every scenario but the two calls that reach WeChat shown
against \`/healthz\` for context (grey in the chart): their floor is the bare Worker's same call. ${goalLine}

Upstream token calls for the app under load, across all ${runs.length} runs: **${loadAppTokenCalls}**.

<details><summary>Every run, in the order it ran</summary>

${markdownTable(
  ["#", "round", "scenario", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "requests", "non-2xx"],
  runs.map((r) => [
    String(r.index),
    String(r.round),
    r.scenario,
    fixed(r.rps),
    String(r.p50),
    String(r.p99),
    r.cpuUs === null ? "" : fixed(r.cpuUs),
    String(r.requests),
    String(r.bad),
  ]),
  3,
)}

</details>

## Bundle and cold start

- **Bundle** (\`wrangler deploy --dry-run\`, ${bundle.files} file(s)): the code ${fixed(bundle.code.rawKib)} KiB raw,
  **${fixed(bundle.code.gzipKib)} KiB gzip**; with the pages' files (Swagger UI and the pages' scripts,
  loaded only when a browser asks for \`/assets/\`) ${fixed(bundle.whole.rawKib)} KiB raw,
  ${fixed(bundle.whole.gzipKib)} KiB gzip (the budgets in \`scripts/bundle-budget.ts\`: code
  ${CODE_BUDGET.rawKib} / ${CODE_BUDGET.gzipKib} KiB, whole ${WHOLE_BUDGET.rawKib} / ${WHOLE_BUDGET.gzipKib} KiB).
- **Start**: from spawning \`wrangler dev\` until the first answer to the ready probe (the gateway's
  \`GET /healthz\`; the bare Worker's forwarded \`/__sim/health\`), polled every 100 ms. It includes
  wrangler's own start and bundling, and for the gateway its \`[build]\` step (the browser pages'
  scripts). *First answer* is that probe's own latency: wrangler's proxy accepts connections before
  workerd has loaded the Worker and holds them until it has, so it includes the end of the load.

${markdownTable(
  ["Worker", "wrangler dev → ready ms", "first answer ms"],
  coldStarts.map((c) => [c.worker, fixed(c.readyMs), fixed(c.firstAnswerMs, 1)]),
)}

The first request of each kind after the start (one at a time, before any load; the app was
registered and its key created just before, and the token read before all others made the keeper
fetch the token from the simulator):

${markdownTable(
  ["scenario", "request", "ms"],
  firstCalls.map((f) => [`\`${f.name}\``, `\`${f.request}\`${f.note ? ` (${f.note})` : ""}`, fixed(f.ms, 1)]),
  2,
)}

## Token stampede

${stampede.reads} concurrent \`GET /Wechat/{appKey}/AccessToken\` of a freshly registered app that nobody
had read: **${stampede.upstreamTokenCalls}** upstream token call(s) at the simulator (must be 1);
${stampede.ok} of ${stampede.reads} answered 200, with ${stampede.distinctTokens} distinct token(s).

## Cron tick

Apps are registered and each read once, so its keeper holds a token and has armed its alarm; then
\`/cdn-cgi/local/scheduled\` runs the tick ${settings.cronTicks} times (after one uncounted tick). The tick
reads every schedule shard for *overdue* rows only, so its cost follows the apps due, not the apps
registered; with every alarm on schedule, none is due. Time is the HTTP round trip of the local
trigger, which answers once the tick (a \`waitUntil\` task) has finished; *apps due* and *shards
read* come from the worker's \`cron_tick\` log line.

${markdownTable(
  ["apps registered", "apps due", "shards read", "re-armed", "tick ms (median)", "min–max ms"],
  cronRows.map((r) => [
    String(r.registered),
    String(r.due),
    String(r.shardsRead),
    String(r.rearmed),
    fixed(r.medianMs, 1),
    `${fixed(r.minMs, 1)}–${fixed(r.maxMs, 1)}`,
  ]),
)}

${pushesMarkdown(pushes, markdownTable)}`;
  writeFileSync(join(settings.outDir, "report.md"), report);
  console.log(
    `wrote ${relative(ROOT, join(settings.outDir, "report.md"))} and ${relative(ROOT, join(settings.outDir, "ratios.svg"))}`,
  );
} catch (error) {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 1;
} finally {
  await stopAll();
}
if (failures.length > 0) {
  console.error(`bench: FAILED\n  ${failures.join("\n  ")}`);
  exitCode = 1;
}
process.exit(exitCode);

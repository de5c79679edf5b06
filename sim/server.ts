// Node HTTP adapter for the WeChat simulator, and its command line:
//   node sim/server.ts --port 9797 [--host 127.0.0.1] [--app wxappid:secret ...] [--quiet]
//                      [--code-webhook-secret S] [--push-tickets]
// --code-webhook-secret is the gateway's CODE_WEBHOOK_SECRET: the verification-code webhook
// receiver at /__sim/codes then checks each X-Gateway-Signature (signatureValid true/false, else null).
// --push-tickets pushes each third-party platform with a pushUrl a verify ticket every 10 minutes.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import { runAsCommand } from "./command-line.ts";
import { VERIFY_TICKET_PUSH_INTERVAL_SECONDS } from "./limits.ts";
import { listen } from "./listening.ts";
import { isSimulatorDrop, WeChatSimulator } from "./wechat.ts";

export interface StartSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** No per-request log lines (nor the lines showing verification codes posted to /__sim/codes). */
  quiet?: boolean;
  /** Announce received verification codes even when `quiet` (npm run dev shows them this way). */
  announceCodes?: boolean;
  /** The gateway's CODE_WEBHOOK_SECRET, to check signatures on POST /__sim/codes. */
  codeWebhookSecret?: string;
  /**
   * Push a new verify ticket every 10 minutes (real time) to each third-party platform that has a
   * pushUrl, as WeChat does (npm run dev). Off by default; the timer never keeps Node alive.
   */
  pushTickets?: boolean;
}

export interface RunningSimulator {
  /** e.g. "http://127.0.0.1:9797", no trailing slash. */
  url: string;
  port: number;
  simulator: WeChatSimulator;
  close(): Promise<void>;
}

/** Headers that describe the HTTP/1.1 connection rather than the request; a Request must not carry them. */
const CONNECTION_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-length",
]);

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function toWebRequest(req: IncomingMessage, body: Buffer, origin: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || CONNECTION_HEADERS.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD" && body.length > 0;
  return new Request(new URL(req.url ?? "/", origin), {
    method,
    headers,
    body: hasBody ? new Uint8Array(body) : null,
    signal,
  });
}

/**
 * An answer that declares its length (the QR-code images) goes out chunk by chunk as its stream
 * yields them, with a pause between chunks, so clients meet a body that arrives in pieces.
 */
async function streamAnswer(answer: Response, body: ReadableStream<Uint8Array>, res: ServerResponse) {
  if (res.destroyed) return;
  res.writeHead(answer.status, Object.fromEntries(answer.headers));
  for await (const chunk of body) {
    if (res.destroyed) return;
    res.write(chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

async function serve(simulator: WeChatSimulator, origin: string, req: IncomingMessage, res: ServerResponse) {
  // Lets a slow fault notice that the client gave up, so it neither answers nor issues a token.
  const clientGone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) clientGone.abort();
  });
  try {
    const request = toWebRequest(req, await readBody(req), origin, clientGone.signal);
    const answer = await simulator.handle(request, {
      remoteIp: req.socket.remoteAddress ?? "127.0.0.1",
      ...(req.url === undefined ? {} : { target: req.url }),
    });
    if (isSimulatorDrop(answer)) {
      req.socket.destroy();
      return;
    }
    if (answer.body && answer.headers.has("content-length")) {
      await streamAnswer(answer, answer.body, res);
      return;
    }
    const body = Buffer.from(await answer.arrayBuffer());
    if (res.destroyed) return;
    res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), "Content-Length": body.length });
    res.end(body);
  } catch (error) {
    if (res.destroyed) return;
    res.writeHead(500, { "Content-Type": "text/plain" });
    res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function startSimulator(opts: StartSimulatorOptions = {}): Promise<RunningSimulator> {
  const host = opts.host ?? "127.0.0.1";
  const simulator = new WeChatSimulator({
    log: opts.quiet ? undefined : (line) => console.log(`[wechat-sim] ${line}`),
    codeWebhookSecret: opts.codeWebhookSecret,
    ...(opts.announceCodes ? { codeLog: (line: string) => console.log(`[wechat-sim] ${line}`) } : {}),
  });
  let origin = "";
  const server = createServer((req, res) => void serve(simulator, origin, req, res));
  const listening = await listen(server, opts.port ?? 0, host);
  const port = listening.port;
  const ticketTimer = opts.pushTickets
    ? setInterval(
        () => void simulator.pushVerifyTickets(),
        VERIFY_TICKET_PUSH_INTERVAL_SECONDS * 1000,
      ).unref()
    : undefined;
  origin = listening.url;

  return {
    url: origin,
    port,
    simulator,
    close: () => {
      clearInterval(ticketTimer);
      return listening.close();
    },
  };
}

/** `--app wxappid:secret`: the secret may itself contain colons. */
function parseAppOption(value: string): { appid: string; secret: string } {
  const colon = value.indexOf(":");
  if (colon <= 0 || colon === value.length - 1) throw new Error(`--app expects appid:secret, got "${value}"`);
  return { appid: value.slice(0, colon), secret: value.slice(colon + 1) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "9797" },
      host: { type: "string", default: "127.0.0.1" },
      app: { type: "string", multiple: true, default: [] },
      quiet: { type: "boolean", default: false },
      "code-webhook-secret": { type: "string" },
      "push-tickets": { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
  const apps = values.app.map(parseAppOption);
  const running = await startSimulator({
    port,
    host: values.host,
    quiet: values.quiet,
    codeWebhookSecret: values["code-webhook-secret"],
    pushTickets: values["push-tickets"],
  });
  for (const app of apps) running.simulator.registerApp(app);
  console.log(`WeChat simulator listening on ${running.url}`);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

runAsCommand(import.meta.url, main);

// A tiny backend for `npm run dev`: it receives the gateway's push deliveries (SPEC §12), checks
// their signature and prints one line for each, so a push from the simulator can be seen reaching
// a backend. Also a command line:
//   node sim/demo-backend.ts [--port 9798] [--host 127.0.0.1] [--secret <delivery secret>]
//
//   POST /<any path>  a delivery -> 200 "ok" (401 when a secret is set and the signature is wrong)
//   POST /reply       the same, answered with a passive text reply "收到: <content>" in the push's
//                     format (XML or JSON), for a target marked "reply": true
//   GET  /deliveries  -> {deliveries: [received...]} the last 200, oldest first
//
// A delivery, as the gateway sends it:
//   Content-Type: application/json
//   X-Gateway-Delivery: <id>                 (the same on every retry)
//   X-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(delivery secret, "<t>.<raw body>")>
//   {"id", "appKey", "appId", "receivedAt", "format": "xml" | "json", "message": {…}, "raw": "…"}

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { parseArgs } from "node:util";
import { runAsCommand } from "./command-line.ts";
import { listen } from "./listening.ts";

/** A signature more than 5 minutes from the backend's clock does not count (a captured request replayed later). */
const SIGNATURE_WINDOW_SECONDS = 300;
/** Deliveries GET /deliveries keeps. */
const DELIVERIES_KEPT = 200;

export interface DemoBackendOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback by default. */
  host?: string;
  /** The app's delivery secret; without it (or "") signatures are not checked (verified null). */
  deliverySecret?: string;
  /** Where the one line per delivery goes; default console.log with a "[demo-backend]" prefix. */
  log?: (line: string) => void;
  /** Milliseconds since the epoch, for the signature's time window; default Date.now. */
  now?: () => number;
}

/** One delivery as the demo backend received it. */
interface DemoDelivery {
  /** Backend-clock ms. */
  receivedAt: number;
  path: string;
  /** X-Gateway-Delivery, null when absent. */
  deliveryId: string | null;
  /** X-Gateway-Signature as sent, null when absent. */
  signature: string | null;
  /** null without a secret; false for a wrong, malformed or stale signature. */
  verified: boolean | null;
  /** The parsed JSON body, null when it is not JSON. */
  body: DeliveryBody | null;
  bodyText: string;
  /** What /reply answered; null elsewhere or when it did not reply. */
  reply: string | null;
}

/** The JSON the gateway POSTs (SPEC §12). */
interface DeliveryBody {
  id?: string;
  appKey?: string;
  appId?: string;
  receivedAt?: string | number;
  format?: "xml" | "json";
  message?: Record<string, unknown>;
  raw?: string;
}

export interface RunningDemoBackend {
  /** e.g. "http://127.0.0.1:9798", no trailing slash. */
  url: string;
  port: number;
  /** Received deliveries, oldest first (the last 200). */
  deliveries(): DemoDelivery[];
  close(): Promise<void>;
}

/**
 * Checks `t=<seconds>,v1=<hex>` against HMAC-SHA256(secret, "<t>." + body), in constant time, and
 * t within 5 minutes of `nowMs`.
 */
function verifyDeliverySignature(
  secret: string,
  header: string | null,
  body: Uint8Array,
  nowMs: number,
): boolean {
  if (header === null) return false;
  const fields = new Map(
    header.split(",").map((part) => {
      const eq = part.indexOf("=");
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
    }),
  );
  const t = fields.get("t");
  const v1 = fields.get("v1");
  if (t === undefined || v1 === undefined || !/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(nowMs / 1000 - Number(t)) > SIGNATURE_WINDOW_SECONDS) return false;
  const expected = createHmac("sha256", secret).update(`${t}.`).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(v1, "hex"));
}

function parseBody(text: string): DeliveryBody | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as DeliveryBody)
      : null;
  } catch {
    return null;
  }
}

function text(value: unknown): string {
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** "text", "event subscribe", … */
function kindOf(message: Record<string, unknown> | undefined): string {
  const msgType = text(message?.MsgType) || "?";
  return msgType === "event" ? `event ${text(message?.Event) || "?"}` : msgType;
}

function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

/**
 * A passive text reply to the delivered message, in its format: to the sender, from the app, with
 * "收到: " and what the user sent (or the message's type when it has no text).
 */
function passiveTextReply(body: DeliveryBody, nowMs: number): { contentType: string; text: string } {
  const message = body.message ?? {};
  const content = `收到: ${text(message.Content) || kindOf(message)}`;
  const createTime = Math.floor(nowMs / 1000);
  const to = text(message.FromUserName);
  const from = text(message.ToUserName);
  if (body.format === "json") {
    return {
      contentType: "application/json",
      text: JSON.stringify({
        ToUserName: to,
        FromUserName: from,
        CreateTime: createTime,
        MsgType: "text",
        Content: content,
      }),
    };
  }
  return {
    contentType: "text/xml",
    text:
      `<xml><ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName>` +
      `<CreateTime>${createTime}</CreateTime><MsgType>${cdata("text")}</MsgType>` +
      `<Content>${cdata(content)}</Content></xml>`,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function answer(res: ServerResponse, status: number, contentType: string, body: string): void {
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": bytes.length });
  res.end(bytes);
}

export async function startDemoBackend(opts: DemoBackendOptions = {}): Promise<RunningDemoBackend> {
  const host = opts.host ?? "127.0.0.1";
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((line: string) => console.log(`[demo-backend] ${line}`));
  const secret = opts.deliverySecret || undefined;
  let received: DemoDelivery[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://backend").pathname;
    if (req.method === "GET" && path === "/deliveries") {
      answer(res, 200, "application/json", JSON.stringify({ deliveries: received }));
      return;
    }
    if (req.method !== "POST") {
      answer(res, 405, "text/plain", "POST a delivery here");
      return;
    }
    const raw = await readBody(req);
    const bodyText = raw.toString("utf8");
    const signature = req.headers["x-gateway-signature"];
    const signatureHeader = typeof signature === "string" ? signature : null;
    const id = req.headers["x-gateway-delivery"];
    const receivedAt = now();
    const verified =
      secret === undefined ? null : verifyDeliverySignature(secret, signatureHeader, raw, receivedAt);
    const body = parseBody(bodyText);
    const replying = path === "/reply" && body !== null && verified !== false;
    const reply = replying ? passiveTextReply(body, receivedAt) : null;
    const delivery: DemoDelivery = {
      receivedAt,
      path,
      deliveryId: typeof id === "string" ? id : null,
      signature: signatureHeader,
      verified,
      body,
      bodyText,
      reply: reply?.text ?? null,
    };
    received.push(delivery);
    if (received.length > DELIVERIES_KEPT) received = received.slice(-DELIVERIES_KEPT);
    const verdict = verified === null ? "unchecked (no secret)" : verified ? "yes" : "NO";
    log(
      `delivery ${delivery.deliveryId ?? body?.id ?? "?"} app=${body?.appKey ?? "?"} ${kindOf(body?.message)}` +
        ` verified=${verdict}${reply ? " -> replied" : ""}`,
    );
    if (verified === false) {
      answer(res, 401, "text/plain", "bad signature");
      return;
    }
    if (reply) answer(res, 200, reply.contentType, reply.text);
    else answer(res, 200, "text/plain", "ok");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        answer(res, 500, "text/plain", error instanceof Error ? error.message : String(error));
    });
  });
  const { url, port, close } = await listen(server, opts.port ?? 0, host);
  return {
    url,
    port,
    deliveries: () => [...received],
    close,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "9798" },
      host: { type: "string", default: "127.0.0.1" },
      secret: { type: "string" },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${values.port}`);
  const backend = await startDemoBackend({
    port,
    host: values.host,
    ...(values.secret === undefined ? {} : { deliverySecret: values.secret }),
  });
  console.log(`Demo backend listening on ${backend.url} (${backend.url}/reply answers with a passive reply)`);
  const stop = () => {
    backend.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

runAsCommand(import.meta.url, main);

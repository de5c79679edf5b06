// A stand-in for the mailbox / SMS gateway behind the gateway's verification-code webhook
// (CODE_WEBHOOK_URL). The gateway POSTs each code here; tests and `npm run dev` read them back.
//
//   POST   /__sim/codes            the webhook itself -> 204, whatever the signature says
//   GET    /__sim/codes[?target=]  -> {codes: [received...]} oldest first
//   DELETE /__sim/codes            -> {codes: []}
//
// The contract the gateway sends:
//   Content-Type: application/json
//   X-Gateway-Event: verification-code
//   X-Gateway-Signature: t=<unix seconds>,v1=<lowercase hex HMAC-SHA256(secret, "<t>.<raw body>")>
//   {"appKey", "channel": "email" | "phone", "target", "code", "expiresAt", "ttlSeconds"}

import { isObject, json } from "./control-body.ts";

/** Signatures older or newer than 5 minutes do not count: a captured request cannot be replayed later. */
const CODE_WEBHOOK_REPLAY_WINDOW_SECONDS = 300;

/** How many received codes GET /__sim/codes keeps: the shared test simulator serves many test files. */
const CODE_WEBHOOK_HISTORY_LENGTH = 200;

/** v1 is a SHA-256 HMAC: 32 bytes as lowercase hex. */
const SIGNATURE_V1 = /^[0-9a-f]{64}$/;
const SIGNATURE_TIMESTAMP = /^\d+$/;

export interface ReceivedCode {
  /** Simulator-clock milliseconds (the shared clock, not an app's). */
  receivedAt: number;
  /** The X-Gateway-Event header; null when absent. */
  event: string | null;
  /** The X-Gateway-Signature header as sent; null when absent. */
  signature: string | null;
  /** null when the simulator has no secret to check with; false also for a stale or malformed header. */
  signatureValid: boolean | null;
  /** The parsed JSON body, or null when it is not JSON. */
  body: unknown;
  bodyText: string;
}

export interface CodeWebhookOptions {
  /** The shared secret; undefined or "" means signatures are not checked (signatureValid null). */
  secret?: string | undefined;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** One line per received code, showing the code: this receiver plays the user's mailbox. */
  log?: ((line: string) => void) | undefined;
}

const encoder = new TextEncoder();

/** Web Crypto's CryptoKey, which Node's types declare only under node:crypto. */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

export class CodeWebhookReceiver {
  private readonly key: Promise<HmacKey> | null;
  private readonly now: () => number;
  private readonly log: ((line: string) => void) | undefined;
  private received: ReceivedCode[] = [];

  constructor(opts: CodeWebhookOptions) {
    // Web Crypto refuses an empty HMAC key, and an empty secret protects nothing anyway.
    this.key = opts.secret
      ? crypto.subtle.importKey(
          "raw",
          encoder.encode(opts.secret),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["verify"],
        )
      : null;
    this.now = opts.now;
    this.log = opts.log;
  }

  /** /__sim/codes (the control API routes it here). */
  async handle(req: Request, url: URL): Promise<Response> {
    switch (req.method) {
      case "POST":
        await this.receive(req);
        return new Response(null, { status: 204 });
      case "GET": {
        const target = url.searchParams.get("target");
        const codes = target === null ? this.received : this.received.filter((c) => hasTarget(c, target));
        return json({ codes });
      }
      case "DELETE":
        this.received = [];
        return json({ codes: [] });
      default:
        return json({ error: "method not allowed" }, 405);
    }
  }

  private async receive(req: Request): Promise<void> {
    // The signature covers the bytes as sent; req.text() would drop a leading BOM.
    const raw = new Uint8Array(await req.arrayBuffer());
    const bodyText = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(raw);
    const signature = req.headers.get("x-gateway-signature");
    const receivedAt = this.now();
    const entry: ReceivedCode = {
      receivedAt,
      event: req.headers.get("x-gateway-event"),
      signature,
      signatureValid: this.key ? await verify(await this.key, signature, raw, receivedAt) : null,
      body: parseJson(bodyText),
      bodyText,
    };
    this.received.push(entry);
    if (this.received.length > CODE_WEBHOOK_HISTORY_LENGTH) {
      this.received = this.received.slice(-CODE_WEBHOOK_HISTORY_LENGTH);
    }
    this.log?.(describe(entry));
  }
}

/** Checks `t=<seconds>,v1=<hex>`: the HMAC of "<t>." + body, and t within the replay window. */
async function verify(key: HmacKey, header: string | null, raw: Uint8Array, nowMs: number): Promise<boolean> {
  const fields = parseSignatureHeader(header);
  const t = fields?.get("t");
  const v1 = fields?.get("v1");
  if (t === undefined || v1 === undefined || !SIGNATURE_TIMESTAMP.test(t) || !SIGNATURE_V1.test(v1)) {
    return false;
  }
  if (Math.abs(nowMs / 1000 - Number(t)) > CODE_WEBHOOK_REPLAY_WINDOW_SECONDS) return false;
  const prefix = encoder.encode(`${t}.`);
  const signed = new Uint8Array(prefix.length + raw.length);
  signed.set(prefix);
  signed.set(raw, prefix.length);
  // crypto.subtle.verify compares in constant time.
  return crypto.subtle.verify("HMAC", key, hexBytes(v1), signed);
}

/** `k=v,k=v` as a map; null when a part has no "=" or a key repeats (ambiguous, so not trusted). */
function parseSignatureHeader(header: string | null): Map<string, string> | null {
  if (header === null) return null;
  const fields = new Map<string, string>();
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) return null;
    const name = part.slice(0, eq).trim();
    if (fields.has(name)) return null;
    fields.set(name, part.slice(eq + 1).trim());
  }
  return fields;
}

function hexBytes(hex: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function hasTarget(entry: ReceivedCode, target: string): boolean {
  return isObject(entry.body) && entry.body.target === target;
}

/** e.g. "verification code 123456 for alice@example.com (email, app demo)". */
function describe(entry: ReceivedCode): string {
  const body = isObject(entry.body) ? entry.body : {};
  const { code, target, channel, appKey } = body;
  const line =
    typeof code === "string" && typeof target === "string"
      ? `verification code ${code} for ${target} (${String(channel)}, app ${String(appKey)})`
      : `verification-code webhook with an unreadable body (${entry.bodyText.length} chars)`;
  return entry.signatureValid === false ? `${line} - signature INVALID` : line;
}

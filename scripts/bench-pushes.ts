// The bench's "Pushes" section (scripts/bench.ts): WeChat's view of the gateway as an app's server
// URL, and how long a push takes to reach a healthy backend through the delivery queue.
//
// An app is registered with push settings (safe mode: Token and EncodingAESKey) and one target, a
// loopback recorder in the bench process that notes when each delivery arrives (by its
// X-Gateway-Delivery id, checking X-Gateway-Signature with the delivery secret the PUT answered).
// A burst of signed, encrypted text messages with distinct MsgIds goes straight to
// /push/{appKey}, a fixed number at a time, as WeChat would send them; each answer's time is what
// WeChat waits. Then the bench waits until every message reached the target: push sent →
// delivered is the delivery latency. A second app whose only target is the replier (answering at
// once) gives the answer time with a passive reply, sealed by the gateway.

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type AppPushSettings, defaultPushSettings, sealPush } from "../sim/app-push.ts";
import { buildMessage } from "../sim/app-push-messages.ts";
import { decryptMessage } from "../sim/msg-crypt.ts";

type Admin = (
  method: string,
  path: string,
  body?: unknown,
) => Promise<{ status: number; body: Record<string, unknown> }>;

type PushApp = { appKey: string; appId: string; appSecret: string };

const BURST_APP: PushApp = {
  appKey: "bench-push",
  appId: "wxbenchpush00001",
  appSecret: "bench-push-secret",
};
const REPLY_APP: PushApp = {
  appKey: "bench-reply",
  appId: "wxbenchreply0001",
  appSecret: "bench-reply-secret",
};
const PUSH_TOKEN = "benchPushToken";
/** 43 letters and digits, as WeChat's console makes them. */
const PUSH_AES_KEY = "benchPushEncodingAESKey0123456789abcdefghij";
const SENDER = "obenchpushsender000000000000";
/** How long the bench waits for the last delivery, and then for a late duplicate. */
const DELIVERY_TIMEOUT_MS = 60_000;
const DUPLICATE_WATCH_MS = 2_000;
const REPLY_SAMPLES = 20;
/** Pushes one at a time, each awaited at the target: the answer and delivery with no burst. */
const LONE_SAMPLES = 5;
const REPLY_TEXT = "bench reply";

type Stats = { p50: number; p99: number; max: number };

/** Nearest-rank percentile; Stats of an empty list are NaN. */
function stats(xs: number[]): Stats {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  if (sorted.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1]! };
}

export type PushBench = {
  pushes: number;
  concurrency: number;
  /** The burst's answers: how many were 200 `success`, and their times (ms). */
  answered: number;
  success: number;
  answer: Stats;
  burstMs: number;
  /** Push sent → delivered at the target; gateway received → delivered (from `receivedAt`). */
  delivery: Stats;
  queue: Stats;
  received: number;
  distinct: number;
  duplicates: number;
  badSignatures: number;
  /** Push sent → the last delivery, ms. */
  allDeliveredMs: number | null;
  reply: { samples: number; answer: Stats; sealed: number };
  lone: { samples: number; answer: Stats; delivery: Stats };
  problems: string[];
};

/** index: the burst's message number, -1 for the others (the warm-up, the lone pushes). */
type Arrival = {
  id: string;
  content: string;
  index: number;
  at: number;
  receivedAt: number;
  signed: boolean;
};

/** The target: `/` records deliveries; `/reply` answers each at once with a passive reply. */
async function startRecorder(): Promise<{
  url: string;
  arrivals: Arrival[];
  secrets: string[];
  server: Server;
}> {
  const arrivals: Arrival[] = [];
  const secrets: string[] = [];
  const verify = (req: IncomingMessage, body: string): boolean => {
    const header = String(req.headers["x-gateway-signature"] ?? "");
    const t = /(?:^|,)t=(\d+)/.exec(header)?.[1];
    const v1 = /(?:^|,)v1=([0-9a-f]{64})/.exec(header)?.[1];
    if (t === undefined || v1 === undefined) return false;
    return secrets.some((secret) =>
      timingSafeEqual(Buffer.from(v1, "hex"), createHmac("sha256", secret).update(`${t}.${body}`).digest()),
    );
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const at = performance.now();
      const body = Buffer.concat(chunks).toString("utf8");
      let delivery: {
        receivedAt?: string;
        message?: { Content?: unknown; FromUserName?: unknown; ToUserName?: unknown };
      };
      try {
        delivery = JSON.parse(body) as typeof delivery;
      } catch {
        res.writeHead(400).end();
        return;
      }
      if (req.url === "/reply") {
        const m = delivery.message ?? {};
        const reply =
          `<xml><ToUserName><![CDATA[${String(m.FromUserName)}]]></ToUserName><FromUserName><![CDATA[${String(m.ToUserName)}]]></FromUserName>` +
          `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${REPLY_TEXT}]]></Content></xml>`;
        res.writeHead(200, { "Content-Type": "text/xml" }).end(reply);
        return;
      }
      const content = String(delivery.message?.Content ?? "");
      arrivals.push({
        id: String(req.headers["x-gateway-delivery"] ?? ""),
        content,
        index: Number(/^bench push (\d+)$/.exec(content)?.[1] ?? -1),
        at,
        receivedAt: Date.parse(delivery.receivedAt ?? ""),
        signed: verify(req, body),
      });
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, arrivals, secrets, server };
}

const settingsFor = (app: PushApp): AppPushSettings => ({
  ...defaultPushSettings(app.appId),
  token: PUSH_TOKEN,
  encodingAESKey: PUSH_AES_KEY,
  mode: "safe",
  format: "xml",
});

/** One push as WeChat sends it (signed, encrypted, a fresh MsgId); answers its status, body and time. */
async function push(
  gatewayUrl: string,
  app: PushApp,
  content: string,
): Promise<{ status: number; body: string; ms: number; sentAt: number }> {
  const settings = settingsFor(app);
  const createTime = Math.floor(Date.now() / 1000);
  const { fields } = buildMessage({
    type: "text",
    toUser: settings.originalId,
    fromUser: SENDER,
    createTime,
    content,
  });
  const { envelope } = sealPush(settings, app.appId, fields, {
    timestamp: String(createTime),
    openid: SENDER,
  });
  const url = new URL(`${gatewayUrl}/push/${app.appKey}`);
  for (const [name, value] of Object.entries(envelope.query)) url.searchParams.set(name, value);
  const sentAt = performance.now();
  const answer = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": envelope.contentType },
    body: envelope.body,
    signal: AbortSignal.timeout(5_000),
  });
  const body = await answer.text();
  return { status: answer.status, body, ms: performance.now() - sentAt, sentAt };
}

export async function benchPushes(
  gatewayUrl: string,
  admin: Admin,
  options: { pushes: number; concurrency: number },
): Promise<PushBench> {
  const recorder = await startRecorder();
  const problems: string[] = [];
  try {
    for (const [app, targets] of [
      [BURST_APP, [{ url: `${recorder.url}/` }]],
      [REPLY_APP, [{ url: `${recorder.url}/reply`, reply: true }]],
    ] as const) {
      const put = await admin("PUT", `/apps/${app.appKey}`, {
        appId: app.appId,
        appSecret: app.appSecret,
        type: "officialaccount",
        push: { token: PUSH_TOKEN, encodingAESKey: PUSH_AES_KEY, targets },
      });
      const secret = (put.body.data as { push?: { deliverySecret?: string } } | undefined)?.push
        ?.deliverySecret;
      if (put.status !== 201 || secret === undefined)
        throw new Error(`registering ${app.appKey} with push: ${put.status} ${JSON.stringify(put.body)}`);
      recorder.secrets.push(secret);
    }
    // One push first, not counted: the inbox Durable Object, the queue and the consumer start.
    const warm = await push(gatewayUrl, BURST_APP, "bench warm-up");
    if (warm.status !== 200) throw new Error(`the warm-up push: ${warm.status} ${warm.body}`);
    for (let i = 0; i < 100 && recorder.arrivals.length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    recorder.arrivals.length = 0;

    // ---- one at a time: no burst, each delivery awaited before the next push ----
    const lone = { answer: [] as number[], delivery: [] as number[] };
    for (let i = 0; i < LONE_SAMPLES; i++) {
      const content = `bench lone ${i}`;
      const answer = await push(gatewayUrl, BURST_APP, content);
      if (answer.status !== 200 || answer.body !== "success")
        problems.push(`pushes: a lone push answered ${answer.status} ${answer.body.slice(0, 120)}`);
      lone.answer.push(answer.ms);
      let arrival: Arrival | undefined;
      for (let t = 0; t < 200 && arrival === undefined; t++) {
        arrival = recorder.arrivals.find((a) => a.content === content);
        if (arrival === undefined) await new Promise((r) => setTimeout(r, 25));
      }
      if (arrival === undefined) problems.push(`pushes: lone push ${i} not delivered within 5 s`);
      else lone.delivery.push(arrival.at - answer.sentAt);
    }

    // ---- the burst ----
    const sent: { status: number; body: string; ms: number; sentAt: number }[] = [];
    let next = 0;
    const burstStarted = performance.now();
    const worker = async () => {
      while (next < options.pushes) {
        const index = next++;
        try {
          sent[index] = await push(gatewayUrl, BURST_APP, `bench push ${index}`);
        } catch (error) {
          sent[index] = { status: 0, body: String(error), ms: Number.NaN, sentAt: Number.NaN };
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const burstMs = performance.now() - burstStarted;
    const answered = sent.filter((s) => s.status === 200).length;
    const success = sent.filter((s) => s.status === 200 && s.body === "success").length;
    if (success !== options.pushes) {
      const other = sent.find((s) => s.status !== 200 || s.body !== "success");
      problems.push(
        `pushes: ${success}/${options.pushes} answered success (e.g. ${other?.status} ${other?.body.slice(0, 120)})`,
      );
    }

    // ---- every message at the target, once ----
    const expected = sent.filter((s) => s.status === 200).length;
    // The warm-up push (index -1) is not the burst's, should it arrive late.
    const burst = () => recorder.arrivals.filter((a) => a.index >= 0);
    const distinctIndexes = () => new Set(burst().map((a) => a.index)).size;
    const waitStarted = performance.now();
    while (distinctIndexes() < expected && performance.now() - waitStarted < DELIVERY_TIMEOUT_MS)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, DUPLICATE_WATCH_MS));
    const arrivals = burst();
    const first = new Map<number, Arrival>();
    for (const a of arrivals) if (!first.has(a.index)) first.set(a.index, a);
    const distinct = first.size;
    const duplicates = arrivals.length - distinct;
    const badSignatures = arrivals.filter((a) => !a.signed).length;
    const distinctIds = new Set(arrivals.map((a) => a.id)).size;
    if (distinct < options.pushes)
      problems.push(
        `pushes: ${distinct}/${options.pushes} delivered to the target within ${DELIVERY_TIMEOUT_MS / 1000} s`,
      );
    if (duplicates > 0 || distinctIds !== arrivals.length)
      problems.push(`pushes: ${duplicates} duplicate deliveries (${distinctIds} distinct delivery ids)`);
    if (badSignatures > 0)
      problems.push(`pushes: ${badSignatures} deliveries with a bad X-Gateway-Signature`);
    const delivery: number[] = [];
    const queue: number[] = [];
    const epochOffset = Date.now() - performance.now();
    for (const [index, a] of first) {
      const s = sent[index];
      if (s === undefined || Number.isNaN(s.sentAt)) continue;
      delivery.push(a.at - s.sentAt);
      if (!Number.isNaN(a.receivedAt)) queue.push(a.at + epochOffset - a.receivedAt);
    }
    const lastAt = Math.max(...[...first.values()].map((a) => a.at));

    // ---- the passive reply ----
    const replyTimes: number[] = [];
    let sealed = 0;
    for (let i = 0; i < REPLY_SAMPLES; i++) {
      const answer = await push(gatewayUrl, REPLY_APP, `bench reply ${i}`);
      replyTimes.push(answer.ms);
      const encrypt = /<Encrypt><!\[CDATA\[([^\]]*)\]\]><\/Encrypt>/.exec(answer.body)?.[1];
      try {
        if (
          answer.status === 200 &&
          encrypt &&
          decryptMessage(encrypt, PUSH_AES_KEY).message.includes(REPLY_TEXT)
        )
          sealed++;
      } catch {
        // not a reply the app's key opens: counted as not sealed
      }
    }
    if (sealed !== REPLY_SAMPLES)
      problems.push(`pushes: ${sealed}/${REPLY_SAMPLES} passive replies came back sealed`);

    return {
      pushes: options.pushes,
      concurrency: options.concurrency,
      answered,
      success,
      answer: stats(sent.map((s) => s.ms).filter((ms) => !Number.isNaN(ms))),
      burstMs,
      delivery: stats(delivery),
      queue: stats(queue),
      received: arrivals.length,
      distinct,
      duplicates,
      badSignatures,
      allDeliveredMs: distinct === 0 ? null : lastAt - burstStarted,
      reply: { samples: REPLY_SAMPLES, answer: stats(replyTimes), sealed },
      lone: { samples: LONE_SAMPLES, answer: stats(lone.answer), delivery: stats(lone.delivery) },
      problems,
    };
  } finally {
    recorder.server.closeAllConnections();
    await new Promise((done) => recorder.server.close(done));
  }
}

const rate = (p: PushBench) => ((p.pushes * 1000) / p.burstMs).toFixed(0);
const ms = (s: Stats) => `${s.p50.toFixed(0)} / ${s.p99.toFixed(0)} / ${s.max.toFixed(0)}`;

/** The console lines. */
export function pushesSummary(p: PushBench): string {
  return [
    `pushes: ${p.pushes} (${p.concurrency} at a time) in ${p.burstMs.toFixed(0)} ms (${rate(p)} pushes/s); answer to WeChat p50/p99/max ${ms(p.answer)} ms, ${p.success} answered success`,
    `  delivery to a healthy target (push sent → delivered) p50/p99/max ${ms(p.delivery)} ms (gateway received → delivered ${ms(p.queue)} ms); ` +
      `${p.distinct}/${p.pushes} delivered, ${p.duplicates} duplicate(s), ${p.badSignatures} bad signature(s)`,
    `  one push at a time: answer p50/max ${p.lone.answer.p50.toFixed(0)} / ${p.lone.answer.max.toFixed(0)} ms, delivery p50/max ${p.lone.delivery.p50.toFixed(0)} / ${p.lone.delivery.max.toFixed(0)} ms`,
    `  passive reply (the replier answers at once): answer p50/p99/max ${ms(p.reply.answer)} ms, ${p.reply.sealed}/${p.reply.samples} sealed`,
  ].join("\n");
}

/** The report's section. */
export function pushesMarkdown(p: PushBench, table: (header: string[], rows: string[][]) => string): string {
  const row = (name: string, s: Stats) => [name, s.p50.toFixed(0), s.p99.toFixed(0), s.max.toFixed(0)];
  return `## Pushes

The gateway as an app's server URL (消息推送). An app is registered with push settings in safe mode
(Token and EncodingAESKey) and one target: a recorder in the bench process on the loopback, which
notes when each delivery arrives and checks its \`X-Gateway-Signature\` with the delivery secret the
registration answered. The bench then sends ${p.pushes} text messages as WeChat does (signed,
encrypted, each with its own MsgId) straight to \`POST /push/{appKey}\`, ${p.concurrency} at a time.
*Answer* is each POST's round trip: what WeChat waits for (it gives up after 5 s). The gateway
answers once the app's inbox (one Durable Object per app) has checked, recorded and queued the
message; the target is called by the queue consumer, not while WeChat waits. Every push of an app
passes its one inbox, so under a burst the answers wait their turn there: the burst's answer time
is about the concurrency divided by the rate the inbox takes pushes, and one push at a time
(${p.lone.samples} pushes, each awaited at the target before the next) shows the cost of one.
*Delivery* is from sending the push to its arrival at the target; *queue* from the gateway's
\`receivedAt\` (in the delivery) to the arrival. Queues run locally under \`wrangler dev\` with the
consumer settings of \`wrangler.toml\`: a batch of up to 10 goes when it is full or 1 s after its
first message. Under a burst the batches fill, so deliveries come in well under a second; a lone
push waits for the timeout, about 1 s, by design rather than cost.
The bench fails when a message is missing at the target after ${DELIVERY_TIMEOUT_MS / 1000} s or arrives twice (it watches ${DUPLICATE_WATCH_MS / 1000} s more after the last).

${table(
  ["measured", "p50 ms", "p99 ms", "max ms"],
  [
    row(`answer to WeChat (the burst, ${p.concurrency} at a time)`, p.answer),
    row("delivery: push sent → at the target", p.delivery),
    row("queue: gateway received → at the target", p.queue),
    row("answer, one push at a time", p.lone.answer),
    row("delivery, one push at a time", p.lone.delivery),
    row("answer with a passive reply", p.reply.answer),
  ],
)}

- The burst took ${p.burstMs.toFixed(0)} ms (${rate(p)} pushes/s); **${p.success} of ${p.pushes}** answered \`success\`; every
  message had reached the target ${p.allDeliveredMs === null ? "(none arrived)" : `${p.allDeliveredMs.toFixed(0)} ms after the first push`}.
- Deliveries: **${p.distinct} of ${p.pushes}** messages received, **${p.duplicates} duplicate(s)**,
  ${p.badSignatures} with a bad signature.
- Passive reply: a second app whose only target is the replier, answering at once; ${p.reply.samples}
  pushes one after another. The answer includes the call to the replier and sealing its reply for
  WeChat (${p.reply.sealed} of ${p.reply.samples} came back encrypted and opened with the app's key).
`;
}

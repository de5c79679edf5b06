// The PushInbox Durable Object, one per appKey: the app's push settings and secrets (the Token, the
// EncodingAESKey, the delivery secret that signs every delivery), the dedupe table that makes each
// push count once however often WeChat sends it and wherever it lands, and the log of deliveries.
// It decides whether a push is new and queues one message per target; the consumer (delivery.ts)
// asks it to sign each try and tells it how the try went. The secrets never leave it.

import { DurableObject } from "cloudflare:workers";
import { hex, sha256Hex, timestampedSignature } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import {
  checkUrlSignature,
  type PushFormat,
  type PushKeys,
  type PushQuery,
  sealReply,
} from "../wechat/push-crypt.ts";
import { type OpenedPush, openPush, readPush } from "./messages.ts";
import type { Delivery, DeliveryState, PushSettings, PushTarget, QueuedDelivery } from "./schemas.ts";

/**
 * How long a push is remembered. WeChat retries within about 15 s and the timestamp window
 * (PUSH_TIMESTAMP_WINDOW_SECONDS, 5 min) bounds a replay; an hour covers both with room, and at
 * WeChat's rates is a few thousand small rows at most.
 */
const DEDUPE_WINDOW_MS = 60 * 60 * 1000;
/** Delivered rows (without their body) stay this long for the console's "recent deliveries". */
const DELIVERED_KEPT_MS = 24 * 60 * 60 * 1000;
/** Failed deliveries keep their body this long, so an operator can still retry them. */
const FAILED_KEPT_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * A reply target's delivery is queued by the request that called it when the call failed. Should
 * that request die first, the alarm queues it: this long after it was received is well past the
 * reply deadline (5 s), so a live request has surely finished with it.
 */
const REPLY_ORPHANED_AFTER_MS = 15_000;
/** Delivery ids: 128 bits of SHA-256 in hex (32 digits). */
const DELIVERY_ID_HEX_DIGITS = 32;
/** The delivery secret: 32 random bytes, hex, after a prefix that says what it is. */
const DELIVERY_SECRET_BYTES = 32;
const DELIVERY_SECRET_PREFIX = "wgd_";

export type PushState = {
  encodingAESKeySet: boolean;
  targets: PushTarget[];
  /** Only in the answer that created or rotated it. */
  deliverySecret?: string;
};

/** The reply target's call, made by the request that received the push. */
type ReplyCall = { id: string; url: string; body: string; signature: string };

export type Received =
  | { ok: true; outcome: "duplicate" }
  | { ok: true; outcome: "queued"; format: PushFormat; encrypted: boolean; reply: ReplyCall | null };

type SettingsRow = {
  app_key: string;
  app_id: string;
  token: string;
  encoding_aes_key: string | null;
  targets: string;
  delivery_secret: string;
};

type DeliveryRow = {
  id: string;
  url: string;
  state: DeliveryState;
  attempts: number;
  last_status: number | null;
  body: string | null;
  received_at: number;
  updated_at: number;
};

const notSet = (): Failure<404> => ({ ok: false, status: 404, message: "push is not set for this app" });

function newDeliverySecret(): string {
  return DELIVERY_SECRET_PREFIX + hex(crypto.getRandomValues(new Uint8Array(DELIVERY_SECRET_BYTES)));
}

/** X-Gateway-Signature of a delivery attempt, signed at `nowMs`. */
function deliverySignature(secret: string, body: string, nowMs: number): Promise<string> {
  return timestampedSignature(secret, body, Math.floor(nowMs / 1000));
}

/** The JSON every target gets (SPEC §12); WeChat's own JSON is spliced in, never re-encoded. */
function deliveryBody(id: string, settings: SettingsRow, receivedAt: number, push: OpenedPush): string {
  return `{"id":${JSON.stringify(id)},"appKey":${JSON.stringify(settings.app_key)},"appId":${JSON.stringify(settings.app_id)},"receivedAt":${JSON.stringify(new Date(receivedAt).toISOString())},"format":"${push.format}","message":${push.messageJson},"raw":${JSON.stringify(push.raw)}}`;
}

export class PushInbox extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.createTables();
  }

  private createTables(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS settings (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      app_key TEXT NOT NULL,
      app_id TEXT NOT NULL,
      token TEXT NOT NULL,
      encoding_aes_key TEXT,
      targets TEXT NOT NULL,
      delivery_secret TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS seen (
      dedupe_key TEXT PRIMARY KEY,
      received_at INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS seen_received_at ON seen (received_at)");
    this.sql.exec(`CREATE TABLE IF NOT EXISTS deliveries (
      id TEXT PRIMARY KEY,
      target_index INTEGER NOT NULL,
      url TEXT NOT NULL,
      state TEXT NOT NULL,
      queued INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      last_status INTEGER,
      body TEXT,
      received_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS deliveries_state_updated ON deliveries (state, updated_at)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received_at, id)");
  }

  private settings(): SettingsRow | null {
    return (
      this.sql
        .exec<SettingsRow>(
          "SELECT app_key, app_id, token, encoding_aes_key, targets, delivery_secret FROM settings WHERE id = 1",
        )
        .toArray()[0] ?? null
    );
  }

  private keys(settings: SettingsRow): PushKeys {
    return { token: settings.token, encodingAESKey: settings.encoding_aes_key, appId: settings.app_id };
  }

  private state(settings: SettingsRow, deliverySecret?: string): PushState {
    return {
      encodingAESKeySet: settings.encoding_aes_key !== null,
      targets: JSON.parse(settings.targets) as PushTarget[],
      ...(deliverySecret === undefined ? {} : { deliverySecret }),
    };
  }

  /** The settings without their secrets, or null when push is not set. */
  async view(): Promise<PushState | null> {
    const settings = this.settings();
    return settings && this.state(settings);
  }

  /** Refuses (400, naming the field) settings that cannot be the first ones: checked before a registration. */
  async check(push: PushSettings): Promise<{ ok: true } | Failure<400>> {
    if (this.settings()) return { ok: true };
    if (push.token === undefined)
      return { ok: false, status: 400, message: "push.token: required the first time push is set" };
    if (push.targets === undefined)
      return { ok: false, status: 400, message: "push.targets: required the first time push is set" };
    return { ok: true };
  }

  /**
   * Stores the app's push settings (what `push` omits is kept) and follows the appKey's appid;
   * without `push`, only the appid changes. Answers the new delivery secret once, when push is first set.
   */
  async configure(
    appKey: string,
    appId: string,
    push: PushSettings | undefined,
  ): Promise<{ ok: true; state: PushState | null } | Failure<400>> {
    const previous = this.settings();
    const now = Date.now();
    if (push === undefined) {
      if (!previous) return { ok: true, state: null };
      this.sql.exec(
        "UPDATE settings SET app_key = ?, app_id = ?, updated_at = ? WHERE id = 1",
        appKey,
        appId,
        now,
      );
      return { ok: true, state: this.state({ ...previous, app_id: appId }) };
    }
    const checked = await this.check(push);
    if (!checked.ok) return checked;
    const secret = previous?.delivery_secret ?? newDeliverySecret();
    const row: SettingsRow = {
      app_key: appKey,
      app_id: appId,
      token: push.token ?? previous!.token,
      encoding_aes_key: push.encodingAESKey ?? previous?.encoding_aes_key ?? null,
      targets: JSON.stringify(push.targets ?? JSON.parse(previous!.targets)),
      delivery_secret: secret,
    };
    this.sql.exec(
      `INSERT INTO settings (id, app_key, app_id, token, encoding_aes_key, targets, delivery_secret, updated_at)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET app_key = excluded.app_key, app_id = excluded.app_id, token = excluded.token,
         encoding_aes_key = excluded.encoding_aes_key, targets = excluded.targets, updated_at = excluded.updated_at`,
      row.app_key,
      row.app_id,
      row.token,
      row.encoding_aes_key,
      row.targets,
      row.delivery_secret,
      now,
    );
    return { ok: true, state: this.state(row, previous ? undefined : secret) };
  }

  /** A new delivery secret, answered once; the old one signs nothing more. */
  async rotateSecret(): Promise<{ ok: true; deliverySecret: string } | Failure<404>> {
    if (!this.settings()) return notSet();
    const secret = newDeliverySecret();
    this.sql.exec("UPDATE settings SET delivery_secret = ?, updated_at = ? WHERE id = 1", secret, Date.now());
    return { ok: true, deliverySecret: secret };
  }

  /** WeChat's URL check (GET with echostr): the signature over the Token. */
  async verifyUrl(query: PushQuery): Promise<{ ok: true } | Failure<401 | 404>> {
    const settings = this.settings();
    if (!settings) return notSet();
    return checkUrlSignature(settings.token, query, Date.now());
  }

  /**
   * One push: its signature first (401, nothing stored), then decrypted and read (400), then
   * remembered and queued for every target unless it was seen already. The reply target (if
   * any) is not queued but answered to the caller, which calls it and reports with `replied`.
   */
  async receive(
    query: PushQuery,
    body: string,
    receivedAt: number,
  ): Promise<Received | Failure<400 | 401 | 404 | 503>> {
    const settings = this.settings();
    if (!settings) return notSet();
    const opened = await openPush(this.keys(settings), query, body, receivedAt);
    if (!opened.ok) return opened;
    return this.accept(settings, opened.push, receivedAt);
  }

  /**
   * An authorizer's push through its third-party platform, checked and decrypted by the platform's
   * keeper (which alone holds the platform's keys): read, then remembered and queued like `receive`.
   * 404 when this appKey has no push settings (the caller then delivers nothing here).
   */
  async receiveDecrypted(raw: string, receivedAt: number): Promise<Received | Failure<400 | 404 | 503>> {
    const settings = this.settings();
    if (!settings) return notSet();
    const read = await readPush(raw, true);
    if (!read.ok) return read;
    return this.accept(settings, read.push, receivedAt);
  }

  private async accept(
    settings: SettingsRow,
    push: OpenedPush,
    receivedAt: number,
  ): Promise<Received | Failure<503>> {
    const targets = JSON.parse(settings.targets) as PushTarget[];
    const ids = await Promise.all(
      targets.map(async (_, index) =>
        (await sha256Hex(`${settings.app_key}\n${push.dedupeKey}\n${index}`)).slice(
          0,
          DELIVERY_ID_HEX_DIGITS,
        ),
      ),
    );
    const deliveries = targets.map((target, index) => ({
      index,
      id: ids[index]!,
      url: target.url,
      reply: target.reply === true,
      body: deliveryBody(ids[index]!, settings, receivedAt, push),
    }));

    // No await from the check to the insert: a concurrent copy of this push sees it as seen.
    this.prune(receivedAt);
    const seen = this.sql.exec("SELECT 1 FROM seen WHERE dedupe_key = ?", push.dedupeKey).toArray();
    if (seen.length > 0) return { ok: true, outcome: "duplicate" };
    this.sql.exec("INSERT INTO seen (dedupe_key, received_at) VALUES (?, ?)", push.dedupeKey, receivedAt);
    for (const delivery of deliveries) {
      this.sql.exec(
        `INSERT OR REPLACE INTO deliveries (id, target_index, url, state, queued, attempts, body, received_at, updated_at)
         VALUES (?, ?, ?, 'pending', ?, 0, ?, ?, ?)`,
        delivery.id,
        delivery.index,
        delivery.url,
        delivery.reply ? 0 : 1,
        delivery.body,
        receivedAt,
        receivedAt,
      );
    }
    const queued = deliveries.filter((delivery) => !delivery.reply);
    try {
      await this.enqueue(queued.map(({ id, url, body }) => ({ appKey: settings.app_key, id, url, body })));
    } catch (error) {
      // Not queued: forget the push, so that WeChat's retry (it gets a 503) is taken as new.
      this.sql.exec("DELETE FROM seen WHERE dedupe_key = ?", push.dedupeKey);
      for (const delivery of deliveries) this.sql.exec("DELETE FROM deliveries WHERE id = ?", delivery.id);
      console.error(
        JSON.stringify({ event: "push_enqueue_failed", appKey: settings.app_key, error: String(error) }),
      );
      return { ok: false, status: 503, message: "the push could not be queued: WeChat will send it again" };
    }
    const reply = deliveries.find((delivery) => delivery.reply);
    if (reply) await this.ctx.storage.setAlarm(receivedAt + REPLY_ORPHANED_AFTER_MS);
    return {
      ok: true,
      outcome: "queued",
      format: push.format,
      encrypted: push.encrypted,
      reply: reply
        ? {
            id: reply.id,
            url: reply.url,
            body: reply.body,
            signature: await deliverySignature(settings.delivery_secret, reply.body, Date.now()),
          }
        : null,
    };
  }

  /** The reply, encrypted and signed for WeChat (safe mode); null when the key is missing. */
  async sealReply(
    format: PushFormat,
    reply: string,
    timestamp: string,
    nonce: string,
  ): Promise<string | null> {
    const settings = this.settings();
    return settings && sealReply(this.keys(settings), format, reply, timestamp, nonce);
  }

  /** How the reply target's call went: delivered, or (late, failed) queued like any other target. */
  async replied(id: string, status: number | null, delivered: boolean): Promise<void> {
    const row = this.delivery(id);
    if (row?.state !== "pending") return;
    const now = Date.now();
    if (delivered) {
      this.sql.exec(
        "UPDATE deliveries SET state = 'delivered', queued = 1, attempts = attempts + 1, last_status = ?, body = NULL, updated_at = ? WHERE id = ?",
        status,
        now,
        id,
      );
      return;
    }
    this.sql.exec(
      "UPDATE deliveries SET queued = 1, attempts = attempts + 1, last_status = ?, updated_at = ? WHERE id = ?",
      status,
      now,
      id,
    );
    await this.enqueue([this.queued(row)]);
  }

  /** The consumer's question before a try: still to deliver? Then with a fresh signature. */
  async prepare(
    id: string,
    body: string,
  ): Promise<{ deliver: false } | { deliver: true; signature: string }> {
    const settings = this.settings();
    const row = this.delivery(id);
    // Delivered already (a queue redelivery), or the app and its log were deleted.
    if (!settings || !row || row.state === "delivered") return { deliver: false };
    return { deliver: true, signature: await deliverySignature(settings.delivery_secret, body, Date.now()) };
  }

  /** One try of the consumer: delivered (the body is dropped), or one more failed attempt. */
  async attempted(id: string, status: number | null, delivered: boolean): Promise<void> {
    this.sql.exec(
      `UPDATE deliveries SET attempts = attempts + 1, last_status = ?, updated_at = ?,
         state = CASE WHEN ? THEN 'delivered' ELSE state END,
         body = CASE WHEN ? THEN NULL ELSE body END
       WHERE id = ? AND state != 'delivered'`,
      status,
      Date.now(),
      delivered ? 1 : 0,
      delivered ? 1 : 0,
      id,
    );
  }

  /** The queue gave up on it (dead-letter queue): failed, listed, retryable by an operator. */
  async deadLettered(id: string): Promise<void> {
    this.sql.exec(
      "UPDATE deliveries SET state = 'failed', updated_at = ? WHERE id = ? AND state = 'pending'",
      Date.now(),
      id,
    );
  }

  /** Newest first; `cursor` is the last entry of the previous page as `<receivedAt>:<id>`. */
  async deliveries(
    state: DeliveryState | undefined,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ ok: true; deliveries: Delivery[]; cursor: string | null }> {
    const [at, after] = cursor ? [Number(cursor.split(":")[0]), cursor.split(":")[1]!] : [null, null];
    const rows = this.sql
      .exec<DeliveryRow>(
        `SELECT id, url, state, attempts, last_status, received_at, updated_at FROM deliveries
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR (received_at, id) < (?2, ?3))
         ORDER BY received_at DESC, id DESC LIMIT ?4`,
        state ?? null,
        at,
        after,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      ok: true,
      deliveries: page.map((row) => ({
        id: row.id,
        target: row.url,
        state: row.state,
        attempts: row.attempts,
        lastStatus: row.last_status,
        receivedAt: new Date(row.received_at).toISOString(),
        updatedAt: new Date(row.updated_at).toISOString(),
      })),
      cursor: rows.length > limit && last ? `${last.received_at}:${last.id}` : null,
    };
  }

  /** An operator's retry of a failed delivery: queued again with the same id and body. */
  async retry(id: string): Promise<{ ok: true } | Failure<404 | 409>> {
    const row = this.delivery(id);
    if (!row) return { ok: false, status: 404, message: `no delivery ${id}` };
    if (row.state !== "failed" || row.body === null) {
      return {
        ok: false,
        status: 409,
        message: `delivery ${id} is ${row.state}: only a failed one is retried`,
      };
    }
    this.sql.exec(
      "UPDATE deliveries SET state = 'pending', queued = 1, updated_at = ? WHERE id = ?",
      Date.now(),
      id,
    );
    await this.enqueue([this.queued(row)]);
    return { ok: true };
  }

  /** The app was deleted: settings, secrets, the dedupe table and the log go. */
  async erase(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // This instance may serve the appKey registered again: its tables must exist.
    this.createTables();
  }

  /** Queues reply deliveries whose request died before it reported, and prunes. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.prune(now);
    const settings = this.settings();
    if (!settings) return;
    const orphans = this.sql
      .exec<DeliveryRow>(
        "SELECT id, url, state, attempts, last_status, body, received_at, updated_at FROM deliveries WHERE queued = 0 AND state = 'pending'",
      )
      .toArray();
    const due = orphans.filter((row) => row.received_at <= now - REPLY_ORPHANED_AFTER_MS);
    for (const row of due) this.sql.exec("UPDATE deliveries SET queued = 1 WHERE id = ?", row.id);
    await this.enqueue(due.map((row) => this.queued(row, settings.app_key)));
    if (due.length < orphans.length) await this.ctx.storage.setAlarm(now + REPLY_ORPHANED_AFTER_MS);
  }

  private delivery(id: string): DeliveryRow | null {
    return (
      this.sql
        .exec<DeliveryRow>(
          "SELECT id, url, state, attempts, last_status, body, received_at, updated_at FROM deliveries WHERE id = ?",
          id,
        )
        .toArray()[0] ?? null
    );
  }

  private queued(row: DeliveryRow, appKey = this.settings()?.app_key ?? ""): QueuedDelivery {
    return { appKey, id: row.id, url: row.url, body: row.body ?? "" };
  }

  private async enqueue(messages: QueuedDelivery[]): Promise<void> {
    // One send per message: a batch is limited to 256 KB, and each push may be tens of KB per target.
    await Promise.all(
      messages.map((message) => this.env.PUSH_DELIVERIES.send(message, { contentType: "json" })),
    );
  }

  private prune(now: number): void {
    this.sql.exec("DELETE FROM seen WHERE received_at < ?", now - DEDUPE_WINDOW_MS);
    this.sql.exec(
      "DELETE FROM deliveries WHERE state = 'delivered' AND updated_at < ?",
      now - DELIVERED_KEPT_MS,
    );
    this.sql.exec("DELETE FROM deliveries WHERE state = 'failed' AND updated_at < ?", now - FAILED_KEPT_MS);
  }
}

export function inboxFor(env: Env, appKey: string): DurableObjectStub<PushInbox> {
  return env.PUSH_INBOX.getByName(appKey);
}

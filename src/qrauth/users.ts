// The users who registered through QR-Auth for one appKey, and their pending verification codes:
// one Durable Object per appKey (SQLite), so "a unionID registers once" and "5 attempts per code"
// are decided in one place, with no race between two requests. It also lists the appKey's live
// sign-in sessions, so that deleting the app can find and erase each of them.

import { DurableObject } from "cloudflare:workers";
import { constantTimeEqual, sha256Hex } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import { EXPIRED_VISIBLE_SECONDS } from "./session.ts";

/** A code lives 10 minutes... */
export const CODE_TTL_SECONDS = 600;
/** ...and allows 5 wrong tries before it is burnt. */
const CODE_MAX_ATTEMPTS = 5;
/** A new code for the same user and channel no sooner than this after the last one. */
const CODE_RESEND_COOLDOWN_SECONDS = 60;

export type Channel = "email" | "phone";

export type QrUserRecord = {
  id: string;
  unionID: string;
  nickName: string | null;
  avatar: string | null;
  /** The app's free-form JSON, as text (it crosses RPC and is stored as text). */
  dataJson: string | null;
  email: string | null;
  phone: string | null;
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
};

export type Registration = {
  unionID: string;
  nickName?: string | undefined;
  avatar?: string | undefined;
  dataJson?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
};

/** A code the caller typed, for the channel whose verification the app requires. */
export type PresentedCode = { channel: Channel; target: string; code: string };

export type CodeRefusal = Failure<400 | 404 | 409 | 429>;

/** A refusal that names the request field it is about, e.g. "emailCode: is wrong (4 tries left)". */
function refusal(
  status: CodeRefusal["status"],
  field: string,
  message: string,
  retryAfterSeconds?: number,
): CodeRefusal {
  return {
    ok: false,
    status,
    message: `${field}: ${message}`,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

export type RegisterResult = { ok: true; user: QrUserRecord } | CodeRefusal;

type Row = Record<string, SqlStorageValue>;

function userFromRow(row: Row): QrUserRecord {
  const text = (v: SqlStorageValue | undefined) => (typeof v === "string" ? v : null);
  return {
    id: String(row.id),
    unionID: String(row.union_id),
    nickName: text(row.nick_name),
    avatar: text(row.avatar),
    dataJson: text(row.data),
    email: text(row.email),
    phone: text(row.phone),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    lastLoginAt: typeof row.last_login_at === "number" ? row.last_login_at : null,
  };
}

const alreadyRegistered = (): CodeRefusal => refusal(409, "unionID", "is already registered for this app");

const codeField = (channel: Channel) => (channel === "email" ? "emailCode" : "phoneCode");

/**
 * Sessions erased per `erase` call: each is one request to its QrSession object, and a Durable
 * Object invocation may make 1,000 subrequests; the caller calls again until none are left.
 */
const ERASE_SESSIONS_PER_CALL = 200;
/** Erased side by side, so that a batch takes a few round trips rather than two hundred. */
const ERASE_CONCURRENCY = 20;
/** Session rows past their life removed per Initiate, so cleanup cost stays flat. */
const SESSION_PURGE_BATCH = 50;
/** A tracked session is forgotten this long after its TTL: by then its object has deleted itself. */
const SESSION_FORGET_AFTER_MS = (EXPIRED_VISIBLE_SECONDS + 60) * 1000;

/** What a sealed directory answers: its app was deleted, and it takes nothing new until re-registered. */
const appGone = (): CodeRefusal => refusal(404, "appKey", "has no registered app");

export class QrUserDirectory extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS users (
      id TEXT PRIMARY KEY,
      union_id TEXT NOT NULL UNIQUE,
      nick_name TEXT,
      avatar TEXT,
      data TEXT,
      email TEXT,
      phone TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_login_at INTEGER
    )`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS verification_codes (
      subject TEXT NOT NULL,
      channel TEXT NOT NULL,
      target TEXT NOT NULL,
      code_hash TEXT NOT NULL,
      salt TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      sent_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (subject, channel)
    )`);
    // Every sign-in session opened for this appKey until it is surely gone (see SESSION_FORGET_AFTER_MS).
    this.sql.exec(`CREATE TABLE IF NOT EXISTS sessions (
      sign_in_key INTEGER PRIMARY KEY,
      forget_after INTEGER NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS sessions_forget_after ON sessions (forget_after)");
    // One row while sealed: the app was deleted and nothing new is written until it is registered again.
    this.sql.exec(
      "CREATE TABLE IF NOT EXISTS sealed (id INTEGER PRIMARY KEY CHECK (id = 1), at INTEGER NOT NULL)",
    );
  }

  // ---- the app's lifetime ----------------------------------------------------------------------

  /**
   * Records a session about to be opened for this appKey (before it exists, so a deletion that
   * starts meanwhile finds it). False when the app is deleted: no session may be opened.
   */
  async trackSession(signInKey: number, ttlSeconds: number): Promise<boolean> {
    if (this.isSealed()) return false;
    const now = Date.now();
    this.sql.exec(
      "DELETE FROM sessions WHERE sign_in_key IN (SELECT sign_in_key FROM sessions WHERE forget_after <= ? LIMIT ?)",
      now,
      SESSION_PURGE_BATCH,
    );
    this.sql.exec(
      "INSERT OR REPLACE INTO sessions (sign_in_key, forget_after) VALUES (?, ?)",
      signInKey,
      now + ttlSeconds * 1000 + SESSION_FORGET_AFTER_MS,
    );
    return true;
  }

  /**
   * Deletes the app's QR-Auth data: every user and code at once (and seals the directory, so that
   * a request still in flight cannot add any), then up to ERASE_SESSIONS_PER_CALL sign-in
   * sessions. Answers how many sessions are left: call again until none are. A session is
   * forgotten here only once its object has erased it, so a failed call loses nothing.
   */
  async erase(appKey: string): Promise<{ left: number }> {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR IGNORE INTO sealed (id, at) VALUES (1, ?)", Date.now());
      this.sql.exec("DELETE FROM users");
      this.sql.exec("DELETE FROM verification_codes");
    });
    const batch = this.sql
      .exec("SELECT sign_in_key FROM sessions LIMIT ?", ERASE_SESSIONS_PER_CALL)
      .toArray()
      .map((row) => Number(row.sign_in_key));
    for (let i = 0; i < batch.length; i += ERASE_CONCURRENCY) {
      const chunk = batch.slice(i, i + ERASE_CONCURRENCY);
      await Promise.all(
        chunk.map((signInKey) => this.env.QR_SESSION.getByName(String(signInKey)).erase(appKey)),
      );
      for (const signInKey of chunk) this.sql.exec("DELETE FROM sessions WHERE sign_in_key = ?", signInKey);
    }
    const left = this.sql.exec("SELECT COUNT(*) AS n FROM sessions").one();
    return { left: Number(left.n) };
  }

  /** The appKey is registered again: it starts empty and may take users and sessions again. */
  async reopen(): Promise<void> {
    this.sql.exec("DELETE FROM sealed");
  }

  private isSealed(): boolean {
    return this.sql.exec("SELECT 1 FROM sealed").toArray().length > 0;
  }

  // ---- users -------------------------------------------------------------------------------------

  /** The registered user with this unionID, marking the login. */
  async logIn(unionID: string): Promise<QrUserRecord | null> {
    const now = Date.now();
    const row = this.sql.exec("SELECT * FROM users WHERE union_id = ?", unionID).toArray()[0];
    if (!row) return null;
    this.sql.exec("UPDATE users SET last_login_at = ? WHERE id = ?", now, row.id);
    return userFromRow({ ...row, last_login_at: now });
  }

  /** What the app knows of a registered user (for "scanned by …"), without marking a login. */
  async profileOf(unionID: string): Promise<{ nickName: string | null; avatar: string | null } | null> {
    const row = this.sql.exec("SELECT nick_name, avatar FROM users WHERE union_id = ?", unionID).toArray()[0];
    if (!row) return null;
    const text = (v: SqlStorageValue | undefined) => (typeof v === "string" ? v : null);
    return { nickName: text(row.nick_name), avatar: text(row.avatar) };
  }

  /**
   * Registers a user once per unionID, after checking (and spending) the codes the app requires.
   * Everything happens in this one call, so two registrations cannot both succeed.
   */
  async register(registration: Registration, codes: PresentedCode[]): Promise<RegisterResult> {
    const now = Date.now();
    if (this.isSealed()) return appGone();
    if (this.isRegistered(registration.unionID)) return alreadyRegistered();
    for (const presented of codes) {
      const refusal = await this.checkCode(registration.unionID, presented, now);
      if (refusal) return refusal;
    }
    // Checked again with no await before the insert: the code checks above let other requests in.
    if (this.isSealed()) return appGone();
    if (this.isRegistered(registration.unionID)) return alreadyRegistered();
    const user: QrUserRecord = {
      id: crypto.randomUUID(),
      unionID: registration.unionID,
      nickName: registration.nickName ?? null,
      avatar: registration.avatar ?? null,
      dataJson: registration.dataJson ?? null,
      email: registration.email ?? null,
      phone: registration.phone ?? null,
      createdAt: now,
      updatedAt: now,
      lastLoginAt: now,
    };
    this.sql.exec(
      `INSERT INTO users (id, union_id, nick_name, avatar, data, email, phone, created_at, updated_at, last_login_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      user.id,
      user.unionID,
      user.nickName,
      user.avatar,
      user.dataJson,
      user.email,
      user.phone,
      now,
      now,
      now,
    );
    for (const presented of codes) {
      this.sql.exec(
        "DELETE FROM verification_codes WHERE subject = ? AND channel = ?",
        registration.unionID,
        presented.channel,
      );
    }
    return { ok: true, user };
  }

  /**
   * Stores a new code for `subject` on `channel` (replacing an older one), unless the last one
   * was sent less than the cooldown ago. Only a salted hash of the code is kept.
   */
  async storeCode(
    subject: string,
    channel: Channel,
    target: string,
    code: string,
  ): Promise<{ ok: true; expiresAt: number } | CodeRefusal> {
    // Hash first: from the cooldown check to the insert nothing may await, or two sends could pass.
    const salt = crypto.randomUUID();
    const codeHash = await sha256Hex(`${salt}:${code}`);
    const now = Date.now();
    if (this.isSealed()) return appGone();
    const last = this.sql
      .exec("SELECT sent_at FROM verification_codes WHERE subject = ? AND channel = ?", subject, channel)
      .toArray()[0];
    const nextAllowed = last ? Number(last.sent_at) + CODE_RESEND_COOLDOWN_SECONDS * 1000 : 0;
    if (nextAllowed > now) {
      return refusal(
        429,
        "channel",
        `a code was sent less than ${CODE_RESEND_COOLDOWN_SECONDS} s ago`,
        Math.ceil((nextAllowed - now) / 1000),
      );
    }
    const expiresAt = now + CODE_TTL_SECONDS * 1000;
    this.sql.exec(
      `INSERT OR REPLACE INTO verification_codes (subject, channel, target, code_hash, salt, attempts, sent_at, expires_at)
       VALUES (?, ?, ?, ?, ?, 0, ?, ?)`,
      subject,
      channel,
      target,
      codeHash,
      salt,
      now,
      expiresAt,
    );
    this.sql.exec("DELETE FROM verification_codes WHERE expires_at < ?", now);
    return { ok: true, expiresAt };
  }

  private isRegistered(unionID: string): boolean {
    return this.sql.exec("SELECT 1 FROM users WHERE union_id = ?", unionID).toArray().length > 0;
  }

  /** Forgets a code that could not be delivered, so the user is not held to the cooldown. */
  async dropCode(subject: string, channel: Channel): Promise<void> {
    this.sql.exec("DELETE FROM verification_codes WHERE subject = ? AND channel = ?", subject, channel);
  }

  private async checkCode(
    subject: string,
    presented: PresentedCode,
    now: number,
  ): Promise<CodeRefusal | null> {
    const field = codeField(presented.channel);
    const row = this.sql
      .exec("SELECT * FROM verification_codes WHERE subject = ? AND channel = ?", subject, presented.channel)
      .toArray()[0];
    if (!row || Number(row.expires_at) <= now) {
      return refusal(400, field, "no valid code was sent: request one with SendCode");
    }
    if (row.target !== presented.target) {
      const targetField = presented.channel === "email" ? "email" : "phone";
      return refusal(400, targetField, "is not where the code was sent");
    }
    const attempts = Number(row.attempts);
    if (attempts >= CODE_MAX_ATTEMPTS) {
      return refusal(400, field, "too many wrong tries: request a new code");
    }
    // Spend the try before hashing: the await below lets another request in, and it must not get
    // a try this one already took.
    const spend = (delta: number) =>
      this.sql.exec(
        "UPDATE verification_codes SET attempts = attempts + ? WHERE subject = ? AND channel = ?",
        delta,
        subject,
        presented.channel,
      );
    spend(1);
    const matches = await constantTimeEqual(
      await sha256Hex(`${row.salt}:${presented.code}`),
      String(row.code_hash),
    );
    if (matches) {
      spend(-1);
      return null;
    }
    const left = CODE_MAX_ATTEMPTS - attempts - 1;
    return refusal(
      400,
      field,
      left > 0 ? `is wrong (${left} tries left)` : "is wrong, and that was the last try: request a new code",
    );
  }
}

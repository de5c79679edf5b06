// Mini-program login sessions, held by the appid's keeper next to its credentials. JSCode2Session
// hands the user an opaque session token; the WeChat session_key behind it never leaves the
// gateway. Tokens are stored only as SHA-256 hashes. The keeper hosts this class because only it
// holds the AppSecret the code exchange needs and the sessions live in its SQLite storage; it hands
// the exchange in as a function, so the secret stays there and this class can be driven without it.

import { base64Url, sha256Hex } from "../platform/crypto.ts";
import type { CodeSession, UpstreamFailure } from "../wechat/credential-calls.ts";
import { type BusinessFailure, businessFailure } from "../wechat/failures.ts";

/**
 * How long a session token works. WeChat gives session_key no fixed lifetime (wx.checkSession
 * decides); mini programs call wx.login at launch, so a day keeps users signed in for a visit
 * without leaving old session keys usable for long.
 */
export const LOGIN_SESSION_TTL_SECONDS = 86_400;
/** Lets anyone tell a session token from an API key (`wgk_`) or a raw session_key at a glance. */
const SESSION_TOKEN_PREFIX = "wgs_";
/** 32 random bytes = 43 base64url characters. */
const SESSION_TOKEN_BYTES = 32;
const SESSION_TOKEN_PATTERN = /^wgs_[A-Za-z0-9_-]{43}$/;
/** Expired rows removed per sign-in, so cleanup cost stays flat however many have piled up. */
const PURGE_BATCH = 50;

export type LoginSession = {
  appKey: string;
  openid: string;
  unionid: string | null;
  sessionKey: string;
  createdAt: number;
  expiresAt: number;
};

/** The keeper's /sns/jscode2session call for one wx.login code, made with the secret only it holds. */
export type CodeExchange = () => Promise<CodeSession | UpstreamFailure>;

export type SignedIn = { ok: true; sessionToken: string; expiresAt: number };

function newSessionToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SESSION_TOKEN_BYTES));
  return SESSION_TOKEN_PREFIX + base64Url(bytes);
}

export function isSessionToken(value: string): boolean {
  return SESSION_TOKEN_PATTERN.test(value);
}

export class LoginSessions {
  private readonly sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS login_session (
      token_hash TEXT PRIMARY KEY,
      app_key TEXT NOT NULL,
      openid TEXT NOT NULL,
      unionid TEXT,
      session_key TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS login_session_expiry ON login_session (expires_at)");
  }

  /**
   * JSCode2Session: exchanges the code with WeChat and opens a session whose token is all the
   * caller gets. A refused code opens nothing and is answered as WeChat's failure.
   */
  async signIn(
    login: { appId: string; appKey: string },
    exchange: CodeExchange,
  ): Promise<SignedIn | BusinessFailure> {
    const result = await exchange();
    if (!result.ok) {
      // Only identifiers and outcomes: never the code, a session_key or the secret.
      console.log(
        JSON.stringify({
          event: "sign_in_failed",
          appId: login.appId,
          errcode: result.errcode,
          failure: result.kind,
        }),
      );
      return businessFailure(
        result.errcode === undefined
          ? { kind: "unreachable", reason: result.reason }
          : { kind: "errcode", errcode: result.errcode, errmsg: result.errmsg ?? "" },
        { path: "/sns/jscode2session" },
      );
    }
    const opened = await this.open(
      { appKey: login.appKey, openid: result.openid, unionid: result.unionid, sessionKey: result.sessionKey },
      Date.now(),
    );
    return { ok: true, sessionToken: opened.token, expiresAt: opened.expiresAt };
  }

  async open(session: Omit<LoginSession, "createdAt" | "expiresAt">, now: number) {
    const token = newSessionToken();
    const expiresAt = now + LOGIN_SESSION_TTL_SECONDS * 1000;
    this.purgeExpired(now);
    this.sql.exec(
      `INSERT INTO login_session (token_hash, app_key, openid, unionid, session_key, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      await sha256Hex(token),
      session.appKey,
      session.openid,
      session.unionid,
      session.sessionKey,
      now,
      expiresAt,
    );
    return { token, expiresAt };
  }

  async find(token: string, now: number): Promise<LoginSession | null> {
    if (!isSessionToken(token)) return null;
    const row = this.sql
      .exec(
        "SELECT * FROM login_session WHERE token_hash = ? AND expires_at > ?",
        await sha256Hex(token),
        now,
      )
      .toArray()[0];
    if (!row) return null;
    return {
      appKey: String(row.app_key),
      openid: String(row.openid),
      unionid: typeof row.unionid === "string" ? row.unionid : null,
      sessionKey: String(row.session_key),
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
    };
  }

  purgeExpired(now: number): void {
    this.sql.exec(
      "DELETE FROM login_session WHERE token_hash IN (SELECT token_hash FROM login_session WHERE expires_at <= ? LIMIT ?)",
      now,
      PURGE_BATCH,
    );
  }

  /**
   * Deletes every session opened through `appKey`: it was deleted or moved to another appid, and
   * an appKey registered again starts with no sessions.
   */
  forgetAppKey(appKey: string): void {
    this.sql.exec("DELETE FROM login_session WHERE app_key = ?", appKey);
  }

  clear(): void {
    this.sql.exec("DELETE FROM login_session");
  }
}

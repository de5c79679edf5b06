// What a third-party platform's keeper holds besides its token (which the keeper's own tables
// keep, like any app's): the message Token and EncodingAESKey WeChat's pushes are signed and
// encrypted with, the newest verify ticket, when WeChat was last asked to push one, and the index of
// authorizers the admin lists. It lives in the SQLite storage of the TokenKeeper named by the
// component appid, next to the component's appsecret; see docs/storage.md.

type Row = Record<string, SqlStorageValue>;

const num = (v: SqlStorageValue | undefined): number | null => (typeof v === "number" ? v : null);
const str = (v: SqlStorageValue | undefined): string | null => (typeof v === "string" ? v : null);

/** The message-verification Token and EncodingAESKey set in the Open Platform console. */
export type MessageKeys = { token: string; encodingAESKey: string };

export type VerifyTicket = {
  value: string;
  /** WeChat's CreateTime of the push that carried it, in seconds. */
  createTime: number;
  /** When the gateway received it (ms). */
  receivedAt: number;
};

/** The last api_start_push_ticket call: when, and WeChat's refusal if it refused. */
export type PushRequest = { at: number; error: string | null };

export type AuthorizerState = "authorized" | "unauthorized" | "needs_reauthorization";

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS component (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    message_token TEXT NOT NULL,
    encoding_aes_key TEXT NOT NULL,
    ticket TEXT,
    ticket_create_time INTEGER,
    ticket_received_at INTEGER,
    push_requested_at INTEGER,
    push_request_error TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS authorizers (
    authorizer_app_id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    func_info TEXT NOT NULL DEFAULT '[]',
    authorized_at INTEGER,
    last_event_time INTEGER,
    updated_at INTEGER NOT NULL
  )`,
  "CREATE INDEX IF NOT EXISTS authorizers_by_state ON authorizers (state)",
  `CREATE TABLE IF NOT EXISTS authorization_codes (
    code_hash TEXT PRIMARY KEY,
    authorizer_app_id TEXT,
    received_at INTEGER NOT NULL,
    exchanged_at INTEGER
  )`,
];

/** Columns added after the first release: keepers created before them get them on load. */
const ADDED_COLUMNS: { table: string; column: string; definition: string }[] = [
  { table: "authorizers", column: "app_keys", definition: "TEXT NOT NULL DEFAULT '[]'" },
  { table: "authorizers", column: "event_create_time", definition: "INTEGER" },
  { table: "authorizers", column: "event_kind", definition: "TEXT" },
  { table: "authorization_codes", column: "event_create_time", definition: "INTEGER" },
];

/** A row of the authorizers index, as the admin lists it. */
export type AuthorizerEntry = {
  authorizerAppId: string;
  state: AuthorizerState;
  funcInfo: number[];
  authorizedAt: number | null;
  appKeys: string[];
};

/** An authorization event's kind, for ordering: an authorization (or its update), or a revocation. */
export type AuthorizationEventKind = "grant" | "revoke";

/**
 * The last authorization event applied to an authorizer: its CreateTime (s; "now" for the
 * /authorized redirect), its kind, and when the gateway applied it (ms).
 */
export type AppliedEvent = { createTime: number; kind: AuthorizationEventKind; appliedAt: number };

/** An exchanged authorization code (by its SHA-256): which app it authorized. */
export type ExchangedCode = { authorizerAppId: string; exchangedAt: number };

function parseIds<T>(text: SqlStorageValue | undefined): T[] {
  try {
    const parsed: unknown = JSON.parse(String(text ?? "[]"));
    return Array.isArray(parsed) ? (parsed as T[]) : [];
  } catch {
    return [];
  }
}

function entryFromRow(row: Row): AuthorizerEntry {
  return {
    authorizerAppId: String(row.authorizer_app_id),
    state: String(row.state) as AuthorizerState,
    funcInfo: parseIds<number>(row.func_info),
    authorizedAt: num(row.authorized_at),
    appKeys: parseIds<string>(row.app_keys),
  };
}

export class ComponentStore {
  private readonly sql: SqlStorage;
  private row: Row | null;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
    for (const { table, column, definition } of ADDED_COLUMNS) {
      const present = sql
        .exec("SELECT name FROM pragma_table_info(?)", table)
        .toArray()
        .some((r) => r.name === column);
      if (!present) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
    this.row = sql.exec("SELECT * FROM component WHERE id = 1").toArray()[0] ?? null;
  }

  get keys(): MessageKeys | null {
    if (!this.row) return null;
    return { token: String(this.row.message_token), encodingAESKey: String(this.row.encoding_aes_key) };
  }

  saveKeys(keys: MessageKeys): void {
    this.sql.exec(
      `INSERT INTO component (id, message_token, encoding_aes_key) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET message_token = excluded.message_token,
         encoding_aes_key = excluded.encoding_aes_key`,
      keys.token,
      keys.encodingAESKey,
    );
    this.reload();
  }

  get ticket(): VerifyTicket | null {
    const value = str(this.row?.ticket);
    const createTime = num(this.row?.ticket_create_time);
    const receivedAt = num(this.row?.ticket_received_at);
    return value === null || createTime === null || receivedAt === null
      ? null
      : { value, createTime, receivedAt };
  }

  saveTicket(ticket: VerifyTicket | null): void {
    this.sql.exec(
      "UPDATE component SET ticket = ?, ticket_create_time = ?, ticket_received_at = ? WHERE id = 1",
      ticket?.value ?? null,
      ticket?.createTime ?? null,
      ticket?.receivedAt ?? null,
    );
    this.reload();
  }

  get pushRequest(): PushRequest | null {
    const at = num(this.row?.push_requested_at);
    return at === null ? null : { at, error: str(this.row?.push_request_error) };
  }

  savePushRequest(request: PushRequest): void {
    this.sql.exec(
      "UPDATE component SET push_requested_at = ?, push_request_error = ? WHERE id = 1",
      request.at,
      request.error,
    );
    this.reload();
  }

  /** Authorizers per state, for the status. */
  authorizerCounts(): Record<AuthorizerState, number> {
    const counts = { authorized: 0, unauthorized: 0, needs_reauthorization: 0 };
    for (const row of this.sql.exec("SELECT state, COUNT(*) AS n FROM authorizers GROUP BY state")) {
      const state = String(row.state) as AuthorizerState;
      if (state in counts) counts[state] = num(row.n) ?? 0;
    }
    return counts;
  }

  // ---- the authorizers index ----

  authorizer(authorizerAppId: string): AuthorizerEntry | null {
    const row = this.sql
      .exec("SELECT * FROM authorizers WHERE authorizer_app_id = ?", authorizerAppId)
      .toArray()[0];
    return row ? entryFromRow(row) : null;
  }

  /** The last authorization event applied to the authorizer, or null (none, or none since this was kept). */
  lastEvent(authorizerAppId: string): AppliedEvent | null {
    const row = this.sql
      .exec(
        "SELECT event_create_time, event_kind, last_event_time FROM authorizers WHERE authorizer_app_id = ?",
        authorizerAppId,
      )
      .toArray()[0];
    const createTime = num(row?.event_create_time);
    const kind = str(row?.event_kind);
    if (createTime === null || (kind !== "grant" && kind !== "revoke")) return null;
    return { createTime, kind, appliedAt: num(row?.last_event_time) ?? 0 };
  }

  /** An authorization (or its update) of `createTime`: authorized, with what the merchant granted then. */
  saveAuthorization(authorizerAppId: string, funcInfo: number[], createTime: number, now: number): void {
    this.sql.exec(
      `INSERT INTO authorizers (authorizer_app_id, state, func_info, authorized_at, last_event_time,
         event_create_time, event_kind, updated_at)
       VALUES (?, 'authorized', ?, ?, ?, ?, 'grant', ?)
       ON CONFLICT (authorizer_app_id) DO UPDATE SET state = 'authorized', func_info = excluded.func_info,
         authorized_at = excluded.authorized_at, last_event_time = excluded.last_event_time,
         event_create_time = excluded.event_create_time, event_kind = 'grant',
         updated_at = excluded.updated_at`,
      authorizerAppId,
      JSON.stringify(funcInfo),
      now,
      now,
      createTime,
      now,
    );
  }

  /**
   * A revocation of `createTime`: unauthorized. An appid not indexed yet gets a row too (its first
   * authorization may still be being exchanged, and must not win over this).
   */
  saveRevocation(authorizerAppId: string, createTime: number, now: number): void {
    this.sql.exec(
      `INSERT INTO authorizers (authorizer_app_id, state, last_event_time, event_create_time, event_kind, updated_at)
       VALUES (?, 'unauthorized', ?, ?, 'revoke', ?)
       ON CONFLICT (authorizer_app_id) DO UPDATE SET state = 'unauthorized',
         last_event_time = excluded.last_event_time, event_create_time = excluded.event_create_time,
         event_kind = 'revoke', updated_at = excluded.updated_at`,
      authorizerAppId,
      now,
      createTime,
      now,
    );
  }

  /** A revocation or a refresh token WeChat no longer takes; false for an appid never authorized here. */
  saveAuthorizerState(authorizerAppId: string, state: AuthorizerState, now: number): boolean {
    const cursor = this.sql.exec(
      "UPDATE authorizers SET state = ?, updated_at = ? WHERE authorizer_app_id = ?",
      state,
      now,
      authorizerAppId,
    );
    return cursor.rowsWritten > 0;
  }

  /** The appKeys bound to the authorizer, as its own keeper reports them. */
  saveAuthorizerAppKeys(authorizerAppId: string, appKeys: string[], now: number): void {
    this.sql.exec(
      "UPDATE authorizers SET app_keys = ?, updated_at = ? WHERE authorizer_app_id = ?",
      JSON.stringify(appKeys),
      now,
      authorizerAppId,
    );
  }

  /** One page of the index in appid order, after `cursor` (an appid), by the primary key. */
  authorizerPage(
    cursor: string | null,
    limit: number,
  ): { entries: AuthorizerEntry[]; cursor: string | null } {
    const rows = this.sql
      .exec(
        "SELECT * FROM authorizers WHERE authorizer_app_id > ? ORDER BY authorizer_app_id LIMIT ?",
        cursor ?? "",
        limit + 1,
      )
      .toArray();
    const entries = rows.slice(0, limit).map(entryFromRow);
    return { entries, cursor: rows.length > limit ? (entries.at(-1)?.authorizerAppId ?? null) : null };
  }

  // ---- authorization codes already exchanged ----

  exchangedCode(codeHash: string): ExchangedCode | null {
    const row = this.sql
      .exec("SELECT * FROM authorization_codes WHERE code_hash = ? AND exchanged_at IS NOT NULL", codeHash)
      .toArray()[0];
    const exchangedAt = num(row?.exchanged_at);
    const authorizerAppId = str(row?.authorizer_app_id);
    return exchangedAt === null || authorizerAppId === null ? null : { authorizerAppId, exchangedAt };
  }

  /** A code a push brought (not exchanged yet): the CreateTime of that push, kept with it; a code already held is left. */
  saveReceivedCode(codeHash: string, createTime: number, now: number): void {
    this.sql.exec(
      `INSERT OR IGNORE INTO authorization_codes (code_hash, received_at, event_create_time) VALUES (?, ?, ?)`,
      codeHash,
      now,
      createTime,
    );
  }

  /** The CreateTime of the push that brought the code, or null (it came only through the redirect). */
  receivedCodeTime(codeHash: string): number | null {
    const row = this.sql
      .exec("SELECT event_create_time FROM authorization_codes WHERE code_hash = ?", codeHash)
      .toArray()[0];
    return num(row?.event_create_time);
  }

  /** Records an exchanged code and drops records older than `keepSince` (codes live an hour). */
  saveExchangedCode(codeHash: string, authorizerAppId: string, now: number, keepSince: number): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO authorization_codes (code_hash, authorizer_app_id, received_at, exchanged_at)
       VALUES (?, ?, ?, ?)`,
      codeHash,
      authorizerAppId,
      now,
      now,
    );
    this.sql.exec("DELETE FROM authorization_codes WHERE received_at < ?", keepSince);
  }

  /** Forgets everything: the platform's last componentKey was removed. */
  clear(): void {
    for (const table of ["component", "authorizers", "authorization_codes"])
      this.sql.exec(`DELETE FROM ${table}`);
    this.row = null;
  }

  private reload(): void {
    this.row = this.sql.exec("SELECT * FROM component WHERE id = 1").toArray()[0] ?? null;
  }
}

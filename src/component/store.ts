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
];

export class ComponentStore {
  private readonly sql: SqlStorage;
  private row: Row | null;

  constructor(sql: SqlStorage) {
    this.sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
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

  /** Forgets everything: the platform's last componentKey was removed. */
  clear(): void {
    for (const table of ["component", "authorizers"]) this.sql.exec(`DELETE FROM ${table}`);
    this.row = null;
  }

  private reload(): void {
    this.row = this.sql.exec("SELECT * FROM component WHERE id = 1").toArray()[0] ?? null;
  }
}

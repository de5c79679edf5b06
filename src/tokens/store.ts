// SQLite storage of one TokenKeeper. Every table is small (one row per credential kind, one app
// row, one counter row per day and kind); see docs/storage.md.

import type { AuthorizerState } from "../component/store.ts";
import type { AppType, TokenMode } from "../wechat/app-kinds.ts";
import type { FailureKind } from "../wechat/credential-calls.ts";
import type { CredentialState } from "./policy.ts";

export type CredentialKind = "access_token" | "jsapi_ticket";
/**
 * What the daily counters count: upstream calls (token, forced, ticket), and the keeper's own
 * wake-ups and schedule-shard writes, which an operator reads to see that a failing keeper is quiet.
 */
export type CallKind = "token" | "forced" | "ticket" | "alarm" | "schedule";

/**
 * Where the keeper's access_token comes from (sources.ts): the AppSecret (`secret`, in the
 * registration's tokenMode), a third-party platform's verify ticket (`component`: this keeper
 * is the platform's own, keyed by the component appid), or an authorizer's refresh token with the
 * platform's token (`authorizer`: an app a merchant authorized a platform to run; no AppSecret).
 */
type SourceKind = "secret" | "component" | "authorizer";

export type KeeperApp = {
  appId: string;
  /** The AppSecret, or the component's appsecret; empty for an authorizer (there is none). */
  appSecret: string;
  tokenMode: TokenMode;
  appType: AppType;
  source: SourceKind;
  /** An authorizer's platform (component appid); null otherwise. */
  componentAppId: string | null;
  /** An authorizer's current authorizer_refresh_token; null otherwise, and once revoked. */
  refreshToken: string | null;
  /** An authorizer's authorization state; null otherwise. */
  authorization: AuthorizerState | null;
};

/** The authorizer fields of an app that is not an authorizer (its own AppSecret, or a platform). */
export const NOT_AN_AUTHORIZER = { componentAppId: null, refreshToken: null, authorization: null } as const;

export type CredentialRecord = CredentialState & {
  kind: CredentialKind;
  /** jsapi_ticket only: createdAt of the access_token it was fetched with. */
  sourceCreatedAt: number | null;
  previousValue: string | null;
  previousValidUntil: number | null;
  refreshCount: number;
  lastRefreshAt: number | null;
  lastErrorKind: FailureKind | null;
  lastErrorCode: number | null;
  /** WeChat's errmsg when it sent one, else our own description (never a token or secret). */
  lastErrorMessage: string | null;
  lastErrorAt: number | null;
  lastRequestedAt: number | null;
};

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS app (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    app_id TEXT NOT NULL,
    app_secret TEXT NOT NULL,
    token_mode TEXT NOT NULL,
    app_type TEXT NOT NULL,
    last_forced_at INTEGER,
    source TEXT NOT NULL DEFAULT 'secret',
    component_app_id TEXT,
    refresh_token TEXT,
    authorization TEXT
  )`,
  `CREATE TABLE IF NOT EXISTS app_keys (app_key TEXT PRIMARY KEY, attached_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS credential (
    kind TEXT PRIMARY KEY,
    value TEXT,
    created_at INTEGER,
    expires_at INTEGER,
    confirmed_at INTEGER,
    rejected INTEGER NOT NULL DEFAULT 0,
    source_created_at INTEGER,
    previous_value TEXT,
    previous_valid_until INTEGER,
    due_at INTEGER,
    refresh_count INTEGER NOT NULL DEFAULT 0,
    last_refresh_at INTEGER,
    last_error_kind TEXT,
    last_error_code INTEGER,
    last_error_message TEXT,
    last_error_at INTEGER,
    failures_in_row INTEGER NOT NULL DEFAULT 0,
    retry_at INTEGER,
    last_requested_at INTEGER,
    report_streak INTEGER NOT NULL DEFAULT 0,
    last_report_refresh_at INTEGER,
    report_backoff_until INTEGER
  )`,
  `CREATE TABLE IF NOT EXISTS upstream_calls (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, kind)
  )`,
];

/** Columns added after the first release: keepers created before them get them on load. */
const ADDED_COLUMNS: { table: string; column: string; definition: string }[] = [
  { table: "credential", column: "report_streak", definition: "INTEGER NOT NULL DEFAULT 0" },
  { table: "credential", column: "last_report_refresh_at", definition: "INTEGER" },
  { table: "credential", column: "report_backoff_until", definition: "INTEGER" },
  { table: "app", column: "source", definition: "TEXT NOT NULL DEFAULT 'secret'" },
  { table: "app", column: "component_app_id", definition: "TEXT" },
  { table: "app", column: "refresh_token", definition: "TEXT" },
  { table: "app", column: "authorization", definition: "TEXT" },
];

type Row = Record<string, SqlStorageValue>;

function num(v: SqlStorageValue | undefined): number | null {
  return typeof v === "number" ? v : null;
}
function str(v: SqlStorageValue | undefined): string | null {
  return typeof v === "string" ? v : null;
}

function emptyCredential(kind: CredentialKind): CredentialRecord {
  return {
    kind,
    value: null,
    createdAt: null,
    expiresAt: null,
    confirmedAt: null,
    rejected: false,
    dueAt: null,
    failuresInRow: 0,
    retryAt: null,
    reportStreak: 0,
    lastReportRefreshAt: null,
    reportBackoffUntil: null,
    sourceCreatedAt: null,
    previousValue: null,
    previousValidUntil: null,
    refreshCount: 0,
    lastRefreshAt: null,
    lastErrorKind: null,
    lastErrorCode: null,
    lastErrorMessage: null,
    lastErrorAt: null,
    lastRequestedAt: null,
  };
}

function credentialFromRow(row: Row): CredentialRecord {
  return {
    kind: row.kind as CredentialKind,
    value: str(row.value),
    createdAt: num(row.created_at),
    expiresAt: num(row.expires_at),
    confirmedAt: num(row.confirmed_at),
    rejected: row.rejected === 1,
    dueAt: num(row.due_at),
    failuresInRow: num(row.failures_in_row) ?? 0,
    retryAt: num(row.retry_at),
    reportStreak: num(row.report_streak) ?? 0,
    lastReportRefreshAt: num(row.last_report_refresh_at),
    reportBackoffUntil: num(row.report_backoff_until),
    sourceCreatedAt: num(row.source_created_at),
    previousValue: str(row.previous_value),
    previousValidUntil: num(row.previous_valid_until),
    refreshCount: num(row.refresh_count) ?? 0,
    lastRefreshAt: num(row.last_refresh_at),
    lastErrorKind: str(row.last_error_kind) as FailureKind | null,
    lastErrorCode: num(row.last_error_code),
    lastErrorMessage: str(row.last_error_message),
    lastErrorAt: num(row.last_error_at),
    lastRequestedAt: num(row.last_requested_at),
  };
}

/** Typed access to a keeper's SQLite tables. Reads come from memory; writes go through at once. */
export class KeeperStore {
  private readonly sql: SqlStorage;
  private appRow: (KeeperApp & { lastForcedAt: number | null }) | null = null;
  private readonly credentials = new Map<CredentialKind, CredentialRecord>();

  constructor(sql: SqlStorage) {
    this.sql = sql;
    for (const statement of SCHEMA) sql.exec(statement);
    const present = (table: string) =>
      new Set(
        sql
          .exec("SELECT name FROM pragma_table_info(?)", table)
          .toArray()
          .map((r) => String(r.name)),
      );
    for (const { table, column, definition } of ADDED_COLUMNS) {
      if (!present(table).has(column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
    const app = sql.exec("SELECT * FROM app WHERE id = 1").toArray()[0];
    if (app) {
      this.appRow = {
        appId: String(app.app_id),
        appSecret: String(app.app_secret),
        tokenMode: app.token_mode as TokenMode,
        appType: app.app_type as AppType,
        source: (str(app.source) ?? "secret") as SourceKind,
        componentAppId: str(app.component_app_id),
        refreshToken: str(app.refresh_token),
        authorization: str(app.authorization) as AuthorizerState | null,
        lastForcedAt: num(app.last_forced_at),
      };
    }
    for (const row of sql.exec("SELECT * FROM credential")) {
      const record = credentialFromRow(row);
      this.credentials.set(record.kind, record);
    }
  }

  get app(): KeeperApp | null {
    return this.appRow;
  }

  get lastForcedAt(): number | null {
    return this.appRow?.lastForcedAt ?? null;
  }

  saveApp(app: KeeperApp): void {
    this.sql.exec(
      `INSERT INTO app (id, app_id, app_secret, token_mode, app_type, source, component_app_id,
         refresh_token, authorization) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET app_id = excluded.app_id, app_secret = excluded.app_secret,
         token_mode = excluded.token_mode, app_type = excluded.app_type, source = excluded.source,
         component_app_id = excluded.component_app_id, refresh_token = excluded.refresh_token,
         authorization = excluded.authorization`,
      app.appId,
      app.appSecret,
      app.tokenMode,
      app.appType,
      app.source,
      app.componentAppId,
      app.refreshToken,
      app.authorization,
    );
    this.appRow = { ...app, lastForcedAt: this.appRow?.lastForcedAt ?? null };
  }

  /** An authorizer's refresh token (null: dropped) and authorization state. */
  saveAuthorizer(changes: { refreshToken?: string | null; authorization?: AuthorizerState }): void {
    const app = this.appRow;
    if (!app) return;
    const refreshToken = changes.refreshToken === undefined ? app.refreshToken : changes.refreshToken;
    const authorization = changes.authorization ?? app.authorization;
    this.sql.exec(
      "UPDATE app SET refresh_token = ?, authorization = ? WHERE id = 1",
      refreshToken,
      authorization,
    );
    this.appRow = { ...app, refreshToken, authorization };
  }

  markForced(at: number): void {
    this.sql.exec("UPDATE app SET last_forced_at = ? WHERE id = 1", at);
    if (this.appRow) this.appRow.lastForcedAt = at;
  }

  attachAppKey(appKey: string, now: number): void {
    this.sql.exec("INSERT OR IGNORE INTO app_keys (app_key, attached_at) VALUES (?, ?)", appKey, now);
  }

  detachAppKey(appKey: string): number {
    this.sql.exec("DELETE FROM app_keys WHERE app_key = ?", appKey);
    return this.appKeys().length;
  }

  appKeys(): string[] {
    return this.sql
      .exec("SELECT app_key FROM app_keys ORDER BY app_key")
      .toArray()
      .map((r) => String(r.app_key));
  }

  credential(kind: CredentialKind): CredentialRecord {
    return this.credentials.get(kind) ?? emptyCredential(kind);
  }

  saveCredential(record: CredentialRecord): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO credential (kind, value, created_at, expires_at, confirmed_at, rejected,
        source_created_at, previous_value, previous_valid_until, due_at, refresh_count, last_refresh_at,
        last_error_kind, last_error_code, last_error_message, last_error_at, failures_in_row, retry_at,
        last_requested_at, report_streak, last_report_refresh_at, report_backoff_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.kind,
      record.value,
      record.createdAt,
      record.expiresAt,
      record.confirmedAt,
      record.rejected ? 1 : 0,
      record.sourceCreatedAt,
      record.previousValue,
      record.previousValidUntil,
      record.dueAt,
      record.refreshCount,
      record.lastRefreshAt,
      record.lastErrorKind,
      record.lastErrorCode,
      record.lastErrorMessage,
      record.lastErrorAt,
      record.failuresInRow,
      record.retryAt,
      record.lastRequestedAt,
      record.reportStreak,
      record.lastReportRefreshAt,
      record.reportBackoffUntil,
    );
    this.credentials.set(record.kind, record);
  }

  callsOn(day: string, kind: CallKind): number {
    const row = this.sql
      .exec("SELECT count FROM upstream_calls WHERE day = ? AND kind = ?", day, kind)
      .toArray()[0];
    return num(row?.count) ?? 0;
  }

  countCall(day: string, kind: CallKind): void {
    this.sql.exec(
      `INSERT INTO upstream_calls (day, kind, count) VALUES (?, ?, 1)
       ON CONFLICT (day, kind) DO UPDATE SET count = count + 1`,
      day,
      kind,
    );
    // Yesterday's counters are kept for the status page; older ones are dropped.
    this.sql.exec("DELETE FROM upstream_calls WHERE day < date(?, '-1 day')", day);
  }

  /** Forgets everything: the last appKey naming this appid was removed. */
  clear(): void {
    for (const table of ["app", "app_keys", "credential", "upstream_calls"])
      this.sql.exec(`DELETE FROM ${table}`);
    this.appRow = null;
    this.credentials.clear();
  }
}

// The admin's index of apps and API keys: one Durable Object with SQLite, read and written only by
// the admin API. The request path keeps reading KV (`app:{appKey}`, `apikey:{id}`), which scales
// with traffic; this index exists for what KV cannot do well:
//
// - Listing. One KV read per app runs into Workers' 1,000 KV operations per invocation past
//   ~1,000 apps, and KV key metadata (the other way to list in one operation) is capped at 1,024
//   bytes per key and listed eventually consistently, so an operator would not see their own
//   registration or deletion for up to a minute. Here a page is one range scan over the primary
//   key: `limit + 1` rows read, whatever the number of apps, and it shows every write at once.
// - Deletion. Finding an app's API keys through a KV list (eventually consistent) can miss a key
//   created a moment before. Here the key rows are written before the key is handed out, so a
//   deletion sees every key that was ever answered.
//
// One object for the whole gateway is enough for admin traffic (registrations, key changes and
// console polling: a few requests a second at most), and 100,000 apps take a few tens of MB.

import { DurableObject } from "cloudflare:workers";
import { hex } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import { KV_OPERATIONS_PER_INVOCATION } from "../platform/limits.ts";
import type { AppRecord } from "./schemas.ts";

/** One directory for the gateway: every admin call names the same object. */
const DIRECTORY_NAME = "apps";

/** A page holds at most 1,000 apps (`?limit=` 1–1000), as many as a KV list page. */
export const LIST_LIMIT_MAX = 1000;
/** The page size when the caller names no `?limit=`. */
export const LIST_LIMIT_DEFAULT = 100;
/**
 * A deletion deletes each of the app's key records from KV in one invocation (1,000 KV
 * operations at most), and an app needs one key per calling service plus a few for rotation.
 */
export const MAX_API_KEYS_PER_APP = 100;
/**
 * KV operations one step of the one-time import may use (see `importStep`): a step is one RPC or
 * one alarm, so one invocation, and this leaves a fifth of its allowance spare.
 */
const IMPORT_KV_OPERATIONS_PER_STEP = (KV_OPERATIONS_PER_INVOCATION * 4) / 5;
/** A copied app costs a read, a list of its keys and, usually, one delete per key: room for that. */
const IMPORT_OPERATIONS_PER_APP = 4;
/** Apps per KV list page during the import. */
const IMPORT_PAGE_SIZE = 100;
/** Registrations made before the directory existed have no registration id; their keys neither. */
export const LEGACY_REGISTRATION = "";

/** What the list shows of an app: fixed-size fields only, so that a full page stays small. */
export type AppSummary = {
  appKey: string;
  appId: string;
  type: AppRecord["type"];
  tokenMode: AppRecord["tokenMode"];
  name: string | null;
  createdAt: string;
  updatedAt: string;
};

export type AppPage = {
  apps: AppSummary[];
  cursor: string | null;
  total: number;
  /** SQLite rows this page read: the cost bound the listing promises (limit + 2 at most). */
  rowsRead: number;
};

export type DirectoryBusy = Failure<503> & { retryAfterSeconds: number };
export type DirectoryRefusal = Failure<404 | 409> | DirectoryBusy;

export type Recorded = {
  ok: true;
  /** Drawn when the appKey gets a new registration, kept by updates (see registry.ts). */
  registration: string;
  created: boolean;
  /** The appKey was deleted before and its QR-Auth directory is still sealed (see qrauth/users.ts). */
  sealed: boolean;
};

/** What a deletion has left to do: every key id (the directory forgets them only when it is done). */
export type Deletion = { ok: true; appId: string; registration: string; keyIds: string[] };

type Row = Record<string, SqlStorageValue>;

export function summaryOf(record: AppRecord): AppSummary {
  return {
    appKey: record.appKey,
    appId: record.appId,
    type: record.type,
    tokenMode: record.tokenMode,
    name: record.profile.name ?? null,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function summaryFromRow(row: Row): AppSummary {
  return {
    appKey: String(row.app_key),
    appId: String(row.app_id),
    type: row.type === "officialaccount" ? "officialaccount" : "miniprogram",
    tokenMode: row.token_mode === "classic" ? "classic" : "stable",
    name: typeof row.name === "string" ? row.name : null,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

/** 64 random bits: names one registration of an appKey, so nothing of an earlier one matches it. */
function newRegistration(): string {
  return hex(crypto.getRandomValues(new Uint8Array(8)));
}

/**
 * Every appKey starting with `prefix` sorts at or after it and before `prefix` + U+007F, because
 * appKeys are made of [A-Za-z0-9_-], all below U+007F: a prefix search is a primary-key range.
 */
const PREFIX_END = "\u007f";

export class AppDirectory extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** The import step under way: a call arriving meanwhile waits for it instead of copying the same apps. */
  private importRun: Promise<boolean> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS apps (
      app_key TEXT PRIMARY KEY,
      app_id TEXT NOT NULL,
      type TEXT NOT NULL,
      token_mode TEXT NOT NULL,
      name TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      registration TEXT NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS apps_by_app_id ON apps (app_id)");
    this.sql.exec(`CREATE TABLE IF NOT EXISTS api_keys (
      id TEXT PRIMARY KEY,
      app_key TEXT NOT NULL,
      created_at TEXT NOT NULL
    )`);
    this.sql.exec("CREATE INDEX IF NOT EXISTS api_keys_by_app_key ON api_keys (app_key)");
    // An app whose DELETE has begun and not finished: hidden from the list, refused to PUT.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS deletions (
      app_key TEXT PRIMARY KEY,
      app_id TEXT NOT NULL,
      registration TEXT NOT NULL
    )`);
    // A deleted appKey whose QR-Auth directory was sealed; the next registration unseals it.
    this.sql.exec("CREATE TABLE IF NOT EXISTS sealed (app_key TEXT PRIMARY KEY)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value)");
  }

  // ---- apps ----------------------------------------------------------------------------------

  /**
   * Records a registration or an update. A new appKey gets a new registration id; an update keeps
   * the one it has (apps imported from before the directory keep having none).
   */
  async record(summary: AppSummary): Promise<Recorded | DirectoryRefusal> {
    const busy = await this.importing();
    if (busy) return busy;
    if (this.isDeleting(summary.appKey)) return beingDeleted(summary.appKey);
    const existing = this.sql
      .exec("SELECT registration FROM apps WHERE app_key = ?", summary.appKey)
      .toArray()[0];
    const registration = existing === undefined ? newRegistration() : String(existing.registration);
    this.sql.exec(
      `INSERT INTO apps (app_key, app_id, type, token_mode, name, created_at, updated_at, registration)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (app_key) DO UPDATE SET app_id = excluded.app_id, type = excluded.type,
         token_mode = excluded.token_mode, name = excluded.name, updated_at = excluded.updated_at`,
      summary.appKey,
      summary.appId,
      summary.type,
      summary.tokenMode,
      summary.name,
      summary.createdAt,
      summary.updatedAt,
      registration,
    );
    if (existing === undefined) this.addToCount(1);
    const sealed =
      this.sql.exec("SELECT 1 FROM sealed WHERE app_key = ?", summary.appKey).toArray().length > 0;
    return { ok: true, registration, created: existing === undefined, sealed };
  }

  /** The appKey's QR-Auth directory was unsealed for its new registration. */
  async unsealed(appKey: string): Promise<void> {
    this.sql.exec("DELETE FROM sealed WHERE app_key = ?", appKey);
  }

  /**
   * The latest registration of an appid sets its token mode for every appKey naming it (they share
   * its one token): updates the other appKeys' rows and answers those that changed, whose KV
   * records must follow.
   */
  async followTokenMode(
    appId: string,
    tokenMode: AppSummary["tokenMode"],
    updatedAt: string,
  ): Promise<string[]> {
    return this.sql
      .exec(
        "UPDATE apps SET token_mode = ?, updated_at = ? WHERE app_id = ? AND token_mode != ? RETURNING app_key",
        tokenMode,
        updatedAt,
        appId,
        tokenMode,
      )
      .toArray()
      .map((row) => String(row.app_key));
  }

  /**
   * One page in appKey order (byte order), after `cursor` (the last appKey of the previous page)
   * and limited to appKeys starting with `prefix`: one primary-key range scan of `limit + 1` rows.
   */
  async list(query: {
    cursor?: string | undefined;
    limit: number;
    prefix?: string | undefined;
  }): Promise<{ ok: true; page: AppPage } | DirectoryBusy> {
    const busy = await this.importing();
    if (busy) return busy;
    const limit = Math.min(Math.max(Math.trunc(query.limit), 1), LIST_LIMIT_MAX);
    const prefix = query.prefix ?? "";
    // One lower bound, so that SQLite seeks straight to it: after the cursor when the cursor is
    // inside the prefix's range, else the prefix itself.
    const afterCursor = query.cursor !== undefined && query.cursor >= prefix;
    const rows = this.sql.exec(
      `SELECT * FROM apps WHERE app_key ${afterCursor ? ">" : ">="} ? AND app_key < ? ORDER BY app_key LIMIT ?`,
      afterCursor ? query.cursor : prefix,
      prefix + PREFIX_END,
      limit + 1,
    );
    const found = rows.toArray();
    const count = this.sql.exec("SELECT value FROM meta WHERE key = 'app_count'");
    const total = Number(count.toArray()[0]?.value ?? 0);
    const apps = found.slice(0, limit).map(summaryFromRow);
    return {
      ok: true,
      page: {
        apps,
        cursor: found.length > limit ? (apps.at(-1)?.appKey ?? null) : null,
        total,
        rowsRead: rows.rowsRead + count.rowsRead,
      },
    };
  }

  // ---- API keys ------------------------------------------------------------------------------

  /** Adds a key id before the key is handed out; answers the registration the key belongs to. */
  async addKey(
    appKey: string,
    id: string,
    createdAt: string,
  ): Promise<{ ok: true; registration: string } | DirectoryRefusal> {
    const busy = await this.importing();
    if (busy) return busy;
    const app = this.sql.exec("SELECT registration FROM apps WHERE app_key = ?", appKey).toArray()[0];
    if (!app) return { ok: false, status: 404, message: `no app is registered as ${appKey}` };
    const count = this.sql.exec("SELECT COUNT(*) AS n FROM api_keys WHERE app_key = ?", appKey).one();
    if (Number(count.n) >= MAX_API_KEYS_PER_APP) {
      return {
        ok: false,
        status: 409,
        message: `${appKey} already has ${MAX_API_KEYS_PER_APP} API keys: revoke one first`,
      };
    }
    this.sql.exec("INSERT INTO api_keys (id, app_key, created_at) VALUES (?, ?, ?)", id, appKey, createdAt);
    return { ok: true, registration: String(app.registration) };
  }

  async keys(
    appKey: string,
  ): Promise<{ ok: true; keys: { id: string; createdAt: string }[] } | DirectoryBusy> {
    const busy = await this.importing();
    if (busy) return busy;
    const keys = this.sql
      .exec("SELECT id, created_at FROM api_keys WHERE app_key = ? ORDER BY created_at, id", appKey)
      .toArray()
      .map((row) => ({ id: String(row.id), createdAt: String(row.created_at) }));
    return { ok: true, keys };
  }

  /** Whether key `id` belongs to `appKey` (asked before its KV record is deleted). */
  async hasKey(appKey: string, id: string): Promise<{ ok: true; found: boolean } | DirectoryBusy> {
    const busy = await this.importing();
    if (busy) return busy;
    const found = this.sql.exec("SELECT 1 FROM api_keys WHERE id = ? AND app_key = ?", id, appKey).toArray();
    return { ok: true, found: found.length > 0 };
  }

  /** Forgets keys whose KV records are gone. */
  async removeKeys(ids: string[]): Promise<void> {
    for (const id of ids) this.sql.exec("DELETE FROM api_keys WHERE id = ?", id);
  }

  // ---- deletion ------------------------------------------------------------------------------

  /**
   * Starts (or resumes) deleting `appKey`: from now on it is out of the list, a PUT is refused
   * and no key can be added. Answers what belongs to it; null when there is no such app.
   */
  async beginDelete(appKey: string): Promise<Deletion | DirectoryBusy | null> {
    const busy = await this.importing();
    if (busy) return busy;
    let deleting = this.sql.exec("SELECT * FROM deletions WHERE app_key = ?", appKey).toArray()[0];
    if (!deleting) {
      const app = this.sql.exec("SELECT * FROM apps WHERE app_key = ?", appKey).toArray()[0];
      if (!app) return null;
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          "INSERT INTO deletions (app_key, app_id, registration) VALUES (?, ?, ?)",
          appKey,
          app.app_id,
          app.registration,
        );
        this.sql.exec("DELETE FROM apps WHERE app_key = ?", appKey);
        this.addToCount(-1);
      });
      deleting = app;
    }
    const keyIds = this.sql
      .exec("SELECT id FROM api_keys WHERE app_key = ?", appKey)
      .toArray()
      .map((row) => String(row.id));
    return {
      ok: true,
      appId: String(deleting.app_id),
      registration: String(deleting.registration),
      keyIds,
    };
  }

  /** Everything of `appKey` is gone: forget it, and remember that its QR-Auth directory is sealed. */
  async finishDelete(appKey: string): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM api_keys WHERE app_key = ?", appKey);
      this.sql.exec("DELETE FROM deletions WHERE app_key = ?", appKey);
      this.sql.exec("INSERT OR IGNORE INTO sealed (app_key) VALUES (?)", appKey);
    });
  }

  // ---- the one-time import from KV -----------------------------------------------------------

  override async alarm(): Promise<void> {
    if (!(await this.importStep())) await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * A gateway deployed before the directory existed has its apps in KV only (`app:{appKey}`, and
   * `appkeys:{appKey}:{id}` per key). The directory copies them in before it answers anything,
   * one bounded step per call or alarm; until the copy is complete the admin API answers 503.
   */
  private async importing(): Promise<DirectoryBusy | null> {
    if (this.meta("import_done") === 1) return null;
    if (await this.importStep()) return null;
    await this.ctx.storage.setAlarm(Date.now());
    return {
      ok: false,
      status: 503,
      message: "the app directory is importing apps registered before it existed: retry in a few seconds",
      retryAfterSeconds: 5,
    };
  }

  /** Copies the next apps from KV; answers whether the import is complete. */
  private importStep(): Promise<boolean> {
    if (this.meta("import_done") === 1) return Promise.resolve(true);
    this.importRun ??= this.copyFromKv().finally(() => {
      this.importRun = null;
    });
    return this.importRun;
  }

  /**
   * Copies apps until the step's KV budget is spent. Where it stopped is saved as the cursor that
   * fetched the current KV page and the last app copied from it, so the next step resumes there.
   */
  private async copyFromKv(): Promise<boolean> {
    const kv = this.env.REGISTRY;
    let budget = IMPORT_KV_OPERATIONS_PER_STEP;
    let pageCursor = textOrUndefined(this.meta("import_cursor"));
    let after = textOrUndefined(this.meta("import_after"));
    const stop = () => {
      this.setMeta("import_cursor", pageCursor ?? null);
      this.setMeta("import_after", after ?? null);
      return false;
    };
    for (;;) {
      if (budget < IMPORT_OPERATIONS_PER_APP + 1) return stop();
      const page = await kv.list({
        prefix: "app:",
        limit: IMPORT_PAGE_SIZE,
        ...(pageCursor ? { cursor: pageCursor } : {}),
      });
      budget--;
      for (const key of page.keys) {
        if (after !== undefined && key.name <= after) continue;
        if (budget < IMPORT_OPERATIONS_PER_APP) return stop();
        const record = await kv.get<AppRecord & { registration?: string }>(key.name, "json");
        budget--;
        if (record) budget -= await this.importApp(kv, record, budget);
        after = key.name;
      }
      if (page.list_complete) {
        this.setMeta("import_done", 1);
        this.sql.exec("DELETE FROM meta WHERE key IN ('import_cursor', 'import_after')");
        return true;
      }
      pageCursor = page.cursor;
      after = undefined;
    }
  }

  /**
   * Copies one KV-only app and its key ids, then deletes the old KV index entries while `budget`
   * lasts (one left behind by an app with hundreds of keys is harmless: nothing reads them any
   * more). Answers the KV operations it used.
   */
  private async importApp(
    kv: KVNamespace,
    record: AppRecord & { registration?: string },
    budget: number,
  ): Promise<number> {
    let operations = 0;
    const existing = this.sql.exec("SELECT 1 FROM apps WHERE app_key = ?", record.appKey).toArray();
    const summary = summaryOf(record);
    if (existing.length === 0 && !this.isDeleting(record.appKey)) {
      this.sql.exec(
        `INSERT INTO apps (app_key, app_id, type, token_mode, name, created_at, updated_at, registration)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        summary.appKey,
        summary.appId,
        summary.type,
        summary.tokenMode,
        summary.name,
        summary.createdAt,
        summary.updatedAt,
        record.registration ?? LEGACY_REGISTRATION,
      );
      this.addToCount(1);
    }
    const prefix = `appkeys:${record.appKey}:`;
    const indexEntries: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await kv.list<{ createdAt?: string }>({ prefix, ...(cursor ? { cursor } : {}) });
      operations++;
      for (const key of page.keys) {
        this.sql.exec(
          "INSERT OR IGNORE INTO api_keys (id, app_key, created_at) VALUES (?, ?, ?)",
          key.name.slice(prefix.length),
          record.appKey,
          key.metadata?.createdAt ?? record.createdAt,
        );
        indexEntries.push(key.name);
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    const deletable = indexEntries.slice(0, Math.max(0, budget - operations));
    await Promise.all(deletable.map((name) => kv.delete(name)));
    return operations + deletable.length;
  }

  // ---- storage helpers -----------------------------------------------------------------------

  private isDeleting(appKey: string): boolean {
    return this.sql.exec("SELECT 1 FROM deletions WHERE app_key = ?", appKey).toArray().length > 0;
  }

  private meta(key: string): SqlStorageValue | undefined {
    return this.sql.exec("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
  }

  private setMeta(key: string, value: SqlStorageValue): void {
    this.sql.exec("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", key, value);
  }

  /** The number of listed apps, kept as a counter: counting rows would read every one of them. */
  private addToCount(delta: number): void {
    this.sql.exec(
      `INSERT INTO meta (key, value) VALUES ('app_count', ?)
       ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`,
      delta,
    );
  }
}

const textOrUndefined = (value: SqlStorageValue | undefined) =>
  typeof value === "string" ? value : undefined;

function beingDeleted(appKey: string): DirectoryRefusal {
  return {
    ok: false,
    status: 409,
    message: `${appKey} is being deleted: repeat DELETE /admin/apps/${appKey} to finish it first`,
  };
}

export function directoryOf(env: Env) {
  return env.APP_DIRECTORY.getByName(DIRECTORY_NAME);
}

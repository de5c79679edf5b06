// The app registry in KV: read on every gateway request (appKey → appid, API-key check), so it
// must not live in one global object. See docs/storage.md for the keys and their shapes.

import { IsolateMemo } from "../isolate-memo.ts";
import { apiKeyId, constantTimeEqual, sha256Hex } from "./keys.ts";
import { APP_KEY_PATTERN, type AppRecord } from "./schemas.ts";

/**
 * KV serves a value from the edge cache for up to this long after a write elsewhere, which is
 * why revoking a key or deleting an app takes effect within 60 s.
 */
export const REGISTRY_CACHE_TTL_SECONDS = 60;

/**
 * Each isolate also remembers a verified API key and an app record this long, on top of KV's
 * edge cache: a revocation or an app change made elsewhere takes effect within 60 + 10 s (at once
 * in the isolate that made it).
 */
export const REGISTRY_MEMO_MS = 10_000;
/** Bounds an isolate's memory whatever the traffic (a few hundred bytes per entry). */
const REGISTRY_MEMO_ENTRIES = 2_000;

const appMemo = new IsolateMemo<AppRecord>(REGISTRY_MEMO_MS, REGISTRY_MEMO_ENTRIES);
/** Keyed by the presented key itself: a hit needs no hashing. Only verified keys are remembered. */
const apiKeyMemo = new IsolateMemo<{ id: string; appKey: string }>(REGISTRY_MEMO_MS, REGISTRY_MEMO_ENTRIES);

const appName = (appKey: string) => `app:${appKey}`;
const keyName = (id: string) => `apikey:${id}`;
const keyIndexPrefix = (appKey: string) => `appkeys:${appKey}:`;

export type ApiKeyRecord = { id: string; appKey: string; hash: string; createdAt: string };
export type ApiKeyCheck = { ok: true; appKey: string } | { ok: false; reason: "unknown" };

/** `fresh` reads without the cacheTtl hint: an operator should see their own write (KV shows it at once where it was written). */
export async function findApp(kv: KVNamespace, appKey: string, fresh = false): Promise<AppRecord | null> {
  // Anything else names no app (and may not even fit in a KV key).
  if (!APP_KEY_PATTERN.test(appKey)) return null;
  if (fresh) return kv.get<AppRecord>(appName(appKey), "json");
  const remembered = appMemo.get(appKey);
  if (remembered) return remembered;
  const app = await kv.get<AppRecord>(appName(appKey), {
    type: "json",
    cacheTtl: REGISTRY_CACHE_TTL_SECONDS,
  });
  if (app) appMemo.set(appKey, app);
  return app;
}

export async function saveApp(kv: KVNamespace, app: AppRecord): Promise<void> {
  await kv.put(appName(app.appKey), JSON.stringify(app));
  appMemo.set(app.appKey, app);
}

export async function listApps(kv: KVNamespace): Promise<AppRecord[]> {
  const apps: AppRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list({ prefix: "app:", ...(cursor ? { cursor } : {}) });
    const records = await Promise.all(page.keys.map((k) => kv.get<AppRecord>(k.name, "json")));
    for (const record of records) if (record) apps.push(record);
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return apps.sort((a, b) => a.appKey.localeCompare(b.appKey));
}

export async function deleteApp(kv: KVNamespace, appKey: string): Promise<void> {
  for (const key of await listApiKeys(kv, appKey)) await revokeApiKey(kv, appKey, key.id);
  await kv.delete(appName(appKey));
  appMemo.delete(appKey);
}

export async function storeApiKey(
  kv: KVNamespace,
  appKey: string,
  id: string,
  key: string,
): Promise<ApiKeyRecord> {
  const record: ApiKeyRecord = {
    id,
    appKey,
    hash: await sha256Hex(key),
    createdAt: new Date().toISOString(),
  };
  await Promise.all([
    kv.put(keyName(id), JSON.stringify(record)),
    kv.put(`${keyIndexPrefix(appKey)}${id}`, "", { metadata: { createdAt: record.createdAt } }),
  ]);
  return record;
}

export async function listApiKeys(
  kv: KVNamespace,
  appKey: string,
): Promise<{ id: string; createdAt: string }[]> {
  const keys: { id: string; createdAt: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await kv.list<{ createdAt: string }>({
      prefix: keyIndexPrefix(appKey),
      ...(cursor ? { cursor } : {}),
    });
    for (const k of page.keys) {
      keys.push({ id: k.name.slice(keyIndexPrefix(appKey).length), createdAt: k.metadata?.createdAt ?? "" });
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return keys;
}

/** Returns false when the key does not exist for that appKey. */
export async function revokeApiKey(kv: KVNamespace, appKey: string, id: string): Promise<boolean> {
  const record = await kv.get<ApiKeyRecord>(keyName(id), "json");
  if (!record || record.appKey !== appKey) return false;
  await Promise.all([kv.delete(keyName(id)), kv.delete(`${keyIndexPrefix(appKey)}${id}`)]);
  apiKeyMemo.deleteWhere((remembered) => remembered.id === id);
  return true;
}

/** Looks the key up by its id and compares the hash of the whole key in constant time. */
export async function checkApiKey(kv: KVNamespace, presented: string): Promise<ApiKeyCheck> {
  const id = apiKeyId(presented);
  if (!id) return { ok: false, reason: "unknown" };
  const remembered = apiKeyMemo.get(presented);
  if (remembered) return { ok: true, appKey: remembered.appKey };
  const record = await kv.get<ApiKeyRecord>(keyName(id), {
    type: "json",
    cacheTtl: REGISTRY_CACHE_TTL_SECONDS,
  });
  if (!record) return { ok: false, reason: "unknown" };
  const matches = await constantTimeEqual(await sha256Hex(presented), record.hash);
  if (!matches) return { ok: false, reason: "unknown" };
  apiKeyMemo.set(presented, { id, appKey: record.appKey });
  return { ok: true, appKey: record.appKey };
}

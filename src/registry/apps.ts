// The app registry in KV: read on every gateway request (appKey → appid, API-key check), so it
// must not live in one global object. The admin API also keeps the AppDirectory object
// (directory.ts) in step: the index it lists and deletes from. See docs/storage.md for both.

import { sha256Hex } from "../platform/crypto.ts";
import { orThrow } from "../platform/errors.ts";
import { IsolateMemo } from "../platform/isolate-memo.ts";
import { KV_KEY_MAX_BYTES } from "../platform/limits.ts";
import { directoryOf, LEGACY_REGISTRATION } from "./directory.ts";
import { apiKeyId, keyName, newApiKey, presentedKeyRecord, REGISTRY_CACHE_TTL_SECONDS } from "./keys.ts";
import { APP_KEY_PATTERN, type StoredApp } from "./schemas.ts";

/**
 * Each isolate also remembers a verified API key and an app record this long, on top of KV's
 * edge cache: a revocation or an app change made elsewhere takes effect within 60 + 10 s (at once
 * in the isolate that made it).
 */
export const REGISTRY_MEMO_MS = 10_000;
/** Bounds an isolate's memory whatever the traffic (a few hundred bytes per entry). */
export const REGISTRY_MEMO_ENTRIES = 2_000;

const appMemo = new IsolateMemo<StoredApp>(REGISTRY_MEMO_MS, REGISTRY_MEMO_ENTRIES);
/** Keyed by the presented key itself: a hit needs no hashing. Only verified keys are remembered. */
const apiKeyMemo = new IsolateMemo<{ id: string; appKey: string }>(REGISTRY_MEMO_MS, REGISTRY_MEMO_ENTRIES);

/** Empties this isolate's memory of app records and keys, as a new isolate (e.g. after a deploy) starts. */
export function forgetRememberedRegistry(): void {
  appMemo.clear();
  apiKeyMemo.clear();
}

const appName = (appKey: string) => `app:${appKey}`;

// A caller's appKey is looked up only once it matches APP_KEY_PATTERN (64 characters at most), so
// that every key the registry reads fits in KV.
if (appName("a".repeat(64)).length > KV_KEY_MAX_BYTES) throw new Error("appKeys must fit in KV keys");

export type ApiKeyCheck = { ok: true; appKey: string } | { ok: false; reason: "unknown" };

/** `fresh` reads without the cacheTtl hint: an operator should see their own write (KV shows it at once where it was written). */
export async function findApp(kv: KVNamespace, appKey: string, fresh = false): Promise<StoredApp | null> {
  // Anything else names no app (and may not even fit in a KV key).
  if (!APP_KEY_PATTERN.test(appKey)) return null;
  if (fresh) return kv.get<StoredApp>(appName(appKey), "json");
  const remembered = appMemo.get(appKey);
  if (remembered) return remembered;
  const app = await kv.get<StoredApp>(appName(appKey), {
    type: "json",
    cacheTtl: REGISTRY_CACHE_TTL_SECONDS,
  });
  if (app) appMemo.set(appKey, app);
  return app;
}

export async function saveApp(kv: KVNamespace, app: StoredApp): Promise<void> {
  await kv.put(appName(app.appKey), JSON.stringify(app));
  appMemo.set(app.appKey, app);
}

/** Stops serving the app from KV (the first step of a deletion: see deletion.ts). */
export async function forgetApp(kv: KVNamespace, appKey: string): Promise<void> {
  await kv.delete(appName(appKey));
  appMemo.delete(appKey);
}

/**
 * A new API key for `appKey`, shown once. The directory learns its id before KV holds the key,
 * so a deletion that starts at any moment finds it; the key record names the registration, so a
 * key that outlived its app (a KV write racing the deletion) never counts for a later one.
 */
export async function createApiKey(env: Env, appKey: string): Promise<{ id: string; key: string }> {
  const { id, key } = newApiKey();
  const createdAt = new Date().toISOString();
  const directory = directoryOf(env);
  const { registration } = orThrow(await directory.addKey(appKey, id, createdAt));
  const record = { id, appKey, hash: await sha256Hex(key), createdAt, registration };
  try {
    await env.REGISTRY.put(keyName(id), JSON.stringify(record));
  } catch (error) {
    await directory.removeKeys([id]);
    throw error;
  }
  return { id, key };
}

export async function listApiKeys(env: Env, appKey: string): Promise<{ id: string; createdAt: string }[]> {
  return orThrow(await directoryOf(env).keys(appKey)).keys;
}

/** Returns false when the key does not exist for that appKey. */
export async function revokeApiKey(env: Env, appKey: string, id: string): Promise<boolean> {
  const directory = directoryOf(env);
  if (!orThrow(await directory.hasKey(appKey, id)).found) return false;
  // KV first: should the directory step fail, the key is already dead and a retry finds it again.
  await deleteKeyRecords(env.REGISTRY, [id]);
  await directory.removeKeys([id]);
  return true;
}

export async function deleteKeyRecords(kv: KVNamespace, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => kv.delete(keyName(id))));
  const gone = new Set(ids);
  apiKeyMemo.deleteWhere((remembered) => gone.has(remembered.id));
}

/**
 * Looks the key up by its id, compares the hash of the whole key in constant time, and checks that
 * it was made for the app's current registration.
 */
export async function checkApiKey(kv: KVNamespace, presented: string): Promise<ApiKeyCheck> {
  const id = apiKeyId(presented);
  if (!id) return { ok: false, reason: "unknown" };
  const remembered = apiKeyMemo.get(presented);
  if (remembered) return { ok: true, appKey: remembered.appKey };
  const record = await presentedKeyRecord(kv, presented);
  // A platform's key (componentKey) is no app's.
  if (record?.appKey === undefined) return { ok: false, reason: "unknown" };
  // The caller reads this record next anyway (and gets it from the isolate's memory).
  const app = await findApp(kv, record.appKey);
  const registration = (r: { registration?: string } | null) => r?.registration ?? LEGACY_REGISTRATION;
  if (!app || registration(app) !== registration(record)) return { ok: false, reason: "unknown" };
  apiKeyMemo.set(presented, { id, appKey: record.appKey });
  return { ok: true, appKey: record.appKey };
}

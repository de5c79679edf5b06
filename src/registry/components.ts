// Third-party platforms in the registry: `component:{componentKey}` in KV (read on every component
// request, remembered per isolate like app records) and their API keys as `apikey:{id}` records
// with a componentKey (keys.ts). The platform's secrets are never here: they go to the keeper of
// the component appid. See docs/storage.md.

import { hex } from "../platform/crypto.ts";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { IsolateMemo } from "../platform/isolate-memo.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { REGISTRY_MEMO_ENTRIES, REGISTRY_MEMO_MS } from "./apps.ts";
import { MAX_API_KEYS_PER_APP } from "./directory.ts";
import { keyName, newKeyRecord, presentedKeyRecord, REGISTRY_CACHE_TTL_SECONDS } from "./keys.ts";
import { APP_KEY_PATTERN, type ComponentRecord, type StoredComponent } from "./schemas.ts";

const componentMemo = new IsolateMemo<StoredComponent>(REGISTRY_MEMO_MS, REGISTRY_MEMO_ENTRIES);
/** Keyed by the presented key itself: a hit needs no hashing. Only verified keys are remembered. */
const componentKeyMemo = new IsolateMemo<{ id: string; componentKey: string }>(
  REGISTRY_MEMO_MS,
  REGISTRY_MEMO_ENTRIES,
);

const componentName = (componentKey: string) => `component:${componentKey}`;

export type ComponentInput = {
  componentAppId: string;
  componentAppSecret?: string | undefined;
  token?: string | undefined;
  encodingAESKey?: string | undefined;
  autoRegister?: boolean | undefined;
};

/** `fresh` reads without the cacheTtl hint, for the admin API to see its own writes. */
export async function findComponent(
  kv: KVNamespace,
  componentKey: string,
  fresh = false,
): Promise<StoredComponent | null> {
  if (!APP_KEY_PATTERN.test(componentKey)) return null;
  if (fresh) return kv.get<StoredComponent>(componentName(componentKey), "json");
  const remembered = componentMemo.get(componentKey);
  if (remembered) return remembered;
  const found = await kv.get<StoredComponent>(componentName(componentKey), {
    type: "json",
    cacheTtl: REGISTRY_CACHE_TTL_SECONDS,
  });
  if (found) componentMemo.set(componentKey, found);
  return found;
}

async function saveComponent(kv: KVNamespace, component: StoredComponent): Promise<void> {
  await kv.put(componentName(component.componentKey), JSON.stringify(component));
  componentMemo.set(component.componentKey, component);
}

/**
 * A page of registered platforms in componentKey order: one KV list and one read per platform.
 * Platforms are few and admin-written, so they have no directory of their own; a KV list is
 * eventually consistent, so a platform registered or removed in the last minute may be missing
 * from it or still in it (a removed one is skipped when its record is gone).
 */
export async function listComponents(
  kv: KVNamespace,
  cursor: string | undefined,
  limit: number,
): Promise<{ components: ComponentRecord[]; cursor: string | null }> {
  const listed = await kv.list({ prefix: componentName(""), limit, ...(cursor ? { cursor } : {}) });
  const records = await Promise.all(listed.keys.map((key) => kv.get<StoredComponent>(key.name, "json")));
  return {
    components: records.filter((record) => record !== null).map(publicComponent),
    cursor: listed.list_complete ? null : listed.cursor,
  };
}

export function publicComponent(stored: StoredComponent): ComponentRecord {
  const { registration: _internal, keys: _keys, ...record } = stored;
  return record;
}

/**
 * Registers or updates a platform: the secrets go to the component appid's keeper (which checks
 * them and asks WeChat for a verify ticket if it holds none), then the record to KV. The component
 * appid of a componentKey does not change (409): its keeper holds the platform's tickets and tokens.
 */
export async function registerComponent(
  env: Env,
  componentKey: string,
  input: ComponentInput,
): Promise<{ record: ComponentRecord; created: boolean }> {
  const previous = await findComponent(env.REGISTRY, componentKey, true);
  if (previous && previous.componentAppId !== input.componentAppId) {
    throw new GatewayError(
      409,
      "componentAppId: a platform's appid cannot change (delete it and register again)",
    );
  }
  orThrow(
    await keeperFor(env, input.componentAppId).configureComponent({
      componentKey,
      componentAppId: input.componentAppId,
      componentAppSecret: input.componentAppSecret,
      token: input.token,
      encodingAESKey: input.encodingAESKey,
    }),
  );
  const now = new Date().toISOString();
  const stored: StoredComponent = {
    componentKey,
    componentAppId: input.componentAppId,
    autoRegister: input.autoRegister ?? previous?.autoRegister ?? false,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
    registration: previous?.registration ?? hex(crypto.getRandomValues(new Uint8Array(8))),
    keys: previous?.keys ?? [],
  };
  await saveComponent(env.REGISTRY, stored);
  return { record: publicComponent(stored), created: !previous };
}

/** Removes the platform, its keys, and (when no other componentKey names it) its keeper's state. */
export async function deleteComponent(env: Env, componentKey: string): Promise<boolean> {
  const stored = await findComponent(env.REGISTRY, componentKey, true);
  if (!stored) return false;
  // Keys first: should a later step fail, nothing can use the platform any more and DELETE again finishes.
  await deleteComponentKeyRecords(
    env.REGISTRY,
    stored.keys.map((key) => key.id),
  );
  await keeperFor(env, stored.componentAppId).detach(componentKey);
  await env.REGISTRY.delete(componentName(componentKey));
  componentMemo.delete(componentKey);
  return true;
}

/** A new component API key, shown once; only its hash is stored. */
export async function createComponentKey(
  env: Env,
  componentKey: string,
): Promise<{ id: string; key: string }> {
  const stored = await findComponent(env.REGISTRY, componentKey, true);
  if (!stored) throw new GatewayError(404, `no platform is registered as ${componentKey}`);
  if (stored.keys.length >= MAX_API_KEYS_PER_APP) {
    throw new GatewayError(409, `at most ${MAX_API_KEYS_PER_APP} keys per platform: revoke one first`);
  }
  const { key, record } = await newKeyRecord({ componentKey }, stored.registration);
  // The platform's record lists the key before the key works, so a deletion always finds it.
  await saveComponent(env.REGISTRY, {
    ...stored,
    keys: [...stored.keys, { id: record.id, createdAt: record.createdAt }],
  });
  await env.REGISTRY.put(keyName(record.id), JSON.stringify(record));
  return { id: record.id, key };
}

export async function revokeComponentKey(env: Env, componentKey: string, id: string): Promise<boolean> {
  const stored = await findComponent(env.REGISTRY, componentKey, true);
  if (!stored?.keys.some((key) => key.id === id)) return false;
  await deleteComponentKeyRecords(env.REGISTRY, [id]);
  await saveComponent(env.REGISTRY, { ...stored, keys: stored.keys.filter((key) => key.id !== id) });
  return true;
}

async function deleteComponentKeyRecords(kv: KVNamespace, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => kv.delete(keyName(id))));
  const gone = new Set(ids);
  componentKeyMemo.deleteWhere((remembered) => gone.has(remembered.id));
}

/**
 * The platform a presented component API key is for, when it is one of that platform's current
 * registration; null otherwise (an app's key is no platform's).
 */
export async function checkComponentKey(kv: KVNamespace, presented: string): Promise<StoredComponent | null> {
  const remembered = componentKeyMemo.get(presented);
  if (remembered) return findComponent(kv, remembered.componentKey);
  const record = await presentedKeyRecord(kv, presented);
  if (record?.componentKey === undefined) return null;
  const component = await findComponent(kv, record.componentKey);
  if (!component || component.registration !== record.registration) return null;
  componentKeyMemo.set(presented, { id: record.id, componentKey: record.componentKey });
  return component;
}

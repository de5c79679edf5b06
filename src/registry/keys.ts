// API keys: `wgk_<id>_<secret>`. The id names the KV record; the whole key is stored only as a
// SHA-256 hash and compared in constant time. The key itself is shown once, at creation. A key
// belongs to one appKey (apps.ts) or to one third-party platform's componentKey (components.ts).

import { constantTimeEqual, hex, sha256Hex } from "../platform/crypto.ts";
import { KV_MIN_CACHE_TTL_SECONDS } from "../platform/limits.ts";

const KEY_PATTERN = /^wgk_([0-9a-f]{16})_([0-9a-f]{64})$/;

function randomHex(byteLength: number): string {
  return hex(crypto.getRandomValues(new Uint8Array(byteLength)));
}

export function newApiKey(): { id: string; key: string } {
  const id = randomHex(8);
  return { id, key: `wgk_${id}_${randomHex(32)}` };
}

/** The id of a well-formed key, or null: malformed keys never reach storage. */
export function apiKeyId(key: string): string | null {
  return KEY_PATTERN.exec(key)?.[1] ?? null;
}

/**
 * KV serves a value from the edge cache for up to this long after a write elsewhere, which is
 * why revoking a key or deleting an app takes effect within 60 s: the shortest cache KV allows.
 */
export const REGISTRY_CACHE_TTL_SECONDS = KV_MIN_CACHE_TTL_SECONDS;

/**
 * The KV record of one key, `apikey:{id}`: for an appKey or for a platform's componentKey.
 * `registration`: the registration the key was made for (absent on keys made before ids existed).
 */
export type ApiKeyRecord = {
  id: string;
  hash: string;
  createdAt: string;
  registration?: string;
} & ({ appKey: string; componentKey?: undefined } | { componentKey: string; appKey?: undefined });

export const keyName = (id: string) => `apikey:${id}`;

/** A new key and its record (the hash of the whole key), for `owner`; the key is shown once. */
export async function newKeyRecord(
  owner: { appKey: string } | { componentKey: string },
  registration: string,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const { id, key } = newApiKey();
  const record = {
    id,
    hash: await sha256Hex(key),
    createdAt: new Date().toISOString(),
    registration,
    ...owner,
  };
  return { key, record };
}

/**
 * The record of a presented key, read by its id and compared by hash in constant time; null for a
 * malformed key (no read), an unknown id or a wrong secret.
 */
export async function presentedKeyRecord(kv: KVNamespace, presented: string): Promise<ApiKeyRecord | null> {
  const id = apiKeyId(presented);
  if (!id) return null;
  const record = await kv.get<ApiKeyRecord>(keyName(id), {
    type: "json",
    cacheTtl: REGISTRY_CACHE_TTL_SECONDS,
  });
  if (!record) return null;
  return (await constantTimeEqual(await sha256Hex(presented), record.hash)) ? record : null;
}

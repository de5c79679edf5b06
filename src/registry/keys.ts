// API keys: `wgk_<id>_<secret>`. The id names the KV record; the whole key is stored only as a
// SHA-256 hash and compared in constant time (registry.ts). The key itself is shown once, at
// creation.

import { hex } from "../platform/crypto.ts";

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

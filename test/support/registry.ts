// Arranges the registry the way the admin API leaves it, without the API: thousands of apps in a
// few seconds (a PUT also configures the appid's keeper, about 9 ms each here), and records as an
// older version of the gateway or a lost race would have left them in KV.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import { directoryOf, summaryOf } from "../../src/registry/directory.ts";
import type { AppRecord, StoredApp } from "../../src/registry/schemas.ts";
import { admin, type RegisteredApp } from "./gateway.ts";
import { SECRET } from "./simulator.ts";

export function directory() {
  return directoryOf(env);
}

export function appRecord(appKey: string, appId: string): AppRecord {
  const now = new Date().toISOString();
  return {
    appKey,
    appId,
    type: "miniprogram",
    tokenMode: "stable",
    profile: { name: `App ${appKey}` },
    qrAuth: {
      requireEmailCode: false,
      requirePhoneCode: false,
      tokenTtlSeconds: 7200,
      sessionTtlSeconds: 300,
    },
    createdAt: now,
    updatedAt: now,
  };
}

/** KV operations run together while seeding: enough to be quick, few enough for the local runtime. */
const SEED_KV_CONCURRENCY = 50;

/**
 * Registers `appKeys` as PUT records them (directory row and KV record, each with its registration
 * id), minus the keeper: the apps list and resolve, but hold no secret, so no token is fetched.
 */
export async function seedApps(appKeys: string[]): Promise<void> {
  const records = await runInDurableObject(directory(), async (instance) => {
    const stored: StoredApp[] = [];
    for (const appKey of appKeys) {
      const record = appRecord(appKey, `wx${appKey.replaceAll(/[^A-Za-z0-9]/g, "").slice(0, 30)}`);
      const recorded = await instance.record(summaryOf(record));
      if (!recorded.ok) throw new Error(`seed ${appKey}: ${recorded.message}`);
      stored.push({ ...record, registration: recorded.registration });
    }
    return stored;
  });
  for (let i = 0; i < records.length; i += SEED_KV_CONCURRENCY) {
    await Promise.all(
      records
        .slice(i, i + SEED_KV_CONCURRENCY)
        .map((record) => env.REGISTRY.put(`app:${record.appKey}`, JSON.stringify(record))),
    );
  }
}

/** What one request cost in storage: KV operations by the Worker and calls to the directory. */
export type StorageCount = { kv: number; directoryCalls: number };

/**
 * Counts, from now until `stop()`, every KV operation the Worker makes and every call to the
 * directory object (the gateway's code runs in this isolate and reads these same bindings).
 */
export function countStorage(): { count: () => StorageCount; stop: () => void } {
  const counted: StorageCount = { kv: 0, directoryCalls: 0 };
  const spies = (["get", "getWithMetadata", "list", "put", "delete"] as const).map((method) =>
    vi.spyOn(env.REGISTRY, method).mockImplementation(countingCall(env.REGISTRY, method, () => counted.kv++)),
  );
  const namespace = env.APP_DIRECTORY;
  const getByName = namespace.getByName.bind(namespace);
  spies.push(
    vi.spyOn(namespace, "getByName").mockImplementation((name: string) => {
      const stub = getByName(name);
      return new Proxy(stub, {
        get(target, property) {
          const value = Reflect.get(target, property);
          if (typeof value !== "function" || typeof property !== "string" || property === "then")
            return value;
          return (...args: unknown[]) => {
            counted.directoryCalls++;
            return Reflect.apply(value, target, args);
          };
        },
      });
    }) as never,
  );
  return {
    count: () => ({ ...counted }),
    stop: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

function countingCall<T extends object, K extends keyof T>(target: T, method: K, onCall: () => void) {
  const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
  return ((...args: unknown[]) => {
    onCall();
    return original(...args);
  }) as never;
}

/**
 * Deletes `app` through the admin API and registers its appKey again with the same appid (and its
 * secret, which the keeper forgets with the last appKey), with a new API key: the next owner.
 */
export async function deleteAndRegisterAgain(app: RegisteredApp): Promise<RegisteredApp> {
  const deleted = await admin("DELETE", `/apps/${app.appKey}`);
  if (deleted.status !== 200) throw new Error(`delete ${app.appKey}: ${JSON.stringify(deleted.body)}`);
  const put = await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, appSecret: SECRET });
  if (put.status !== 201) throw new Error(`register ${app.appKey} again: ${JSON.stringify(put.body)}`);
  const key = await admin<{ id: string; key: string }>("POST", `/apps/${app.appKey}/keys`);
  if (key.status !== 201) throw new Error(`key for ${app.appKey}: ${JSON.stringify(key.body)}`);
  return { ...app, apiKey: key.body.data.key, keyId: key.body.data.id };
}

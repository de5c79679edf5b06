import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { IsolateMemo } from "../../src/platform/isolate-memo.ts";
import { getToken, registerApp, reportToken } from "../support/gateway.ts";
import { keeper } from "../support/keeper.ts";

// Issue 6: the keeper keeps no per-request state, and the per-isolate memories are bounded, so
// memory does not grow with traffic.

describe("memory under traffic", () => {
  it("after a burst of reads and reports the keeper holds two credentials and nothing in flight", async () => {
    const app = await registerApp("memory-keeper", "wxmemorykeeper01");
    const token = (await getToken(app)).body.data.access_token;
    await Promise.all([
      ...Array.from({ length: 300 }, () => getToken(app)),
      ...Array.from({ length: 100 }, () => reportToken(app, token)),
    ]);
    const held = await runInDurableObject(keeper(app.appId), (instance) => {
      const internals = instance as unknown as {
        inflight: Map<string, unknown>;
        store: { credentials: Map<string, unknown> };
      };
      return { inflight: internals.inflight.size, credentials: internals.store.credentials.size };
    });
    expect(held.inflight).toBe(0);
    expect(held.credentials).toBeLessThanOrEqual(2);
  });

  it("an isolate memory never holds more than its bound, dropping the oldest first", () => {
    const memo = new IsolateMemo<number>(60_000, 100);
    for (let i = 0; i < 10_000; i++) memo.set(`key-${i}`, i);
    expect(memo.size).toBe(100);
    expect(memo.get("key-9999")).toBe(9999);
    expect(memo.get("key-0")).toBeUndefined();
  });

  it("an entry is forgotten when its lifetime is over", () => {
    const memo = new IsolateMemo<string>(1_000, 10);
    memo.set("a", "x", 0);
    expect(memo.get("a", 999)).toBe("x");
    expect(memo.get("a", 1_000)).toBeUndefined();
    expect(memo.size).toBe(0);
  });
});

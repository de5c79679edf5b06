import { describe, expect, it } from "vitest";
import { admin } from "../support/gateway.ts";
import { seedApps } from "../support/registry.ts";

// The console's search box: GET /admin/apps?prefix= keeps the appKeys that start with it
// (case-sensitive), still a page at a time.

type Page = { apps: { appKey: string }[]; cursor: string | null; total: number };

const appKeys = [
  "search-Shop-1",
  "search-shop-1",
  "search-shop-2",
  "search-shop-3",
  "search-shopx",
  "search-store",
  "searcher",
];

async function keys(query: string): Promise<{ keys: string[]; cursor: string | null; total: number }> {
  const answer = await admin<Page>("GET", `/apps?${query}`);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const { apps, cursor, total } = answer.body.data;
  return { keys: apps.map((app) => app.appKey), cursor, total };
}

describe("searching the app list by appKey prefix", () => {
  it("answers only the appKeys that start with the prefix, in byte order", async () => {
    await seedApps(appKeys);
    expect((await keys("prefix=search-shop")).keys).toEqual([
      "search-shop-1",
      "search-shop-2",
      "search-shop-3",
      "search-shopx",
    ]);
    expect((await keys("prefix=search-S")).keys).toEqual(["search-Shop-1"]);
    expect((await keys("prefix=search-shop-3")).keys).toEqual(["search-shop-3"]);
    expect((await keys("prefix=nothing-here")).keys).toEqual([]);
    // Empty means no filter.
    expect((await keys("prefix=")).keys).toEqual([...appKeys].sort());
  });

  it("pages within the prefix, and the total counts every app", async () => {
    const first = await keys("prefix=search-shop&limit=2");
    expect(first).toEqual({ keys: ["search-shop-1", "search-shop-2"], cursor: "search-shop-2", total: 7 });
    const second = await keys(`prefix=search-shop&limit=2&cursor=${first.cursor}`);
    expect(second).toEqual({ keys: ["search-shop-3", "search-shopx"], cursor: null, total: 7 });
  });

  it("a cursor from before the prefix's range starts at the prefix", async () => {
    expect((await keys("prefix=search-st&cursor=search-Shop-1")).keys).toEqual(["search-store"]);
    expect((await keys("prefix=search-shop&cursor=search-store")).keys).toEqual([]);
  });
});

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin } from "../support/gateway.ts";
import { countStorage, directory, seedApps } from "../support/registry.ts";

// SPEC §4: GET /admin/apps pages with ?cursor=&limit= (limit ≤ 1000, default 100) and answers
// {"apps": [...], "cursor": "<next or null>"}; a page costs a bounded number of storage operations
// whatever the number of apps (Workers allow 1,000 KV operations per invocation), so that a large
// registry lists as well as a small one.

const APPS = 3_500;
const appKeys = Array.from({ length: APPS }, (_, i) => `list-many-${String(i).padStart(5, "0")}`);

type Page = {
  apps: { appKey: string; appId: string; name: string | null }[];
  cursor: string | null;
  total: number;
};

/** Every page through the admin API, with what each one cost. */
async function listAll(limit?: number) {
  const pages: { page: Page; kv: number; directoryCalls: number }[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams();
    if (limit !== undefined) query.set("limit", String(limit));
    if (cursor) query.set("cursor", cursor);
    const counter = countStorage();
    const answer = await admin<Page>("GET", `/apps?${query}`);
    counter.stop();
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    pages.push({ page: answer.body.data, ...counter.count() });
    cursor = answer.body.data.cursor;
  } while (cursor);
  return pages;
}

describe("listing thousands of apps", () => {
  it(`lists ${APPS} apps through pages, each appKey once, each page at a bounded cost`, async () => {
    const seeded = Date.now();
    await seedApps(appKeys);
    const listed = Date.now();

    for (const limit of [1000, undefined]) {
      const pages = await listAll(limit);
      const size = limit ?? 100;
      expect(pages).toHaveLength(Math.ceil(APPS / size));
      const keys = pages.flatMap(({ page }) => page.apps.map((app) => app.appKey));
      expect(keys).toEqual(appKeys);
      for (const { page, kv, directoryCalls } of pages) {
        expect(page.apps.length).toBeLessThanOrEqual(size);
        expect(page.total).toBe(APPS);
        // A page reads no KV at all and asks the directory once, whatever the number of apps.
        expect({ kv, directoryCalls }).toEqual({ kv: 0, directoryCalls: 1 });
      }
      expect(pages.at(-1)?.page.cursor).toBeNull();
    }
    console.log(
      `seeded ${APPS} apps in ${listed - seeded} ms; listed them twice in ${Date.now() - listed} ms`,
    );
  });

  it("a page reads at most limit + 2 rows of the directory, wherever it starts", async () => {
    for (const query of [
      { limit: 1000 },
      { limit: 1000, cursor: appKeys[1_999] },
      { limit: 100, cursor: appKeys[3_450] },
      { limit: 10, prefix: "list-many-012" },
      { limit: 1, prefix: "list-many-03499" },
    ]) {
      const answer = await runInDurableObject(directory(), (instance) => instance.list(query));
      if (!answer.ok) throw new Error(answer.message);
      expect(answer.page.rowsRead, JSON.stringify(query)).toBeLessThanOrEqual(query.limit + 2);
    }
  });

  it("shows a summary of each app, not its whole record", async () => {
    const answer = await admin<Page>("GET", "/apps?limit=1");
    expect(answer.body.data.apps).toEqual([
      {
        appKey: "list-many-00000",
        appId: "wxlistmany00000",
        type: "miniprogram",
        tokenMode: "stable",
        name: "App list-many-00000",
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      },
    ]);
    expect(answer.body.data.cursor).toBe("list-many-00000");
  });
});

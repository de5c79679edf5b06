import { describe, expect, it } from "vitest";
import { admin } from "../support/gateway.ts";
import { seedApps } from "../support/registry.ts";

// SPEC §4: limit is 1–1000 (default 100); a bad value is a 400 naming the field, like every other
// bad input (SPEC §3).

type Page = { apps: { appKey: string }[]; cursor: string | null };

describe("GET /admin/apps paging values", () => {
  it.each([
    ["limit=0", "limit"],
    ["limit=1001", "limit"],
    ["limit=-1", "limit"],
    ["limit=1.5", "limit"],
    ["limit=abc", "limit"],
    ["limit=99999999999999999999", "limit"],
    ["cursor=not%20a%20cursor", "cursor"],
    [`cursor=${"a".repeat(65)}`, "cursor"],
    ["prefix=%25", "prefix"],
    ["prefix=a/b", "prefix"],
    [`prefix=${"a".repeat(65)}`, "prefix"],
  ])("?%s is a 400 naming %s", async (query, field) => {
    const answer = await admin("GET", `/apps?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      code: 400,
      data: null,
      error: expect.stringMatching(new RegExp(`^${field}: `)),
    });
  });

  it("takes limit 1 and limit 1000, and 100 when none is given (an empty value is none)", async () => {
    await seedApps(Array.from({ length: 150 }, (_, i) => `paging-${String(i).padStart(3, "0")}`));
    expect((await admin<Page>("GET", "/apps?limit=1")).body.data.apps).toHaveLength(1);
    expect((await admin<Page>("GET", "/apps?limit=1000")).body.data).toMatchObject({ cursor: null });
    expect((await admin<Page>("GET", "/apps?limit=1000")).body.data.apps).toHaveLength(150);
    const first = await admin<Page>("GET", "/apps");
    expect(first.body.data.apps).toHaveLength(100);
    expect(first.body.data.cursor).toBe("paging-099");
    const empty = await admin<Page>("GET", "/apps?cursor=&limit=&prefix=");
    expect(empty.body.data).toEqual(first.body.data);
  });
});

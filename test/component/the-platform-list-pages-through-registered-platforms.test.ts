// GET /admin/components?cursor=&limit=: the registered third-party platforms in componentKey order,
// a page at a time, without secrets (the console's Platforms section reads it).

import { describe, expect, it } from "vitest";
import { registerPlatform } from "../support/component.ts";
import { admin, call } from "../support/gateway.ts";

type ComponentPage = {
  components: { componentKey: string; componentAppId: string; autoRegister: boolean }[];
  cursor: string | null;
};

const listPage = (query = "") => admin<ComponentPage>("GET", `/components${query}`);

describe("the platform list", () => {
  it("pages through the platforms in componentKey order, each once, without secrets", async () => {
    const keys = ["plist-c", "plist-a", "plist-b", "plist-e", "plist-d"];
    for (const [i, key] of keys.entries()) await registerPlatform(key, `wxcompplist0000${i}`);

    const seen: ComponentPage["components"] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await listPage(query);
      expect(page.status).toBe(200);
      expect(page.body.data.components.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.components);
      cursor = page.body.data.cursor;
      pages++;
    } while (cursor && pages < 10);
    const listed = seen.map((c) => c.componentKey).filter((key) => key.startsWith("plist-"));
    expect(listed).toEqual([...keys].sort());
    expect(seen.find((c) => c.componentKey === "plist-a")).toMatchObject({
      componentAppId: "wxcompplist00001",
      autoRegister: false,
    });
    const text = JSON.stringify(seen);
    expect(text).not.toMatch(/secret|encodingAESKey|registration|"token"/i);

    const all = await listPage();
    expect(all.status).toBe(200);
    expect(all.body.data.cursor).toBeNull();
  });

  it("refuses a limit out of range or an odd cursor, and callers without the admin token", async () => {
    expect((await listPage("?limit=0")).status).toBe(400);
    expect((await listPage("?limit=101")).status).toBe(400);
    expect((await listPage("?cursor=a%20b")).status).toBe(400);
    expect((await call("GET", "/admin/components")).status).toBe(401);
  });
});

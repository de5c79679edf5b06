// SPEC §11 GET /admin/components/{componentKey}/authorizers?cursor=&limit=: the platform's index in
// appid order, a page at a time by SQL, however many authorizers there are; every authorizer
// appears once, with its state.

import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  type AuthorizerListEntry,
  authorizersPage,
  componentStatus,
  registerPlatform,
} from "../support/component.ts";
import { keeper } from "../support/keeper.ts";

const AUTHORIZERS = 2_345;

describe("the authorizers list", () => {
  it("pages through thousands of authorizers in appid order, each once", async () => {
    const platform = await registerPlatform("list-platform", "wxcomplist000001");
    const appIds = Array.from({ length: AUTHORIZERS }, (_, i) => `wxauthlist${String(i).padStart(7, "0")}`);
    await runInDurableObject(keeper(platform.componentAppId), (_instance, state) => {
      const now = Date.now();
      for (const [i, appId] of appIds.entries()) {
        state.storage.sql.exec(
          `INSERT INTO authorizers (authorizer_app_id, state, func_info, authorized_at, updated_at)
           VALUES (?, ?, '[1]', ?, ?)`,
          appId,
          i % 100 === 0 ? "unauthorized" : "authorized",
          now,
          now,
        );
      }
    });
    const seen: AuthorizerListEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=500&cursor=${cursor}` : "?limit=500";
      const page = await authorizersPage(platform.componentKey, query);
      expect(page.status).toBe(200);
      expect(page.body.data.authorizers.length).toBeLessThanOrEqual(500);
      seen.push(...page.body.data.authorizers);
      cursor = page.body.data.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(AUTHORIZERS / 500));
    expect(seen.map((entry) => entry.authorizerAppId)).toEqual(appIds);
    expect(seen[0]).toMatchObject({ state: "unauthorized", funcInfo: [1], appKeys: [] });
    expect(seen[1]).toMatchObject({ state: "authorized" });

    const status = await componentStatus(platform.componentKey);
    expect(status.body.data.authorizers).toEqual({
      authorized: AUTHORIZERS - Math.ceil(AUTHORIZERS / 100),
      unauthorized: Math.ceil(AUTHORIZERS / 100),
      needs_reauthorization: 0,
    });
  });

  it("refuses a limit out of range or a cursor that is no appid", async () => {
    await registerPlatform("list-platform-2", "wxcomplist000002");
    expect((await authorizersPage("list-platform-2", "?limit=0")).status).toBe(400);
    expect((await authorizersPage("list-platform-2", "?limit=501")).status).toBe(400);
    expect((await authorizersPage("list-platform-2", "?cursor=../x")).status).toBe(400);
    expect((await authorizersPage("no-such-platform")).status).toBe(404);
  });
});

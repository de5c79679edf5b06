import { describe, expect, it } from "vitest";
import { call } from "../support/gateway.ts";

// SPEC §9: the OpenAPI document lists every public endpoint; the operator tools are admin ones.

type OpenApi = { paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>> };

describe("the API reference", () => {
  it("lists the quota, rid and clear_quota endpoints with the admin token", async () => {
    const doc = (await call<OpenApi>("GET", "/openapi.json")).body;
    for (const [path, method] of [
      ["/admin/apps/{appKey}/quota", "get"],
      ["/admin/apps/{appKey}/rid/{rid}", "get"],
      ["/admin/apps/{appKey}/quota/clear", "get"],
      ["/admin/apps/{appKey}/quota/clear", "post"],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ AdminToken: [] }]);
    }
  });
});

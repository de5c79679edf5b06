// /assets/…: the pages' scripts, stylesheet and icon and Swagger UI, served by the Worker from the
// module scripts/build-web.ts generates. Browsers revalidate (the files keep their names across
// releases) and get 304 while the ETag holds.

import { Hono } from "hono";
import type { GatewayEnv } from "./envelope.ts";

/** Revalidate on every load: a release changes the files behind the same names. */
const ASSET_CACHE_CONTROL = "public, max-age=0, must-revalidate";

/** Whether an If-None-Match header names `etag` (a list, weak forms and * included, RFC 9110 §13.1.2). */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(",").some((tag) => {
    const candidate = tag.trim();
    return candidate === "*" || candidate === etag || candidate === `W/${etag}`;
  });
}

export const assetRoutes = new Hono<GatewayEnv>();

assetRoutes.get("/assets/*", async (c, next) => {
  // Loaded on the first asset request, so isolates that only serve the API never hold the files.
  const { WEB_FILES } = await import("../pages/web-files.generated.ts");
  const path = c.req.path;
  if (!Object.hasOwn(WEB_FILES, path)) return next();
  const file = WEB_FILES[path]!;
  const headers = { "Content-Type": file.contentType, ETag: file.etag, "Cache-Control": ASSET_CACHE_CONTROL };
  if (matches(c.req.header("If-None-Match"), file.etag)) return c.body(null, 304, headers);
  return c.body(file.body, 200, headers);
});

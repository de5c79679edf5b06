// Builds what the browser loads into dist/web, the Workers static-assets directory (wrangler.toml
// [assets]): the pages' scripts bundled from web/*.ts, their stylesheet, and Swagger UI copied from
// its npm package, so /docs needs no CDN. wrangler runs this before `dev` and `deploy` ([build]);
// `npm test` runs it before vitest.

import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/web");
const swaggerUi = join(root, "node_modules/swagger-ui-dist");

/** Browser entry points, one per page: web/{name}.ts -> /assets/{name}.js. */
export const PAGE_SCRIPTS = ["docs", "console", "qr-login"];

/** Swagger UI's files the reference page loads, with its licence and notice alongside. */
const SWAGGER_UI_FILES = ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE", "NOTICE"];

export async function buildWeb(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, "assets/swagger-ui"), { recursive: true });
  for (const file of SWAGGER_UI_FILES) {
    copyFileSync(join(swaggerUi, file), join(out, "assets/swagger-ui", file));
  }
  for (const file of ["pages.css", "favicon.svg"])
    copyFileSync(join(root, "web", file), join(out, "assets", file));
  copyFileSync(join(root, "web/_headers"), join(out, "_headers"));
  await build({
    entryPoints: PAGE_SCRIPTS.map((name) => join(root, "web", `${name}.ts`)),
    outdir: join(out, "assets"),
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    sourcemap: "linked",
    legalComments: "none",
    logLevel: "warning",
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await buildWeb();

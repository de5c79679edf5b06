// Fails when the Worker bundle outgrows its budget. A Worker is loaded on cold start in every
// location, so size is latency; the budget leaves room for growth but catches an accidental
// heavy dependency. Run after `wrangler deploy --dry-run --outdir .wrangler/dry-run`.
//
// The bundle holds two things: the code, parsed and compiled as it runs, and the browser pages'
// files (src/pages/web-files.generated.ts, ~2 MB of which 1.7 MB is Swagger UI), a module of
// string constants the Worker loads only when a browser asks for /assets/. Each has its own budget.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** The code (everything but the pages' files). */
const CODE_BUDGET = { rawKib: 1536, gzipKib: 256 };
/**
 * The whole upload. Cloudflare limits the compressed Worker to 3 MiB on Free and 10 MiB on Paid;
 * this keeps a Free account well inside it.
 */
const TOTAL_BUDGET = { rawKib: 4096, gzipKib: 1024 };
const OUT_DIR = ".wrangler/dry-run";
const WEB_FILES_MODULE = "src/pages/web-files.generated.ts";

type Size = { rawKib: number; gzipKib: number };
const sizeOf = (bytes: Buffer): Size => ({
  rawKib: bytes.byteLength / 1024,
  gzipKib: gzipSync(bytes).byteLength / 1024,
});

const files = readdirSync(OUT_DIR).filter((f) => f.endsWith(".js"));
const total = sizeOf(Buffer.concat(files.map((f) => readFileSync(join(OUT_DIR, f)))));
// The minified bundle holds the module's strings as they are in it, so its size is a close stand-in.
const web = sizeOf(readFileSync(WEB_FILES_MODULE));
const code: Size = { rawKib: total.rawKib - web.rawKib, gzipKib: total.gzipKib - web.gzipKib };

const over = (size: Size, budget: Size) => size.rawKib > budget.rawKib || size.gzipKib > budget.gzipKib;
const describe = (name: string, size: Size, budget: Size) =>
  `${name}: ${size.rawKib.toFixed(1)} KiB raw (budget ${budget.rawKib}), ${size.gzipKib.toFixed(1)} KiB gzip (budget ${budget.gzipKib})`;
const lines = [
  describe("bundle, code", code, CODE_BUDGET),
  `bundle, pages' files: ${web.rawKib.toFixed(1)} KiB raw, ${web.gzipKib.toFixed(1)} KiB gzip`,
  describe("bundle, whole", total, TOTAL_BUDGET),
];
if (over(code, CODE_BUDGET) || over(total, TOTAL_BUDGET)) {
  for (const line of lines) console.error(line);
  console.error("bundle: over budget");
  process.exit(1);
}
for (const line of lines) console.log(line);

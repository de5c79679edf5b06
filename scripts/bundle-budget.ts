// Fails when the Worker bundle outgrows its budget. A Worker is loaded on cold start in every
// location, so size is latency; the budget leaves room for growth but catches an accidental
// heavy dependency. Run after `wrangler deploy --dry-run --outdir .wrangler/dry-run`.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

/** Compressed size is what Cloudflare limits (3 MiB on Free, 10 MiB on Paid) and ships. */
const GZIP_BUDGET_KIB = 256;
const RAW_BUDGET_KIB = 1536;
const OUT_DIR = ".wrangler/dry-run";

const files = readdirSync(OUT_DIR).filter((f) => f.endsWith(".js"));
const bytes = Buffer.concat(files.map((f) => readFileSync(join(OUT_DIR, f))));
const rawKib = bytes.byteLength / 1024;
const gzipKib = gzipSync(bytes).byteLength / 1024;
const line = `bundle: ${rawKib.toFixed(1)} KiB raw (budget ${RAW_BUDGET_KIB}), ${gzipKib.toFixed(1)} KiB gzip (budget ${GZIP_BUDGET_KIB})`;
if (rawKib > RAW_BUDGET_KIB || gzipKib > GZIP_BUDGET_KIB) {
  console.error(`${line}: over budget`);
  process.exit(1);
}
console.log(line);

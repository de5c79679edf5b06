// Fails when the Worker bundle outgrows its budget. A Worker is loaded on cold start in every
// location, so size is latency; the budget leaves room for growth but catches an accidental
// heavy dependency. Run after `wrangler deploy --dry-run --outdir .wrangler/dry-run`.
// The code and the pages' files (see bundle-size.ts) have a budget each.

import { bundleSize, type Size } from "./bundle-size.ts";

/** The code (everything but the pages' files). */
export const CODE_BUDGET: Size = { rawKib: 1536, gzipKib: 256 };
/**
 * The whole upload. Cloudflare limits the compressed Worker to 3 MiB on Free and 10 MiB on Paid;
 * this keeps a Free account well inside it.
 */
export const WHOLE_BUDGET: Size = { rawKib: 4096, gzipKib: 1024 };

const over = (size: Size, budget: Size) => size.rawKib > budget.rawKib || size.gzipKib > budget.gzipKib;
const describe = (name: string, size: Size, budget?: Size) =>
  `${name}: ${size.rawKib.toFixed(1)} KiB raw${budget ? ` (budget ${budget.rawKib})` : ""}, ` +
  `${size.gzipKib.toFixed(1)} KiB gzip${budget ? ` (budget ${budget.gzipKib})` : ""}`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = bundleSize(".wrangler/dry-run");
  const lines = [
    describe("bundle, code", size.code, CODE_BUDGET),
    describe("bundle, pages' files", size.pagesFiles),
    describe("bundle, whole", size.whole, WHOLE_BUDGET),
  ];
  const fits = !over(size.code, CODE_BUDGET) && !over(size.whole, WHOLE_BUDGET);
  for (const line of lines) (fits ? console.log : console.error)(line);
  if (!fits) {
    console.error("bundle: over budget");
    process.exit(1);
  }
}

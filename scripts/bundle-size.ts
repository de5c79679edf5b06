// The Worker bundle's size as `wrangler deploy --dry-run` writes it, split in two: the code, parsed
// and compiled as it runs, and the browser pages' files (src/pages/web-files.generated.ts, ~2 MB of
// which 1.7 MB is Swagger UI), string constants an isolate loads only when a browser asks for
// /assets/. Used by the bundle budget and the benchmark.

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";

export type Size = { rawKib: number; gzipKib: number };
export type BundleSize = { files: number; code: Size; pagesFiles: Size; whole: Size };

const WEB_FILES_MODULE = resolve(import.meta.dirname, "../src/pages/web-files.generated.ts");

const sizeOf = (bytes: Buffer): Size => ({
  rawKib: bytes.byteLength / 1024,
  gzipKib: gzipSync(bytes).byteLength / 1024,
});

/** The sizes of the bundle in `outDir` (the .js files a dry run wrote). */
export function bundleSize(outDir: string): BundleSize {
  const files = readdirSync(outDir).filter((f) => f.endsWith(".js"));
  const whole = sizeOf(Buffer.concat(files.map((f) => readFileSync(join(outDir, f)))));
  // The minified bundle holds the module's strings as they are in it, so its size is a close stand-in.
  const pagesFiles = sizeOf(readFileSync(WEB_FILES_MODULE));
  const code = { rawKib: whole.rawKib - pagesFiles.rawKib, gzipKib: whole.gzipKib - pagesFiles.gzipKib };
  return { files: files.length, code, pagesFiles, whole };
}

/** "713 KiB raw, 181 KiB gzip" */
export const kib = (size: Size) => `${size.rawKib.toFixed(0)} KiB raw, ${size.gzipKib.toFixed(0)} KiB gzip`;

// The HTML shell every page shares. Pages are server-rendered shells; what they do lives in one
// script each under /assets (web/*.ts, bundled by scripts/build-web.ts), so the CSP can forbid
// inline scripts and every other origin: the pages work offline and leak nothing to third parties.

import type { Context } from "hono";
import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

/**
 * Same origin only. Inline styles stay allowed because Swagger UI sets style attributes; images may
 * be data:/blob: URLs (Swagger UI's icons, the QR code fetched as a blob).
 */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

export type Page = {
  title: string;
  /** Extra stylesheets before /assets/pages.css. */
  stylesheets?: string[];
  /** Scripts under /assets, loaded in order, deferred. */
  scripts: string[];
  /** Read by the page's script from document.body.dataset (no inline script needed). */
  data?: Record<string, string>;
  body: HtmlEscapedString | Promise<HtmlEscapedString>;
};

export function renderPage(c: Context, page: Page): Response | Promise<Response> {
  c.header("Content-Security-Policy", PAGE_CSP);
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  const data = Object.entries(page.data ?? {}).map(
    ([name, value]) => html` data-${raw(name.replace(/[^a-z0-9-]/g, ""))}="${value}"`,
  );
  return c.html(
    html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${page.title}</title>
${(page.stylesheets ?? []).map((href) => html`<link rel="stylesheet" href="${href}">\n`)}<link rel="stylesheet" href="/assets/pages.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
${page.scripts.map((src) => html`<script defer src="${src}"></script>\n`)}</head>
<body${data}>
${page.body}
</body>
</html>`,
  );
}

import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

// Swagger UI and its start-up script come from the Worker itself (/assets/, built by
// scripts/build-web.ts), never from another origin, so the reference works offline. The files are
// tested in the-pages-files-are-served-by-the-worker-and-revalidated; the browser tests (e2e/) load
// them through wrangler dev.
describe("the API reference is served without a CDN", () => {
  it("answers /docs with a page that loads only same-origin assets", async () => {
    const response = await SELF.fetch("https://gateway.test/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const page = await response.text();
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources).toContain("/assets/swagger-ui/swagger-ui-bundle.js");
    expect(sources).toContain("/assets/docs.js");
    for (const source of sources) expect(source, source).toMatch(/^\/(?!\/)/);
  });

  it("forbids other origins and inline scripts in the page's CSP", async () => {
    const response = await SELF.fetch("https://gateway.test/docs");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
  });
});

import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

// The pages' scripts, stylesheet, icon and Swagger UI come from the Worker itself (no static-assets
// router in front of every API call): every file a page names is there, with its type, and a
// browser revalidates it by ETag.
const GATEWAY = "https://gateway.test";

async function filesNamedBy(page: string): Promise<string[]> {
  const html = await (await SELF.fetch(`${GATEWAY}${page}`)).text();
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
}

describe("the pages' files are served by the Worker and revalidated", () => {
  it("serves every file /docs and /console load, with its content type", async () => {
    const files = [...new Set([...(await filesNamedBy("/docs")), ...(await filesNamedBy("/console"))])];
    expect(files).toEqual(
      expect.arrayContaining([
        "/assets/swagger-ui/swagger-ui-bundle.js",
        "/assets/swagger-ui/swagger-ui.css",
        "/assets/docs.js",
        "/assets/console.js",
        "/assets/pages.css",
        "/assets/favicon.svg",
      ]),
    );
    for (const file of files) {
      const answer = await SELF.fetch(`${GATEWAY}${file}`);
      expect(answer.status, file).toBe(200);
      const type = answer.headers.get("Content-Type") ?? "";
      if (file.endsWith(".js")) expect(type, file).toMatch(/^text\/javascript/);
      if (file.endsWith(".css")) expect(type, file).toMatch(/^text\/css/);
      if (file.endsWith(".svg")) expect(type, file).toBe("image/svg+xml");
      expect(answer.headers.get("X-Content-Type-Options"), file).toBe("nosniff");
      expect((await answer.text()).length, file).toBeGreaterThan(50);
    }
  });

  it("serves Swagger UI whole, so /docs needs no CDN", async () => {
    const answer = await SELF.fetch(`${GATEWAY}/assets/swagger-ui/swagger-ui-bundle.js`);
    const body = await answer.text();
    expect(body.length).toBeGreaterThan(1_000_000);
    expect(body).toContain("SwaggerUIBundle");
  });

  it("answers 304 to a browser holding the current ETag, and the file again to one holding another", async () => {
    const first = await SELF.fetch(`${GATEWAY}/assets/console.js`);
    await first.arrayBuffer();
    const etag = first.headers.get("ETag")!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get("Cache-Control")).toBe("public, max-age=0, must-revalidate");

    const same = await SELF.fetch(`${GATEWAY}/assets/console.js`, { headers: { "If-None-Match": etag } });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe("");
    expect(same.headers.get("ETag")).toBe(etag);

    const listed = await SELF.fetch(`${GATEWAY}/assets/console.js`, {
      headers: { "If-None-Match": `"older", W/${etag}` },
    });
    expect(listed.status).toBe(304);

    const stale = await SELF.fetch(`${GATEWAY}/assets/console.js`, {
      headers: { "If-None-Match": '"older"' },
    });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(await (await SELF.fetch(`${GATEWAY}/assets/console.js`)).text());
  });

  it("answers 404 for any other path under /assets/, however spelled", async () => {
    for (const path of [
      "/assets/nope.js",
      "/assets/",
      "/assets/constructor",
      "/assets/__proto__",
      "/assets/swagger-ui/",
      "/assets/console.js.map",
      "/assets/../assets/console.js%00",
    ]) {
      const answer = await SELF.fetch(`${GATEWAY}${path}`);
      expect(answer.status, path).toBe(404);
      await answer.arrayBuffer();
    }
  });
});

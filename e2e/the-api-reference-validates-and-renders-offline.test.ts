// The API reference: /openapi.json is a valid OpenAPI 3.1 document, and /docs renders it with
// Swagger UI loaded from the gateway itself (no request leaves the origin).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { type Stage, startStage } from "./harness.ts";

let stage: Stage;
before(async () => {
  stage = await startStage();
});
after(() => stage?.stop());

describe("the API reference", () => {
  it("publishes a valid OpenAPI 3.1 document", async () => {
    // A validator from the npm registry, against the official 3.1 schema. It runs here, in Node,
    // because it reads the schema from disk and compiles it, which the Workers runtime cannot.
    const document = (await (await fetch(`${stage.gateway.url}/openapi.json`)).json()) as Parameters<
      Validator["validate"]
    >[0];
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
    assert.equal(validator.version, "3.1");
  });

  it("renders every operation at /docs from same-origin assets only", async () => {
    const document = (await (await fetch(`${stage.gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    const { page, offOrigin, problems } = await stage.open("/docs");
    await page.locator(".opblock").first().waitFor();
    assert.equal(await page.locator(".opblock").count(), operations);
    assert.match((await page.locator(".info .title").textContent()) ?? "", /WeChat edge gateway/);
    await stage.screenshot(page, "api-reference", { fullPage: false });
    await page.locator(".opblock-summary", { hasText: "/Wechat/{appKey}/AccessToken" }).first().click();
    await page.locator(".opblock.is-open .responses-wrapper").waitFor();
    assert.deepEqual(offOrigin, []);
    assert.deepEqual(problems, []);
  });

  it("serves Swagger UI's files as static assets that browsers revalidate", async () => {
    for (const [path, type] of [
      ["/assets/swagger-ui/swagger-ui-bundle.js", /javascript/],
      ["/assets/swagger-ui/swagger-ui.css", /^text\/css/],
      ["/assets/docs.js", /javascript/],
      ["/assets/pages.css", /^text\/css/],
    ] as const) {
      const response = await fetch(`${stage.gateway.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get("Content-Type") ?? "", type, path);
      assert.equal(response.headers.get("X-Content-Type-Options"), "nosniff", path);
      assert.match(response.headers.get("Cache-Control") ?? "", /must-revalidate/, path);
      const etag = response.headers.get("ETag");
      assert.ok(etag, path);
      await response.arrayBuffer();
      const again = await fetch(`${stage.gateway.url}${path}`, { headers: { "If-None-Match": etag } });
      assert.equal(again.status, 304, path);
    }
  });
});

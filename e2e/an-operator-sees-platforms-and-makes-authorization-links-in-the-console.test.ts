// The console's Platforms card (issue 16): a registered third-party platform is listed with its
// verify ticket, component token and authorizer counts; selecting it pages its authorizers and
// makes authorization links (PC and mobile), with nothing loaded from another origin.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, type Stage, startStage, textMatches, type WatchedPage } from "./harness.ts";

const PLATFORM = {
  componentKey: "e2e-platform",
  componentAppId: "wxe2ecomponent01",
  secret: "e2e-component-secret",
  token: "e2ecomponenttoken",
  encodingAESKey: "E2eComponentEncodingAESKey0123456789abcdefg",
};
const AUTHORIZER = "wxe2eauthorizer1";

let stage: Stage;
let watched: WatchedPage;
let page: Page;

async function simControl(method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${stage.simulator.url}/__sim${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${method} ${path}`);
  return (await response.json()) as Record<string, unknown>;
}

before(async () => {
  stage = await startStage();
  const registered = await stage.gateway.admin("PUT", `/components/${PLATFORM.componentKey}`, {
    componentAppId: PLATFORM.componentAppId,
    componentAppSecret: PLATFORM.secret,
    token: PLATFORM.token,
    encodingAESKey: PLATFORM.encodingAESKey,
  });
  assert.equal(registered.status, 201);
  // The simulator pushes its verify ticket (and then the authorization) to the gateway itself.
  await simControl("PUT", `/components/${PLATFORM.componentAppId}`, {
    secret: PLATFORM.secret,
    token: PLATFORM.token,
    encodingAESKey: PLATFORM.encodingAESKey,
    pushUrl: `${stage.gateway.url}/component/${PLATFORM.componentKey}/events`,
  });
  await simControl("POST", `/components/${PLATFORM.componentAppId}/authorize`, {
    authorizerAppid: AUTHORIZER,
  });
  watched = await stage.open("/console");
  page = watched.page;
});
after(() => stage?.stop());

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

describe("the console's Platforms card", () => {
  it("lists the platform with its ticket, token and authorizers", async () => {
    await page.locator("#signin").waitFor();
    await page.fill("#admin-token", ADMIN_TOKEN);
    await page.click("#signin-submit");
    await page.locator("#console").waitFor();
    const row = page.locator(`#platforms tr[data-component-key="${PLATFORM.componentKey}"]`);
    await row.waitFor();
    await textMatches(row.locator('[data-testid="platform-ticket"]'), /old/);
    await textMatches(row.locator('[data-testid="platform-token"]'), /valid/);
    await textMatches(row.locator('[data-testid="platform-authorizers"]'), /1 authorized/);
    assert.ok((await row.textContent())?.includes(PLATFORM.componentAppId));
  });

  it("shows the selected platform's authorizers and status", async () => {
    await page.click(`#platforms tr[data-component-key="${PLATFORM.componentKey}"]`);
    await textMatches(byTestId("platform-title"), new RegExp(PLATFORM.componentKey));
    await textMatches(byTestId("authorizer-appid"), new RegExp(AUTHORIZER));
    await textMatches(byTestId("authorizer-state"), /authorized/);
    await textMatches(byTestId("platform-token-state"), /valid/);
    assert.equal(
      await page.inputValue("#links-redirect"),
      `${new URL(stage.gateway.url).origin}/component/${PLATFORM.componentKey}/authorized`,
    );
  });

  it("makes authorization links for PC and mobile", async () => {
    await page.selectOption("#links-type", "2");
    await page.click("#links-submit");
    await byTestId("links").waitFor();
    const pc = (await byTestId("link-pc").getAttribute("href")) ?? "";
    const mobile = (await byTestId("link-mobile").getAttribute("href")) ?? "";
    assert.match(pc, /componentloginpage\?/);
    assert.match(pc, /pre_auth_code=/);
    assert.match(pc, new RegExp(`component_appid=${PLATFORM.componentAppId}`));
    assert.match(mobile, /bindcomponent/);
    assert.match(mobile, /pre_auth_code=/);
    assert.equal(await byTestId("links-error").isHidden(), true);
    await stage.screenshot(page, "console-platforms");
  });

  it("loaded nothing from another origin and logged no problem", () => {
    assert.deepEqual(watched.offOrigin, []);
    assert.deepEqual(watched.problems, []);
  });
});

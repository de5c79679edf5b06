// The QR-login demo (issue 7): in one browser window the web side starts a sign-in and shows the
// code, the simulated phone scans it ("Scanned by …" on the web side) and confirms, and the web side
// shows "Logged in" with the token's claims, verified against /.well-known/jwks.json in the browser.
// The first run registers the demo user; the second logs the same user in with Confirm-Login.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Locator, Page } from "playwright-core";
import { type Stage, startStage, type WatchedPage } from "./harness.ts";

const APP = { appKey: "shop", appId: "wxqrdemoe2e00001", secret: "qr-demo-e2e-secret-01" };

let stage: Stage;
let watched: WatchedPage;
let page: Page;

before(async () => {
  stage = await startStage();
  stage.simulator.simulator.registerApp({ appid: APP.appId, secret: APP.secret });
  const registered = await stage.gateway.admin("PUT", `/apps/${APP.appKey}`, {
    appId: APP.appId,
    appSecret: APP.secret,
    type: "miniprogram",
    profile: {
      appID: 1001,
      name: "Demo shop",
      logo: "https://shop.example.com/logo.png",
      website: "https://shop.example.com",
      description: "Sign in to the demo shop with WeChat",
      tags: ["shop", "demo"],
    },
    qrAuth: { page: "pages/login/login" },
  });
  assert.ok(registered.status < 300, JSON.stringify(registered.body));
  watched = await stage.open(`/demo/qr-login/${APP.appKey}`);
  page = watched.page;
});
after(() => stage?.stop());

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);

async function textMatches(locator: Locator, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = (await locator.textContent()) ?? "";
    if (pattern.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${pattern} never matched; last text: ${JSON.stringify(text)}`);
}

/** The claims list as {name: value}, names without their explanation ("aud (appKey)" → "aud"). */
async function claims(): Promise<Record<string, string>> {
  const names = await byTestId("claims").locator("dt").allTextContents();
  const values = await byTestId("claims").locator("dd").allTextContents();
  return Object.fromEntries(names.map((name, i) => [name.split(" ")[0], values[i] ?? ""]));
}

async function startAndShowCode(): Promise<string> {
  await byTestId("web-status").waitFor();
  const button = (await byTestId("start").isVisible()) ? byTestId("start") : byTestId("restart");
  await button.click();
  await textMatches(byTestId("web-status"), /Waiting for a scan/);
  await byTestId("code-image").waitFor({ state: "visible" });
  const width = await page.evaluate<number>(`document.getElementById("code-image").naturalWidth`);
  assert.ok(width > 0, "the code image is drawn");
  return (await byTestId("sign-in-key").textContent()) ?? "";
}

describe("the QR-login demo", () => {
  it("shows the phone panel, because the simulator answers", async () => {
    await byTestId("phone").waitFor({ state: "visible" });
    assert.equal(await byTestId("scan").isDisabled(), true, "nothing to scan yet");
  });

  it("registers the demo user on a first sign-in and shows the verified claims", async () => {
    const signInKey = await startAndShowCode();
    assert.match(signInKey, /^[1-9][0-9]*$/);
    assert.match((await byTestId("countdown").textContent()) ?? "", /^[0-5]:\d\d$/);

    await byTestId("scan").click();
    await textMatches(byTestId("phone-status"), /Demo shop asks you to sign in/);
    assert.match((await byTestId("consent").textContent()) ?? "", /profile/);
    await textMatches(byTestId("web-status"), /Scanned by a new user — waiting for confirmation/);
    await stage.screenshot(page, "qr-login-demo-scanned");

    await byTestId("confirm").click();
    await textMatches(byTestId("web-status"), /^Logged in/);
    await textMatches(byTestId("verify-badge"), /^signature verified$/);
    assert.match((await byTestId("verify-badge").getAttribute("class")) ?? "", /\bok\b/);
    await textMatches(byTestId("phone-status"), /Registered as Demo user and signed in/);
    const log = (await byTestId("phone-log").locator("li").allTextContents()).join("\n");
    assert.match(log, /Confirm-Login → 404/);
    assert.match(log, /Confirm-Register → 200/);

    const shown = await claims();
    assert.equal(shown.aud, APP.appKey);
    assert.equal(shown.iss, new URL(stage.gateway.url).origin);
    assert.equal(shown.scope, "profile");
    assert.match(shown.sub ?? "", /^[0-9a-f-]{36}$/);
    assert.match(shown.exp ?? "", /\(\d+\)$/);
    assert.equal(await byTestId("code-image").isVisible(), false);
    await stage.screenshot(page, "qr-login-demo");
  });

  it("logs the now registered demo user in with Confirm-Login on a second sign-in", async () => {
    const first = (await claims()).sub;
    await startAndShowCode();
    assert.equal(await byTestId("logged-in").isVisible(), false);
    assert.equal((await byTestId("phone-log").locator("li").count()) === 0, true, "the phone starts afresh");

    await byTestId("scan").click();
    await textMatches(byTestId("web-status"), /Scanned by Demo user — waiting for confirmation/);
    await byTestId("confirm").click();
    await textMatches(byTestId("web-status"), /^Logged in/);
    await textMatches(byTestId("verify-badge"), /^signature verified$/);
    const log = (await byTestId("phone-log").locator("li").allTextContents()).join("\n");
    assert.match(log, /Confirm-Login → 200/);
    assert.doesNotMatch(log, /Confirm-Register/);
    assert.equal((await claims()).sub, first, "the same user");
  });

  it("made no request to another origin and logged no problem", () => {
    assert.deepEqual(watched.offOrigin, []);
    assert.deepEqual(watched.problems, []);
  });
});

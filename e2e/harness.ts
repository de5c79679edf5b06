// The browser tests' stage: the WeChat simulator, the gateway under plain `wrangler dev` (the
// README's own way to run it, DEMO_PAGES on as in `npm run dev`) and Debian's Chromium driven by
// playwright-core. Every page is watched: a request to another origin, a console error, an
// uncaught exception or a CSP violation fails the test that opened it.

import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { type LocalGateway, startLocalGateway } from "../scripts/local-gateway.ts";
import { type RunningSimulator, startSimulator } from "../sim/server.ts";

/** Where screenshots go (CI keeps them as artifacts). */
export const ARTIFACTS_DIR = join(import.meta.dirname, "..", "test-results", "e2e");
/** `UPDATE_SCREENSHOTS=1 npm run test:e2e` also refreshes the README's pictures here. */
const README_IMAGES_DIR = join(import.meta.dirname, "..", "docs", "img");

/** Debian's chromium package; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Headless, and quiet on a machine without internet: without the background-networking flags
// Chromium keeps trying Google's hosts.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const ADMIN_TOKEN = "e2e-admin-token";
const CODE_WEBHOOK_SECRET = "e2e-code-webhook-secret";

export type WatchedPage = {
  page: Page;
  /** Requests the page made to any origin but the gateway's. */
  offOrigin: string[];
  /** Console errors, uncaught exceptions and CSP violations. */
  problems: string[];
};

export type Stage = {
  gateway: LocalGateway;
  simulator: RunningSimulator;
  browser: Browser;
  open(path: string): Promise<WatchedPage>;
  /** Saves a PNG of the page to test-results/e2e/{name}.png (and docs/img when asked). */
  screenshot(page: Page, name: string, options?: { fullPage?: boolean }): Promise<string>;
  stop(): Promise<void>;
};

export async function startStage(): Promise<Stage> {
  const stateDir = mkdtempSync(join(tmpdir(), "gateway-e2e-"));
  const simulator = await startSimulator({ port: 0, quiet: true, codeWebhookSecret: CODE_WEBHOOK_SECRET });
  let gateway: LocalGateway | undefined;
  let browser: Browser | undefined;
  try {
    gateway = await startLocalGateway({
      port: 8000 + Math.floor(Math.random() * 1000),
      wechatApiBase: simulator.url,
      adminToken: ADMIN_TOKEN,
      persistTo: stateDir,
      quiet: true,
      extraVars: {
        DEMO_PAGES: "true",
        CODE_WEBHOOK_URL: `${simulator.url}/__sim/codes`,
        CODE_WEBHOOK_SECRET,
      },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  } catch (error) {
    gateway?.stop();
    await simulator.close();
    throw error;
  }
  const origin = new URL(gateway.url).origin;
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const readyBrowser = browser;
  const readyGateway = gateway;

  return {
    gateway: readyGateway,
    simulator,
    browser: readyBrowser,
    async open(path) {
      const context = await readyBrowser.newContext({ viewport: { width: 1280, height: 860 } });
      const page = await context.newPage();
      const watched: WatchedPage = { page, offOrigin: [], problems: [] };
      page.on("request", (request) => {
        const url = request.url();
        if (!url.startsWith("data:") && !url.startsWith("blob:") && new URL(url).origin !== origin) {
          watched.offOrigin.push(url);
        }
      });
      // An API answering 4xx is often the point of a test (a wrong admin token); a page resource
      // that fails to load never is. Chromium logs both as "Failed to load resource".
      page.on("response", (response) => {
        const kind = response.request().resourceType();
        if (response.status() >= 400 && kind !== "fetch" && kind !== "xhr") {
          watched.problems.push(`${kind} ${response.status()}: ${response.url()}`);
        }
      });
      page.on("requestfailed", (request) => {
        watched.problems.push(`failed: ${request.url()} (${request.failure()?.errorText})`);
      });
      page.on("console", (message) => {
        if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
          watched.problems.push(`console: ${message.text()}`);
        }
      });
      page.on("pageerror", (error) => watched.problems.push(`exception: ${error.message}`));
      await page.goto(`${origin}${path}`);
      return watched;
    },
    async screenshot(page, name, options) {
      const file = join(ARTIFACTS_DIR, `${name}.png`);
      const fullPage = options?.fullPage ?? true;
      await page.screenshot({ path: file, fullPage });
      if (process.env.UPDATE_SCREENSHOTS === "1") {
        mkdirSync(README_IMAGES_DIR, { recursive: true });
        await page.screenshot({ path: join(README_IMAGES_DIR, `${name}.png`), fullPage });
      }
      return file;
    },
    async stop() {
      await readyBrowser.close();
      readyGateway.stop();
      await simulator.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Waits until the first element's text matches `pattern` (the console polls every 5 s); answers that text. */
export async function textMatches(locator: Locator, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < deadline) {
    text = ((await locator.count()) > 0 ? await locator.first().textContent() : "") ?? "";
    if (pattern.test(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`${pattern} never matched; last text: ${JSON.stringify(text)}`);
}

// The operator console (issue 7): sign in with the admin token, register an app through the form,
// create an API key (shown once), watch the token status update without a reload, force a
// refresh, revoke the key; page through many apps and search them by appKey prefix (issue 12),
// whatever the location hash holds; check an app's WeChat quotas on demand, see what WeChat saw of
// the last upstream error by its rid, and reset the quotas after a confirmation (issue 13). The
// token stays in sessionStorage and never reaches a URL.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, type Stage, startStage, textMatches, type WatchedPage } from "./harness.ts";

const OA = { appKey: "shop-oa", appId: "wxconsoleoa00001", secret: "console-oa-secret-0001" };
const MINI = { appKey: "shop-mini", appId: "wxconsolemini001", secret: "console-mini-secret-01" };
const TOKEN_STORAGE_KEY = "wechat-edge-gateway.admin-token";

let stage: Stage;
let watched: WatchedPage;
let page: Page;
/** Every URL the page asked for after it loaded. */
const requested: string[] = [];
/** The API key the console showed once, used from Node. */
let apiKey = "";

before(async () => {
  stage = await startStage();
  for (const app of [OA, MINI])
    stage.simulator.simulator.registerApp({ appid: app.appId, secret: app.secret });
  watched = await stage.open("/console");
  page = watched.page;
  page.on("request", (request) => requested.push(request.url()));
});
after(() => stage?.stop());

/** Waits until the listed appKeys, top to bottom, are `expected`. */
async function rowsAre(expected: string[], timeoutMs = 12_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let keys: string[] = [];
  while (Date.now() < deadline) {
    keys = await page
      .locator("#apps tbody tr")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-app-key") ?? ""));
    if (JSON.stringify(keys) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`rows never became ${JSON.stringify(expected)}; last: ${JSON.stringify(keys)}`);
}

const byTestId = (id: string) => page.locator(`[data-testid="${id}"]`);
const appRow = (appKey: string) => page.locator(`#apps tr[data-app-key="${appKey}"]`);
const storedToken = () =>
  page.evaluate<string | null>(`sessionStorage.getItem(${JSON.stringify(TOKEN_STORAGE_KEY)})`);

async function accessToken(key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stage.gateway.url}/Wechat/${OA.appKey}/AccessToken`, {
    headers: { Authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the operator console", () => {
  it("refuses a wrong admin token and keeps nothing", async () => {
    await page.locator("#signin").waitFor();
    assert.equal(await page.locator("#console").isHidden(), true);
    await page.fill("#admin-token", "not-the-admin-token");
    await page.click("#signin-submit");
    await textMatches(page.locator("#signin-error"), /not valid/);
    assert.equal(await page.locator("#console").isHidden(), true);
    assert.equal(await storedToken(), null);
  });

  it("signs in with the admin token, kept in this tab's session only", async () => {
    await page.fill("#admin-token", ADMIN_TOKEN);
    await page.click("#signin-submit");
    await page.locator("#console").waitFor();
    assert.equal(await page.locator("#signin").isHidden(), true);
    assert.equal(await page.locator("#signin-error").isHidden(), true);
    assert.equal(await storedToken(), ADMIN_TOKEN);
    assert.equal(await page.evaluate("localStorage.length"), 0);
    assert.equal(await page.evaluate("document.cookie"), "");
    assert.equal(await page.inputValue("#admin-token"), "");
    await page.locator("#apps-empty").waitFor();
  });

  it("registers an app through the form and shows its type and token mode", async () => {
    await page.fill("#reg-app-key", OA.appKey);
    await page.fill("#reg-app-id", OA.appId);
    await page.fill("#reg-app-secret", OA.secret);
    await page.selectOption("#reg-type", "officialaccount");
    await page.selectOption("#reg-mode", "stable");
    await page.click("#register-submit");
    await textMatches(page.locator("#register-error"), /Registered shop-oa/);

    await appRow(OA.appKey).waitFor();
    assert.equal(
      await appRow(OA.appKey).locator('[data-testid="app-type"]').textContent(),
      "Official account",
    );
    assert.equal(await appRow(OA.appKey).locator('[data-testid="app-mode"]').textContent(), "stable");
    // The secret is gone from the form and from the page.
    assert.equal(await page.inputValue("#reg-app-secret"), "");
    assert.ok(!(await page.content()).includes(OA.secret));
    // The new app is selected: its status shows it holds no token yet.
    assert.equal(new URL(page.url()).hash, `#${OA.appKey}`);
    await textMatches(byTestId("app-title"), /^shop-oa$/);
    await textMatches(byTestId("app-subtitle"), /wxconsoleoa00001 · Official account · stable mode/);
    await textMatches(byTestId("token-state"), /no token yet/);
    await textMatches(byTestId("token-calls-today"), /^0$/);
    await textMatches(byTestId("token-refreshes-today"), /0 of 2000/);
  });

  it("shows an app registered elsewhere without a reload", async () => {
    const answer = await stage.gateway.admin("PUT", `/apps/${MINI.appKey}`, {
      appId: MINI.appId,
      appSecret: MINI.secret,
      type: "miniprogram",
      tokenMode: "classic",
    });
    assert.equal(answer.status, 201);
    await appRow(MINI.appKey).waitFor({ timeout: 12_000 });
    assert.equal(await appRow(MINI.appKey).locator('[data-testid="app-type"]').textContent(), "Mini program");
    assert.equal(await appRow(MINI.appKey).locator('[data-testid="app-mode"]').textContent(), "classic");
    await textMatches(page.locator("#summary"), /^2 apps/);
  });

  it("creates an API key, shows it once, and the key works", async () => {
    await page.click("#create-key");
    await page.locator("#new-key").waitFor();
    apiKey = (await byTestId("new-key-value").textContent()) ?? "";
    assert.match(apiKey, /^wgk_[0-9a-f]{16}_[0-9a-f]{64}$/);
    const id = apiKey.slice(4, 20);
    await page.locator(`#keys tr[data-key-id="${id}"]`).waitFor();
    assert.equal(await page.locator("#keys tbody tr").count(), 1);
    await stage.screenshot(page, "console-key-created");

    const answer = await accessToken(apiKey);
    assert.equal(answer.status, 200);
    // An official account's JS-SDK call makes the keeper fetch and hold the jsapi_ticket too.
    const jsConfig = await fetch(
      `${stage.gateway.url}/Wechat/${OA.appKey}/JSConfig?url=${encodeURIComponent("https://shop.example.com/")}`,
      { headers: { Authorization: `Bearer ${apiKey}` } },
    );
    assert.equal(jsConfig.status, 200);

    await page.click("#dismiss-key");
    assert.equal(await page.locator("#new-key").isHidden(), true);
    assert.ok(!(await page.content()).includes(apiKey));
    assert.ok(
      !(await page.evaluate<string>("JSON.stringify({ ...sessionStorage, ...localStorage })")).includes(
        "wgk_",
      ),
    );
  });

  it("shows the token's age, expiry, refreshes and budget once a token exists, without a reload", async () => {
    await textMatches(byTestId("token-state"), /valid/);
    await textMatches(byTestId("token-calls-today"), /^1$/);
    await textMatches(byTestId("token-refreshes-today"), /1 of 2000/);
    await textMatches(byTestId("token-age"), /^\d+ s \(created /);
    await textMatches(byTestId("token-expires-in"), /^(1 h 5\d|2 h 0) min \(at /);
    await textMatches(byTestId("token-last-refresh"), /\d/);
    await textMatches(byTestId("token-next-refresh"), /in 1 h/);
    await textMatches(byTestId("token-last-error"), /none/);
    await textMatches(byTestId("ticket-state"), /valid/);
    await textMatches(byTestId("ticket-refreshes-today"), /1 of 500/);
    await textMatches(appRow(OA.appKey).locator('[data-testid="app-token"]'), /valid/);
    // The age counts up locally, between two polls.
    const age = Number.parseInt((await byTestId("token-age").textContent()) ?? "", 10);
    await textMatches(byTestId("token-age"), new RegExp(`^(?!${age} s)\\d+ s`), 3000);
  });

  it("forces a refresh, counts it, and shows WeChat's 30-second limit as an error", async () => {
    await page.click("#force-refresh");
    await textMatches(byTestId("refresh-result"), /Refreshed: WeChat issued a new token/);
    assert.equal(
      await byTestId("refresh-result").evaluate((node) => node.classList.contains("error")),
      false,
    );
    await textMatches(byTestId("token-calls-today"), /^2$/);
    await textMatches(byTestId("token-forced-today"), /^1 of 20/);
    await textMatches(byTestId("token-refresh-count"), /^2$/);
    await page.mouse.move(0, 0);
    await stage.screenshot(page, "console");

    await page.click("#force-refresh");
    await textMatches(byTestId("refresh-result"), /refused: .*30 s apart.*Retry after \d+ s/);
    assert.equal(await byTestId("refresh-result").evaluate((node) => node.classList.contains("error")), true);
    await textMatches(byTestId("token-calls-today"), /^2$/);
  });

  it("revokes the key after a confirmation, and the key stops working", async () => {
    page.once("dialog", (dialog) => void dialog.accept());
    await byTestId("revoke-key").first().click();
    await page.locator("#keys-empty").waitFor();
    assert.equal(await page.locator("#keys tbody tr").count(), 0);
    // The isolate that revoked it forgets it at once; allow for the registry's memo elsewhere.
    const deadline = Date.now() + 15_000;
    let answer = await accessToken(apiKey);
    while (answer.status !== 401 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      answer = await accessToken(apiKey);
    }
    assert.equal(answer.status, 401);
  });

  it("stays signed in across a reload, and the token never reaches a URL", async () => {
    await page.reload();
    await page.locator("#console").waitFor();
    await textMatches(byTestId("app-title"), /^shop-oa$/);
    await textMatches(byTestId("token-calls-today"), /^2$/);
    assert.equal(await storedToken(), ADMIN_TOKEN);
    assert.ok(requested.length > 0);
    for (const url of [...requested, page.url()]) assert.ok(!url.includes(ADMIN_TOKEN), url);
    assert.ok(!(await page.content()).includes(ADMIN_TOKEN));
  });

  it("tolerates any location hash: a malformed escape, a stray %, an unknown appKey", async () => {
    for (const [hash, shown] of [
      ["#%", /Select an app/],
      ["#%E0%A4%A", /Select an app/],
      ["#%zz", /Select an app/],
      ["#shop-oa%", /Select an app/],
      ["#a b", /Select an app/],
      ["#no-such-app", /no app is registered as no-such-app/],
    ] as const) {
      await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
      await textMatches(byTestId("detail-empty-text"), shown);
      assert.equal(await page.locator("#detail-app").isHidden(), true, hash);
    }
    // Loaded with a malformed hash, the page still signs in and lists the apps.
    await page.evaluate(`location.hash = "#%E0%A4%A"`);
    // Between two polls, so the reload cuts no request short (the watcher counts those as failures).
    await page.waitForLoadState("networkidle");
    await page.reload();
    await page.locator("#console").waitFor();
    await appRow(OA.appKey).waitFor();
    await textMatches(byTestId("detail-empty-text"), /Select an app/);
    await appRow(OA.appKey).locator("a").click();
    await textMatches(byTestId("app-title"), /^shop-oa$/);
  });

  it("pages through the apps and searches them by appKey prefix", async () => {
    // 60 more apps: with shop-mini and shop-oa, 62, past one page of 50.
    const pageKeys = Array.from({ length: 60 }, (_, i) => `page-${String(i).padStart(2, "0")}`);
    for (const [i, appKey] of pageKeys.entries()) {
      const answer = await stage.gateway.admin("PUT", `/apps/${appKey}`, {
        appId: `wxconsolepage${String(i).padStart(3, "0")}`,
        appSecret: "console-page-secret",
      });
      assert.equal(answer.status, 201);
    }
    await textMatches(page.locator("#summary"), /^62 apps · \d+ on this page with a valid token/);
    await rowsAre(pageKeys.slice(0, 50));
    await textMatches(page.locator("#apps-page"), /^1–50 of 62$/);
    assert.equal(await page.locator("#apps-previous").isDisabled(), true);

    await page.click("#apps-next");
    await rowsAre([...pageKeys.slice(50), MINI.appKey, OA.appKey]);
    await textMatches(page.locator("#apps-page"), /^51–62 of 62$/);
    assert.equal(await page.locator("#apps-next").isDisabled(), true);
    // The selected app stays selected on either page.
    await textMatches(byTestId("app-title"), /^shop-oa$/);
    await page.mouse.move(0, 0);
    await stage.screenshot(page, "console-pages");
    await page.click("#apps-previous");
    await rowsAre(pageKeys.slice(0, 50));
    await textMatches(byTestId("app-title"), /^shop-oa$/);

    await page.fill("#apps-search", "shop-");
    await rowsAre([MINI.appKey, OA.appKey]);
    assert.equal(await page.locator("#apps-pager").isHidden(), true);
    await page.fill("#apps-search", "page-5");
    await rowsAre(pageKeys.slice(50));
    await page.fill("#apps-search", "nothing-");
    await rowsAre([]);
    await textMatches(page.locator("#apps-empty"), /No appKey starts with “nothing-”/);
    await page.fill("#apps-search", "a b");
    await textMatches(page.locator("#apps-search-error"), /A–Z, a–z, 0–9, _ and - only/);
    await page.fill("#apps-search", "");
    await rowsAre(pageKeys.slice(0, 50));
    assert.equal(await page.locator("#apps-search-error").isHidden(), true);
    await textMatches(page.locator("#apps-page"), /^1–50 of 62$/);
  });

  it("fills the form from the selected app to update it, without its secret", async () => {
    await page.click("#edit-app");
    assert.equal(await page.inputValue("#reg-app-key"), OA.appKey);
    assert.equal(await page.inputValue("#reg-app-id"), OA.appId);
    assert.equal(await page.inputValue("#reg-type"), "officialaccount");
    assert.equal(await page.inputValue("#reg-mode"), "stable");
    assert.equal(await page.inputValue("#reg-app-secret"), "");
  });

  it("asks WeChat for an app's quotas only when told to, for the APIs its operations use", async () => {
    await page.evaluate(`location.hash = ${JSON.stringify(`#${MINI.appKey}`)}`);
    await textMatches(byTestId("app-title"), /^shop-mini$/);
    // Every poll so far (dozens) left WeChat's quotas alone.
    assert.deepEqual(
      requested.filter((url) => url.includes("/quota")),
      [],
    );
    await page.click("#check-quotas");
    await page.locator("#quotas").waitFor();
    const paths = await byTestId("quota-row").evaluateAll((rows) =>
      rows.map((row) => row.getAttribute("data-cgi-path")),
    );
    assert.deepEqual(paths, [
      "/wxa/getwxacodeunlimit",
      "/wxa/generate_urllink",
      "/wxa/generatescheme",
      "/cgi-bin/message/subscribe/send",
      "/wxa/msg_sec_check",
      "/wxa/business/getuserphonenumber",
      "/cgi-bin/token",
    ]);
    const row = (cgiPath: string) => page.locator(`#quotas tr[data-cgi-path="${cgiPath}"]`);
    // The token the gateway fetched to ask WeChat is the one classic token call of the day.
    await textMatches(row("/cgi-bin/token").locator('[data-testid="quota-used"]'), /^1$/);
    await textMatches(row("/cgi-bin/token").locator('[data-testid="quota-limit"]'), /^2000$/);
    await textMatches(row("/wxa/generate_urllink").locator('[data-testid="quota-remain"]'), /^500000$/);
    await textMatches(row("/wxa/getwxacodeunlimit"), /5000 per 60 s/);
    await textMatches(byTestId("clear-allowance"), /^10 of 10 quota resets left this month/);
  });

  it("links the last upstream error to what WeChat saw of it, by its rid", async () => {
    // WeChat refuses the next token call (an IP whitelist the gateway's address is not in).
    const fault = await fetch(`${stage.simulator.url}/__sim/apps/${MINI.appId}/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        kind: "errcode",
        errcode: 40164,
        errmsg: "invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist",
        paths: ["/cgi-bin/token"],
      }),
    });
    assert.equal(fault.status, 200);
    await page.click("#force-refresh");
    await textMatches(byTestId("refresh-result"), /refused: .*40164/);
    await textMatches(byTestId("token-last-error"), /errcode 40164 .*not in whitelist rid: [0-9a-f-]{26}/);
    assert.equal(await byTestId("rid-answer").isHidden(), true);

    await byTestId("token-rid-link").click();
    await textMatches(byTestId("rid-response"), /"errcode":40164/);
    const url = await textMatches(byTestId("rid-url"), /appid=wxconsolemini001/);
    assert.match(url, /secret=<redacted>/);
    assert.ok(!url.includes(MINI.secret), url);
    await textMatches(byTestId("rid-ip"), /\S/);
    await page.mouse.move(0, 0);
    await stage.screenshot(page, "console-operator-tools");
  });

  it("resets the quotas only after a confirmation that says how many resets are left", async () => {
    const resetsAtWeChat = async () => {
      const state = await fetch(`${stage.simulator.url}/__sim/apps/${MINI.appId}`);
      return ((await state.json()) as { clearQuotaUsedThisMonth: number }).clearQuotaUsedThisMonth;
    };
    let question = "";
    page.once("dialog", (dialog) => {
      question = dialog.message();
      void dialog.dismiss();
    });
    await page.click("#clear-quota");
    const deadline = Date.now() + 5000;
    while (question === "" && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(question, /clear_quota/);
    assert.match(question, /10 of 10 are left this month; this spends one/);
    assert.equal(await resetsAtWeChat(), 0);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.click("#clear-quota");
    await textMatches(byTestId("quota-result"), /Quotas reset at .*: 9 of 10 resets left this month/);
    await textMatches(byTestId("clear-allowance"), /^9 of 10 quota resets left this month \(1 made through/);
    assert.equal(await resetsAtWeChat(), 1);
    // The table was asked again: clear_quota zeroed the day's token calls.
    await textMatches(
      page.locator('#quotas tr[data-cgi-path="/cgi-bin/token"] [data-testid="quota-used"]'),
      /^0$/,
    );
  });

  it("signs out, forgetting the token", async () => {
    await page.click("#sign-out");
    await page.locator("#signin").waitFor();
    assert.equal(await page.locator("#console").isHidden(), true);
    assert.equal(await storedToken(), null);
    assert.equal(await page.locator("#apps tbody tr").count(), 0);
  });

  it("signs itself out when the stored token stops being accepted", async () => {
    await page.fill("#admin-token", ADMIN_TOKEN);
    await page.click("#signin-submit");
    await page.locator("#console").waitFor();
    // As if ADMIN_TOKEN had been rotated while the tab was open.
    await page.evaluate(`sessionStorage.setItem(${JSON.stringify(TOKEN_STORAGE_KEY)}, "rotated-away")`);
    // The next poll (within 5 s) finds out.
    await textMatches(page.locator("#signin-error"), /not accepted/);
    assert.equal(await page.locator("#console").isHidden(), true);
    assert.equal(await storedToken(), null);
  });

  it("made no request to another origin and logged no problem", () => {
    assert.deepEqual(watched.offOrigin, []);
    assert.deepEqual(watched.problems, []);
  });
});

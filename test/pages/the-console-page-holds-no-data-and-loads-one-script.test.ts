import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { admin, registerApp } from "../support/gateway.ts";

// Issue 7: the operator console at /console. The page itself is a static shell: it needs no token
// and holds no data; /assets/console.js fills it in from the admin API with the token the operator
// types in (kept in sessionStorage, never in the URL). What the script does is covered by the
// browser test (e2e/an-operator-runs-apps-keys-and-tokens-from-the-console.test.ts), which loads it through wrangler dev.
describe("the console page holds no data and loads one script", () => {
  it("answers /console without a token, with one same-origin script and no app data", async () => {
    const app = await registerApp("console-shell", "wxconsoleshell01");
    expect((await admin("GET", `/apps/${app.appKey}`)).status).toBe(200);

    const response = await SELF.fetch("https://gateway.test/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const page = await response.text();

    const scripts = [...page.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1]!);
    expect(scripts).toEqual([' defer src="/assets/console.js"']);
    expect(page).not.toMatch(/<script\b[^>]*>[^<\s]/);
    const sources = [...page.matchAll(/(?:src|href|action)="([^"]+)"/g)].map((match) => match[1]!);
    expect(sources).toContain("/assets/pages.css");
    for (const source of sources) expect(source, source).toMatch(/^\/(?!\/)/);

    for (const leak of [app.appKey, app.appId, app.keyId, app.apiKey, "test-admin-token"]) {
      expect(page).not.toContain(leak);
    }
  });

  it("is not cached, framed or referred, and forbids inline scripts and other origins", async () => {
    const response = await SELF.fetch("https://gateway.test/console");
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("Cache-Control")).toBe("no-store");
  });

  it("has forms that cannot put the token or the secret in a URL, even without its script", async () => {
    const page = await (await SELF.fetch("https://gateway.test/console")).text();
    const forms = [...page.matchAll(/<form\b([^>]*)>/g)].map((match) => match[1]!);
    expect(forms.length).toBeGreaterThanOrEqual(2);
    // A native submit (the script failed to load) posts to the page, never a GET query string.
    for (const form of forms) expect(form).toMatch(/method="post"/);
    // Unnamed fields are never part of a native submission: the script reads them by id.
    expect(page).not.toMatch(/<(?:input|select|textarea)\b[^>]*\bname=/);
    expect(page).toMatch(/<input id="admin-token"[^>]*type="password"/);
    expect(page).toMatch(/<input id="reg-app-secret"[^>]*type="password"/);
  });

  it("does not need the admin token, while the admin API it calls does", async () => {
    const withBadToken = await SELF.fetch("https://gateway.test/console", {
      headers: { Authorization: "Bearer not-the-admin-token" },
    });
    expect(withBadToken.status).toBe(200);
    const api = await SELF.fetch("https://gateway.test/admin/apps");
    expect(api.status).toBe(401);
  });
});

import { Hono } from "hono";
import { html } from "hono/html";
import { renderPage } from "../pages/layout.ts";
import type { GatewayEnv } from "./envelope.ts";

// The operator console: a static shell with no data and no auth. Everything it shows comes from
// the admin API, called by /assets/console.js (web/console.ts) with the admin token the operator
// types in, which that script keeps in sessionStorage only: never in the URL, a cookie or here.
//
// The forms have no field names and are posted by script: should the script fail to load, a
// native submit sends nothing (and never puts the token in a query string).
export const consoleRoutes = new Hono<GatewayEnv>();
consoleRoutes.get("/console", (c) =>
  renderPage(c, {
    title: "Console · WeChat edge gateway",
    scripts: ["/assets/console.js"],
    body: html`<header class="bar"><strong>WeChat edge gateway</strong> <nav><a href="/docs">API reference</a> <a href="/console" aria-current="page">Console</a> <a href="/openapi.json">openapi.json</a></nav></header>
<main class="page console">
<noscript><p class="notice">The console needs JavaScript; everything it does is also in the admin API (see <a href="/docs">the API reference</a>).</p></noscript>

<section id="signin" class="card signin" hidden>
<h1>Operator console</h1>
<p class="muted">Sign in with the gateway's <code>ADMIN_TOKEN</code>. It stays in this tab's session storage and goes only to <code>/admin/*</code> as a Bearer header.</p>
<form id="signin-form" method="post" action="/console" autocomplete="off">
<label for="admin-token">Admin token</label>
<div class="row"><input id="admin-token" class="grow" type="password" autocomplete="off" spellcheck="false" required> <button class="primary" type="submit" id="signin-submit">Sign in</button></div>
</form>
<p id="signin-error" class="notice error" role="alert" hidden></p>
</section>

<section id="console" hidden>
<div class="row console-head">
<div class="grow"><h1>Operator console</h1><p class="muted" id="summary"></p></div>
<span id="updated" class="muted" data-testid="updated" aria-live="polite"></span>
<button type="button" id="reload-now">Update now</button>
<button type="button" id="sign-out">Sign out</button>
</div>
<p id="console-error" class="notice error" role="alert" hidden></p>

<div class="row console-grid">
<div class="console-side">
<div class="card">
<h2>Apps</h2>
<table id="apps" data-testid="apps"><thead><tr><th>appKey</th><th>Type · token mode</th><th>Token</th></tr></thead><tbody></tbody></table>
<p id="apps-empty" class="muted" hidden>No apps registered yet: register one below.</p>
</div>

<details class="card" id="register">
<summary><h2>Register or update an app</h2></summary>
<form id="register-form" method="post" action="/console" autocomplete="off">
<label for="reg-app-key">appKey</label><input id="reg-app-key" required maxlength="64" placeholder="shop-mini" spellcheck="false">
<label for="reg-app-id">appId</label><input id="reg-app-id" required maxlength="64" placeholder="wx4f4bc4dec97d474b" spellcheck="false">
<label for="reg-app-secret">appSecret <span class="muted">(needed the first time an appId is registered; never shown again)</span></label><input id="reg-app-secret" type="password" autocomplete="new-password" maxlength="128" spellcheck="false">
<div class="row">
<div class="grow"><label for="reg-type">Type</label><select id="reg-type"><option value="miniprogram">Mini program</option><option value="officialaccount">Official account</option></select></div>
<div class="grow"><label for="reg-mode">Token mode</label><select id="reg-mode"><option value="stable">stable (stable_token)</option><option value="classic">classic (cgi-bin/token)</option></select></div>
</div>
<p><button class="primary" type="submit" id="register-submit">Save app</button></p>
</form>
<p id="register-error" class="notice error" role="alert" hidden></p>
</details>
</div>

<section class="grow console-detail" id="detail" aria-live="polite">
<div class="card" id="detail-empty"><p class="muted">Select an app to see its token health and API keys.</p></div>
<div id="detail-app" hidden>
<div class="card">
<div class="row detail-head">
<div class="grow"><h2 id="app-title" data-testid="app-title"></h2><p class="muted" id="app-subtitle" data-testid="app-subtitle"></p></div>
<div class="actions"><button type="button" class="primary" id="force-refresh" data-testid="force-refresh">Force refresh</button> <button type="button" id="edit-app">Edit</button> <button type="button" class="danger" id="delete-app">Remove</button></div>
</div>
<p id="refresh-result" class="notice" data-testid="refresh-result" hidden></p>
<p id="status-error" class="notice error" role="alert" hidden></p>
<div id="status" data-testid="status"></div>
</div>

<div class="card">
<div class="row"><h2 class="grow">API keys</h2><button type="button" class="primary" id="create-key" data-testid="create-key">Create key</button></div>
<div id="new-key" class="secret" data-testid="new-key" hidden>
<p class="key-note"><strong>New API key, shown once.</strong> Copy it now: only its hash is stored, so it cannot be shown again.</p>
<p><code id="new-key-value" data-testid="new-key-value"></code></p>
<p class="row"><button type="button" id="copy-key">Copy</button><button type="button" id="dismiss-key">Done, hide it</button><span id="copy-result" class="muted"></span></p>
</div>
<p id="keys-error" class="notice error" role="alert" hidden></p>
<table id="keys" data-testid="keys"><thead><tr><th>Key id</th><th>Created</th><th></th></tr></thead><tbody></tbody></table>
<p id="keys-empty" class="muted" hidden>No API keys: callers cannot reach this app yet.</p>
</div>

<details class="card" id="pushes-card" data-testid="pushes-card">
<summary><h2>Pushes</h2> <span class="muted" id="push-summary" data-testid="push-summary"></span></summary>
<p class="muted">WeChat's pushes (消息推送) to this app: the gateway is the server URL in WeChat's console, checks each push and delivers it once to every target, signed with the delivery secret. The deliveries below are updated while this card is open.</p>
<p id="push-error" class="notice error" role="alert" data-testid="push-error" hidden></p>
<div id="push-settings" data-testid="push-settings"></div>
<div id="push-secret" class="secret" data-testid="push-secret" hidden>
<p class="key-note"><strong>Delivery secret, shown once.</strong> Give it to the targets now: they check each delivery's <code>X-Gateway-Signature</code> with it, and the gateway never shows it again.</p>
<p><code id="push-secret-value" data-testid="push-secret-value"></code></p>
<p class="row"><button type="button" id="copy-push-secret">Copy</button><button type="button" id="dismiss-push-secret">Done, hide it</button><span id="push-secret-copy-result" class="muted"></span></p>
</div>
<h3>Set push</h3>
<form id="push-form" method="post" action="/console" autocomplete="off">
<label for="push-token">Token <span class="muted">(the console's 令牌 Token; needed the first time, empty keeps the stored one; never shown again)</span></label><input id="push-token" type="password" autocomplete="new-password" maxlength="32" spellcheck="false">
<label for="push-aes-key">EncodingAESKey <span class="muted">(消息加解密密钥, for compatible and safe mode; empty keeps the stored one; never shown again)</span></label><input id="push-aes-key" type="password" autocomplete="new-password" maxlength="43" spellcheck="false">
<label for="push-targets">Targets <span class="muted">(one URL a line, up to 10; end one line with <code>reply</code> to make that target the passive replier)</span></label><textarea id="push-targets" rows="3" spellcheck="false" placeholder="https://crm.example.com/wechat/pushes&#10;https://bot.example.com/wechat reply"></textarea>
<p class="row"><button class="primary" type="submit" id="push-submit" data-testid="save-push">Save push settings</button><span class="grow"></span><button type="button" class="danger" id="rotate-push-secret" data-testid="rotate-push-secret">Rotate delivery secret</button></p>
</form>
<p id="push-result" class="notice" role="status" data-testid="push-result" hidden></p>
<div class="row"><h3 class="grow">Deliveries</h3><label class="inline" for="push-view">Show <select id="push-view" data-testid="push-view"><option value="recent">Recent deliveries</option><option value="failed">Failures</option></select></label></div>
<p id="deliveries-error" class="notice error" role="alert" hidden></p>
<table id="deliveries" data-testid="deliveries"><thead><tr><th>Delivery</th><th>Target</th><th>State</th><th>Tries · last status</th><th>Received</th><th></th></tr></thead><tbody></tbody></table>
<p id="deliveries-empty" class="muted" data-testid="deliveries-empty" hidden></p>
</details>
</div>
</section>
</div>

<div class="card" id="platforms-card">
<h2>Third-party platforms</h2>
<p class="muted">Platforms registered with <code>PUT /admin/components/{componentKey}</code>: their verify ticket, component_access_token and authorizers. Select one to page through its authorizers and make authorization links.</p>
<table id="platforms" data-testid="platforms"><thead><tr><th>componentKey</th><th>Verify ticket</th><th>Component token</th><th>Authorizers</th></tr></thead><tbody></tbody></table>
<p id="platforms-empty" class="muted" data-testid="platforms-empty" hidden>No third-party platform is registered.</p>
<div class="row pager" id="platforms-pager" hidden><button type="button" id="platforms-previous">← Previous</button><span class="grow"></span><button type="button" id="platforms-next">Next →</button></div>
<div id="platform-detail" data-testid="platform-detail" hidden>
<h2 id="platform-title" data-testid="platform-title"></h2>
<div id="platform-status" data-testid="platform-status"></div>
<h3>Authorizers</h3>
<p id="authorizers-error" class="notice error" role="alert" hidden></p>
<table id="authorizers" data-testid="authorizers"><thead><tr><th>Authorizer appid</th><th>State</th><th>Authorized</th><th>appKeys</th></tr></thead><tbody></tbody></table>
<p id="authorizers-empty" class="muted" data-testid="authorizers-empty" hidden>No app has authorized this platform yet.</p>
<div class="row pager" id="authorizers-pager" hidden><button type="button" id="authorizers-previous">← Previous</button><span class="grow"></span><button type="button" id="authorizers-next">Next →</button></div>
<h3>Authorization links</h3>
<form id="links-form" method="post" action="/console" autocomplete="off">
<label for="links-redirect">Redirect URI <span class="muted">(where WeChat sends the merchant back; on the platform's authorization page domain, 授权发起页域名)</span></label><input id="links-redirect" type="url" required maxlength="1000" spellcheck="false">
<div class="row">
<div class="grow"><label for="links-type">Apps to authorize</label><select id="links-type"><option value="2">Mini programs</option><option value="1">Official accounts</option><option value="3">Both</option></select></div>
<div class="grow"><label for="links-biz">Only this appid <span class="muted">(optional)</span></label><input id="links-biz" maxlength="64" placeholder="wx…" spellcheck="false"></div>
</div>
<p><button class="primary" type="submit" id="links-submit" data-testid="make-links">Make links</button></p>
</form>
<p id="links-error" class="notice error" role="alert" data-testid="links-error" hidden></p>
<div id="links" data-testid="links" hidden></div>
</div>
</div>
</section>
</main>`,
  }),
);

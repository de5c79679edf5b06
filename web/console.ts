// /console: the operator console. A static shell (src/routes/console.ts) filled in from the admin
// API. No framework: the DOM is built with createElement and text nodes only (no innerHTML), so
// nothing an app record holds can become markup.
//
// The admin token lives in sessionStorage (this tab, until it closes or "Sign out"), is sent only
// as a Bearer header to /admin/*, and never goes into the URL, a cookie or localStorage. The URL's
// fragment holds the selected appKey, so a reload keeps the selection; whatever else a fragment
// holds (a typo, a stray %) selects nothing.
//
// The app list is read a page at a time (GET /admin/apps?limit=&cursor=&prefix=), so a gateway with
// thousands of apps shows as quickly as one with two; the search box narrows it to the appKeys
// starting with what is typed. The selected app is loaded on its own, wherever it is in the list.

import type { z } from "@hono/zod-openapi";
import type { ApiQuotaSchema, ClearAllowanceSchema, RidRecordSchema } from "../src/operator/schemas.ts";
import type { DeliveryPageSchema, DeliverySecretSchema, PushViewSchema } from "../src/pushes/schemas.ts";
import type {
  ApiKeyListSchema,
  AppPageSchema,
  AppRecordSchema,
  AppStatusSchema,
  AuthorizerPageSchema,
  ComponentPageSchema,
  ComponentStatusSchema,
  ForcedRefreshSchema,
} from "../src/registry/schemas.ts";
import { type Answer, callGateway } from "./envelope.ts";

// The admin API's answer shapes, from the zod schemas that define them (types only: nothing of zod
// reaches the bundle).
type App = z.output<typeof AppRecordSchema>;
type AppType = App["type"];
type AppPage = z.output<typeof AppPageSchema>;
type AppSummary = AppPage["apps"][number];
type Status = z.output<typeof AppStatusSchema>;
type Health = Status["access_token"];
type ApiKey = z.output<typeof ApiKeyListSchema>[number];
type AppDetail = App & { keys: ApiKey[] };
type ForcedRefresh = z.output<typeof ForcedRefreshSchema>;
type ApiQuota = z.output<typeof ApiQuotaSchema>;
type RidRecord = z.output<typeof RidRecordSchema>;
type ClearAllowance = z.output<typeof ClearAllowanceSchema>;
type ComponentPage = z.output<typeof ComponentPageSchema>;
type Platform = ComponentPage["components"][number];
type PlatformStatus = z.output<typeof ComponentStatusSchema>;
type AuthorizerPage = z.output<typeof AuthorizerPageSchema>;
type Authorizer = AuthorizerPage["authorizers"][number];
type PushView = z.output<typeof PushViewSchema>;
type PushTarget = PushView["targets"][number];
type DeliveryPage = z.output<typeof DeliveryPageSchema>;
type Delivery = DeliveryPage["deliveries"][number];
type DeliverySecret = z.output<typeof DeliverySecretSchema>;
/** POST /admin/components/{componentKey}/authorization-links answers this (AuthorizationLinks in /openapi.json). */
type AuthorizationLinks = { pcUrl: string; mobileUrl: string; expires_in: number; pageUrl: string };

const TOKEN_STORAGE_KEY = "wechat-edge-gateway.admin-token";
const POLL_MS = 5000;
/** Apps per page: each listed app's token status is asked for on every poll, one request each. */
const PAGE_SIZE = 50;
/** Waits for a pause in typing before searching, so a word typed costs one request, not one per key. */
const SEARCH_DEBOUNCE_MS = 250;
/** What the admin API accepts as an appKey (SPEC §4), and so as a fragment or a search. */
const APP_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const APP_KEY_PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,64}$/;
/** WeChat's limit on force_refresh calls per day (stable mode), as the keeper enforces it. */
const FORCED_REFRESH_DAILY_LIMIT = 20;
const TYPE_LABELS: Record<AppType, string> = {
  miniprogram: "Mini program",
  officialaccount: "Official account",
};
/**
 * The WeChat APIs behind the gateway's operations for each app type (SPEC §6), whose quotas the
 * console shows on demand, with the operation that calls each.
 */
const QUOTA_APIS: Record<AppType, [cgiPath: string, operation: string][]> = {
  miniprogram: [
    ["/wxa/getwxacodeunlimit", "WXACodeGetUnlimited"],
    ["/wxa/generate_urllink", "UrlLinkGenerate"],
    ["/wxa/generatescheme", "GenerateScheme"],
    ["/cgi-bin/message/subscribe/send", "SubscribeSend"],
    ["/wxa/msg_sec_check", "MsgSecCheck"],
    ["/wxa/business/getuserphonenumber", "PhoneNumber"],
  ],
  officialaccount: [
    ["/cgi-bin/message/template/subscribe", "SubscribeMSG"],
    ["/cgi-bin/user/info", "UserInfo"],
    ["/cgi-bin/ticket/getticket", "JSConfig (jsapi_ticket)"],
  ],
};
/** The token call each token mode makes, whose quota is shown with the app's APIs. */
const TOKEN_APIS: Record<App["tokenMode"], string> = {
  stable: "/cgi-bin/stable_token",
  classic: "/cgi-bin/token",
};
/** WeChat ends every failing errmsg with "rid: …", which openapi/rid/get looks up (WECHAT.md §0). */
const RID_IN_MESSAGE = /rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})/;

// ---- DOM helpers ------------------------------------------------------------------------------

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the console page lacks #${id}`);
  return found as T;
}

type Child = Node | string | null | undefined | false;
type Props = { cls?: string; testid?: string; title?: string; attrs?: Record<string, string> };

/** createElement with text children: strings become text nodes, never markup. */
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.cls) node.className = props.cls;
  if (props.testid) node.dataset.testid = props.testid;
  if (props.title) node.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children)
    if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

function badge(kind: "ok" | "warn" | "bad" | "", text: string): HTMLSpanElement {
  return el("span", { cls: kind ? `badge ${kind}` : "badge" }, text);
}

function showNotice(node: HTMLElement, message: string | null, kind: "error" | "ok" = "error"): void {
  node.textContent = message ?? "";
  node.hidden = message === null;
  node.classList.toggle("error", kind === "error");
  node.classList.toggle("ok", kind === "ok");
}

// ---- time ------------------------------------------------------------------------------------

const parseTime = (iso: string | null): number | null => {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
};

/** "1 h 58 min", "4 min 12 s", "42 s". */
function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** "3 min ago" / "in 4 min" (coarser than duration: it sits next to a clock time). */
function relative(at: number, now: number): string {
  const diff = at - now;
  const s = Math.round(Math.abs(diff) / 1000);
  const text =
    s < 5
      ? null
      : s < 60
        ? `${s} s`
        : s < 3600
          ? `${Math.floor(s / 60)} min`
          : s < 172_800
            ? `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
            : `${Math.floor(s / 86_400)} d`;
  if (text === null) return "just now";
  return diff < 0 ? `${text} ago` : `in ${text}`;
}

/** The browser's local time: the time alone when it is today, else date and time. */
function clock(ms: number): string {
  const date = new Date(ms);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { hourCycle: "h23" })
    : date.toLocaleString(undefined, { hourCycle: "h23" });
}

type LiveMode = "ago" | "age" | "countdown";

/** A span the once-a-second tick keeps current (countdowns run locally between polls). */
function live(mode: LiveMode, at: number, testid?: string): HTMLSpanElement {
  const span = el("span", testid ? { testid } : {});
  span.dataset.live = mode;
  span.dataset.at = String(at);
  paintLive(span, Date.now());
  return span;
}

function paintLive(span: HTMLElement, now: number): void {
  const at = Number(span.dataset.at);
  switch (span.dataset.live as LiveMode) {
    case "ago":
      span.textContent = relative(at, now);
      break;
    case "age":
      span.textContent = duration(now - at);
      break;
    case "countdown":
      span.textContent = at > now ? duration(at - now) : "expired";
      break;
  }
}

function tick(): void {
  const now = Date.now();
  for (const span of document.querySelectorAll<HTMLElement>("[data-live]")) paintLive(span, now);
}

/** "14:03:12 (3 min ago)", or a dash. */
function when(iso: string | null, testid?: string): Node {
  const ms = parseTime(iso);
  if (ms === null) return el("span", { cls: "muted", ...(testid ? { testid } : {}) }, "—");
  return el(
    "span",
    { ...(testid ? { testid } : {}), title: iso ?? "" },
    clock(ms),
    " (",
    live("ago", ms),
    ")",
  );
}

// ---- the admin API ---------------------------------------------------------------------------

const storedToken = (): string | null => sessionStorage.getItem(TOKEN_STORAGE_KEY);

/** Sign-out (or a new sign-in) bumps this, so answers to older requests are dropped. */
let session = 0;

function api<T>(method: string, path: string, body?: unknown, token = storedToken()): Promise<Answer<T>> {
  if (!token) return Promise.resolve({ ok: false, status: 401, message: "not signed in" });
  return callGateway<T>(method, `/admin${path}`, { body, token });
}

const appPath = (appKey: string) => `/apps/${encodeURIComponent(appKey)}`;

/** Every call after sign-in goes through here: a 401 means the token is gone or was changed. */
async function call<T>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
  const answer = await api<T>(method, path, body);
  if (!answer.ok && answer.status === 401 && storedToken()) {
    signOut("The admin token was not accepted any more: sign in again.");
  }
  return answer;
}

// ---- state -----------------------------------------------------------------------------------

/** The page on screen. */
let apps: AppSummary[] = [];
let total = 0;
/** Where each page visited so far starts (the cursor that fetched it); the last entry is on screen. */
let pageStarts: (string | null)[] = [null];
/** The cursor of the page after this one, or null on the last page. */
let nextCursor: string | null = null;
/** The search box's appKey prefix, as last sent. */
let search = "";
let searchTimer: number | undefined;
const statuses = new Map<string, Status | string>();
let detail: AppDetail | null = null;
/** Why the selected app could not be shown (e.g. nobody is registered under that appKey). */
let detailProblem: string | null = null;
let updating: Promise<void> | null = null;
let updateAgain = false;
let pollTimer: number | undefined;
/** What is on screen, to redraw only what changed (a redraw would drop a text selection). */
let paintedApps = "";
let paintedDetail = "";
/** expires_in changes on every poll; the page counts down from expires_time itself. */
const fingerprint = (value: unknown) =>
  JSON.stringify(value, (name, inner: unknown) => (name === "expires_in" ? undefined : inner));

/** The fragment, percent-decoded when it can be: a malformed escape must not stop the page. */
function fragmentText(): string {
  const raw = location.hash.slice(1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The appKey the fragment names, or null when it names none (empty, or not an appKey at all). */
const selectedKey = (): string | null => {
  const fragment = fragmentText();
  return APP_KEY_PATTERN.test(fragment) ? fragment : null;
};

/** The list request for the page on screen. */
function pagePath(): string {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  const start = pageStarts.at(-1);
  if (start) query.set("cursor", start);
  if (search) query.set("prefix", search);
  return `/apps?${query}`;
}

function showPage(page: AppPage): void {
  apps = page.apps;
  total = page.total;
  nextCursor = page.cursor;
}

// ---- sign-in ---------------------------------------------------------------------------------

async function signIn(token: string, fromForm: boolean): Promise<void> {
  const mine = ++session;
  const submit = byId<HTMLButtonElement>("signin-submit");
  submit.disabled = true;
  const answer = await api<AppPage>("GET", pagePath(), undefined, token);
  submit.disabled = false;
  if (mine !== session) return;
  if (!answer.ok) {
    sessionStorage.removeItem(TOKEN_STORAGE_KEY);
    showSignIn(
      answer.status === 401
        ? fromForm
          ? "That admin token is not valid."
          : "The saved admin token is not valid any more: sign in again."
        : `Could not sign in: ${answer.message}`,
    );
    return;
  }
  sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
  byId<HTMLInputElement>("admin-token").value = "";
  showNotice(byId("signin-error"), null);
  byId("signin").hidden = true;
  byId("console").hidden = false;
  showPage(answer.data);
  paint();
  void update();
  window.clearInterval(pollTimer);
  pollTimer = window.setInterval(() => void update(), POLL_MS);
}

function showSignIn(message: string | null): void {
  byId("console").hidden = true;
  byId("signin").hidden = false;
  showNotice(byId("signin-error"), message);
  byId<HTMLInputElement>("admin-token").focus();
}

function signOut(message: string | null = null): void {
  session++;
  sessionStorage.removeItem(TOKEN_STORAGE_KEY);
  window.clearInterval(pollTimer);
  pollTimer = undefined;
  apps = [];
  total = 0;
  pageStarts = [null];
  nextCursor = null;
  search = "";
  byId<HTMLInputElement>("apps-search").value = "";
  statuses.clear();
  detail = null;
  detailProblem = null;
  paintedApps = "";
  paintedDetail = "";
  hideNewKey();
  clearOperatorTools();
  clearPushes();
  clearPlatforms();
  byId("apps").querySelector("tbody")?.replaceChildren();
  byId("status").replaceChildren();
  byId("keys").querySelector("tbody")?.replaceChildren();
  showSignIn(message);
}

// ---- polling ---------------------------------------------------------------------------------

/** Fetches the list, every app's token status and the selected app's keys; then repaints. */
function update(): Promise<void> {
  if (!storedToken() || document.hidden) return Promise.resolve();
  if (updating) {
    updateAgain = true;
    return updating;
  }
  updating = (async () => {
    do {
      updateAgain = false;
      await updateOnce();
    } while (updateAgain && storedToken());
  })().finally(() => {
    updating = null;
  });
  return updating;
}

async function updateOnce(): Promise<void> {
  const mine = session;
  const requested = pagePath();
  const list = await call<AppPage>("GET", requested);
  if (mine !== session) return;
  if (!list.ok) {
    markUpdated(`Update failed: ${list.message}`);
    return;
  }
  // The operator paged or searched meanwhile: the next round asks for what is wanted now.
  if (requested !== pagePath()) {
    updateAgain = true;
    return;
  }
  showPage(list.data);
  if (apps.length === 0 && pageStarts.length > 1) {
    // The page emptied (its apps were deleted): step back to one that has apps.
    pageStarts.pop();
    updateAgain = true;
    return;
  }
  const selected = selectedKey();
  const watched = [...new Set([...apps.map((app) => app.appKey), ...(selected ? [selected] : [])])];
  const [answers, picked] = await Promise.all([
    Promise.all(watched.map((appKey) => call<Status>("GET", `${appPath(appKey)}/status`))),
    selected ? call<AppDetail>("GET", appPath(selected)) : Promise.resolve(null),
  ]);
  if (mine !== session || selected !== selectedKey()) return;
  statuses.clear();
  watched.forEach((appKey, i) => {
    const answer = answers[i];
    if (answer) statuses.set(appKey, answer.ok ? answer.data : answer.message);
  });
  detail = picked?.ok ? picked.data : null;
  detailProblem = picked && !picked.ok && picked.status === 404 ? picked.message : null;
  const failed = picked && !picked.ok && picked.status !== 404 ? picked.message : null;
  paint();
  await updateDeliveries(mine, selected);
  if (mine !== session) return;
  const platformsFailed = await updatePlatforms(mine);
  if (mine !== session) return;
  const problem = failed ?? platformsFailed;
  markUpdated(problem ? `Update failed: ${problem}` : null);
}

function markUpdated(error: string | null): void {
  showNotice(byId("console-error"), error);
  byId("updated").textContent = `${error ? "Tried" : "Updated"} ${clock(Date.now())}`;
}

// ---- painting --------------------------------------------------------------------------------

function paint(): void {
  paintApps();
  paintDetail();
}

type HealthState = { kind: "ok" | "warn" | "bad" | ""; label: string };

/** The state of one credential: what its badge says. */
function healthState(health: Health, now: number): HealthState {
  const expires = parseTime(health.expires_time);
  const valid = health.held && expires !== null && expires > now;
  if (health.failures_in_row > 0)
    return valid ? { kind: "warn", label: "retrying" } : { kind: "bad", label: "failing" };
  if (valid) return { kind: "ok", label: "valid" };
  if (health.held) return { kind: "bad", label: "expired" };
  return { kind: "", label: "no token yet" };
}

function healthBadge(health: Health, now: number): HTMLSpanElement {
  const { kind, label } = healthState(health, now);
  return badge(kind, label);
}

function paintApps(): void {
  const selected = selectedKey();
  const now = Date.now();
  const painted = fingerprint([apps, [...statuses], selected]);
  const empty = byId("apps-empty");
  empty.hidden = apps.length > 0;
  empty.textContent = search
    ? `No appKey starts with “${search}”.`
    : "No apps registered yet: register one below.";
  if (apps.length === 0 && total === 0) byId<HTMLDetailsElement>("register").open = true;
  let valid = 0;
  let failing = 0;
  for (const app of apps) {
    const status = statuses.get(app.appKey);
    if (status === undefined || typeof status === "string") continue;
    if (healthState(status.access_token, now).label === "valid") valid++;
    if (status.access_token.failures_in_row > 0) failing++;
  }
  const paged = pageStarts.length > 1 || nextCursor !== null || search !== "";
  byId("summary").textContent =
    `${total} app${total === 1 ? "" : "s"} · ${valid}${paged ? " on this page" : ""} with a valid token` +
    (failing ? ` · ${failing} with upstream failures` : "");
  paintPager();
  if (painted === paintedApps) return;
  paintedApps = painted;
  const rows = apps.map((app) => {
    const status = statuses.get(app.appKey);
    const token =
      status === undefined
        ? badge("", "…")
        : typeof status === "string"
          ? badge("bad", "unknown")
          : healthBadge(status.access_token, now);
    if (typeof status === "string") token.title = status;
    const row = el(
      "tr",
      { testid: "app-row", cls: app.appKey === selected ? "selected" : "" },
      el(
        "td",
        {},
        el("a", { attrs: { href: `#${encodeURIComponent(app.appKey)}` } }, app.appKey),
        el("div", { cls: "mono muted small" }, app.appId),
      ),
      el(
        "td",
        {},
        el("div", { testid: "app-type" }, TYPE_LABELS[app.type] ?? app.type),
        el("div", { cls: "muted small" }, el("span", { testid: "app-mode" }, app.tokenMode), " mode"),
      ),
      el("td", { testid: "app-token" }, token),
    );
    row.dataset.appKey = app.appKey;
    if (app.appKey === selected) row.setAttribute("aria-selected", "true");
    row.addEventListener("click", (event) => {
      if ((event.target as HTMLElement).closest("a")) return;
      location.hash = encodeURIComponent(app.appKey);
    });
    return row;
  });
  byId("apps")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
}

function fact(label: string, testid: string, ...value: Child[]): Node[] {
  return [el("dt", {}, label), el("dd", { testid }, ...value)];
}

function budgetFacts(prefix: string, health: Health): Node[] {
  const share = health.daily_budget > 0 ? health.upstream_calls_today / health.daily_budget : 0;
  return fact(
    "Refreshes today",
    `${prefix}-refreshes-today`,
    el("span", { testid: `${prefix}-calls-today` }, String(health.upstream_calls_today)),
    ` of ${health.daily_budget} (daily budget) `,
    el("meter", {
      attrs: {
        min: "0",
        max: String(health.daily_budget),
        low: String(health.daily_budget * 0.5),
        high: String(health.daily_budget * 0.8),
        optimum: "0",
        value: String(health.upstream_calls_today),
        "aria-label": `${Math.round(share * 100)}% of the daily budget`,
      },
    }),
  );
}

function errorFacts(prefix: string, health: Health): Node[] {
  const error = health.last_error;
  const failures =
    health.failures_in_row > 0
      ? badge("bad", `${health.failures_in_row} failure${health.failures_in_row === 1 ? "" : "s"} in a row`)
      : null;
  if (!error) return fact("Last upstream error", `${prefix}-last-error`, badge("ok", "none"));
  const recovered = health.failures_in_row === 0;
  const rid = RID_IN_MESSAGE.exec(error.errmsg)?.[1];
  return fact(
    "Last upstream error",
    `${prefix}-last-error`,
    badge(recovered ? "warn" : "bad", error.errcode === null ? "no errcode" : `errcode ${error.errcode}`),
    " ",
    el("span", { cls: "mono" }, error.errmsg),
    " · ",
    when(error.time),
    recovered ? el("span", { cls: "muted" }, " · recovered since") : null,
    failures ? " " : null,
    failures,
    rid ? " · " : null,
    rid ? ridLink(prefix, rid) : null,
  );
}

/** "What did WeChat see?": asks openapi/rid/get (through the admin API) only when clicked. */
function ridLink(prefix: string, rid: string): HTMLButtonElement {
  const link = el(
    "button",
    {
      cls: "link",
      testid: `${prefix}-rid-link`,
      attrs: { type: "button" },
      title: `WeChat's record of rid ${rid}`,
    },
    "What did WeChat see?",
  );
  link.addEventListener("click", () => void showRid(rid, link));
  return link;
}

function credentialFacts(prefix: string, health: Health, now: number): Node[] {
  const created = parseTime(health.create_time);
  const expires = parseTime(health.expires_time);
  return [
    ...fact("State", `${prefix}-state`, healthBadge(health, now)),
    ...fact(
      "Age",
      `${prefix}-age`,
      created === null ? el("span", { cls: "muted" }, "—") : live("age", created),
      created === null ? null : el("span", { cls: "muted" }, ` (created ${clock(created)})`),
    ),
    ...fact(
      "Expires in",
      `${prefix}-expires-in`,
      expires === null ? el("span", { cls: "muted" }, "—") : live("countdown", expires),
      expires === null ? null : el("span", { cls: "muted" }, ` (at ${clock(expires)})`),
    ),
    ...fact("Last refresh", `${prefix}-last-refresh`, when(health.last_refresh_time)),
    ...fact("Next refresh", `${prefix}-next-refresh`, when(health.next_refresh_time)),
    ...budgetFacts(prefix, health),
    ...errorFacts(prefix, health),
  ];
}

function paintStatus(app: App, status: Status | string | undefined): void {
  const now = Date.now();
  const box = byId("status");
  showNotice(byId("status-error"), typeof status === "string" ? status : null);
  if (status === undefined || typeof status === "string") {
    box.replaceChildren();
    return;
  }
  const access = status.access_token;
  const forced =
    status.tokenMode === "stable"
      ? `${status.forced_refreshes_today} of ${FORCED_REFRESH_DAILY_LIMIT} (WeChat's daily limit, 30 s apart)`
      : `${status.forced_refreshes_today} (classic mode: counted in the refreshes above)`;
  const blocks: Node[] = [
    el("h3", {}, "access_token"),
    el(
      "dl",
      { cls: "facts", testid: "access-token" },
      ...credentialFacts("token", access, now),
      ...fact("Forced refreshes today", "token-forced-today", forced),
      ...fact("Total refreshes", "token-refresh-count", String(access.refresh_count)),
      ...fact("Next alarm", "token-next-alarm", when(status.next_alarm_time)),
    ),
  ];
  if (app.type === "officialaccount") {
    const ticket = status.jsapi_ticket;
    blocks.push(
      el("h3", {}, "jsapi_ticket"),
      ticket.held || ticket.last_error
        ? el("dl", { cls: "facts", testid: "jsapi-ticket" }, ...credentialFacts("ticket", ticket, now))
        : el(
            "p",
            { cls: "muted", testid: "jsapi-ticket" },
            "Not fetched yet: the keeper fetches the ticket on the first JSConfig call and keeps it fresh while it is used.",
          ),
    );
  }
  if (status.appKeys.length > 1) {
    blocks.push(
      el(
        "p",
        { cls: "muted" },
        `This token is shared by every appKey of ${status.appId}: ${status.appKeys.join(", ")}.`,
      ),
    );
  }
  box.replaceChildren(...blocks);
}

function paintKeys(keys: ApiKey[]): void {
  byId("keys-empty").hidden = keys.length > 0;
  byId("keys").hidden = keys.length === 0;
  const rows = keys.map((key) => {
    const created = parseTime(key.createdAt);
    const revoke = el("button", { cls: "danger", testid: "revoke-key", attrs: { type: "button" } }, "Revoke");
    revoke.addEventListener("click", () => void revokeKey(key.id, revoke));
    const row = el(
      "tr",
      { testid: "key-row" },
      el("td", { cls: "mono", testid: "key-id" }, key.id),
      el("td", {}, created === null ? "—" : when(key.createdAt)),
      el("td", { cls: "actions" }, revoke),
    );
    row.dataset.keyId = key.id;
    return row;
  });
  byId("keys")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
}

function paintDetail(): void {
  const selected = selectedKey();
  const app = detail?.appKey === selected ? detail : undefined;
  const empty = byId("detail-empty");
  empty.hidden = app !== undefined;
  byId("detail-app").hidden = app === undefined;
  if (!app) {
    paintedDetail = "";
    empty.replaceChildren(
      el(
        "p",
        { cls: "muted", testid: "detail-empty-text" },
        selected === null
          ? "Select an app to see its token health and API keys."
          : (detailProblem ?? `Loading ${selected}…`),
      ),
    );
    return;
  }
  const status = statuses.get(app.appKey);
  const keys = app.keys;
  const painted = fingerprint([app, status, keys]);
  if (painted === paintedDetail) return;
  paintedDetail = painted;
  byId("app-title").textContent = app.appKey;
  byId("app-subtitle").textContent =
    `${app.appId} · ${TYPE_LABELS[app.type] ?? app.type} · ${app.tokenMode} mode`;
  paintStatus(app, status);
  paintKeys(keys);
  paintPush(app);
}

// ---- paging and search -----------------------------------------------------------------------

/** The page's place in the list: "1–50 of 3500", or for a search "51–63 starting with “shop”". */
function paintPager(): void {
  const first = (pageStarts.length - 1) * PAGE_SIZE + 1;
  const range = apps.length === 0 ? "none" : `${first}–${first + apps.length - 1}`;
  byId("apps-page").textContent = search ? `${range} starting with “${search}”` : `${range} of ${total}`;
  byId<HTMLButtonElement>("apps-previous").disabled = pageStarts.length <= 1;
  byId<HTMLButtonElement>("apps-next").disabled = nextCursor === null;
  byId("apps-pager").hidden = pageStarts.length <= 1 && nextCursor === null;
}

function turnPage(forward: boolean): void {
  if (forward && nextCursor !== null) pageStarts = [...pageStarts, nextCursor];
  else if (!forward && pageStarts.length > 1) pageStarts = pageStarts.slice(0, -1);
  else return;
  void update();
}

/** Searches once typing pauses; something that cannot start an appKey is explained, not sent. */
function searchChanged(input: HTMLInputElement): void {
  window.clearTimeout(searchTimer);
  const wanted = input.value.trim();
  const valid = APP_KEY_PREFIX_PATTERN.test(wanted);
  showNotice(byId("apps-search-error"), valid ? null : "appKeys are made of A–Z, a–z, 0–9, _ and - only.");
  if (!valid) return;
  searchTimer = window.setTimeout(() => {
    if (wanted === search) return;
    search = wanted;
    pageStarts = [null];
    nextCursor = null;
    void update();
  }, SEARCH_DEBOUNCE_MS);
}

/** The search box above the list and the pager below it (the static page has only the table). */
function addListControls(): void {
  const table = byId("apps");
  const input = el("input", {
    attrs: {
      id: "apps-search",
      type: "search",
      placeholder: "Search by appKey prefix",
      "aria-label": "Search apps by appKey prefix",
      maxlength: "64",
      spellcheck: "false",
      autocomplete: "off",
    },
  });
  input.addEventListener("input", () => searchChanged(input));
  const previous = el("button", { attrs: { id: "apps-previous", type: "button" } }, "← Previous");
  const next = el("button", { attrs: { id: "apps-next", type: "button" } }, "Next →");
  previous.addEventListener("click", () => turnPage(false));
  next.addEventListener("click", () => turnPage(true));
  table.before(
    input,
    el("p", { cls: "notice error", attrs: { id: "apps-search-error", role: "alert", hidden: "" } }),
  );
  table.after(
    el(
      "div",
      { cls: "row pager", attrs: { id: "apps-pager", hidden: "" } },
      previous,
      el("span", { cls: "muted grow", attrs: { id: "apps-page", "aria-live": "polite" } }),
      next,
    ),
  );
}

// ---- actions ---------------------------------------------------------------------------------

function selectionChanged(): void {
  hideNewKey();
  clearOperatorTools();
  clearPushes();
  showNotice(byId("refresh-result"), null);
  showNotice(byId("keys-error"), null);
  detail = null;
  detailProblem = null;
  paintedDetail = "";
  byId("status").replaceChildren();
  byId("keys").querySelector("tbody")?.replaceChildren();
  paint();
  void update();
}

async function forceRefresh(button: HTMLButtonElement): Promise<void> {
  const appKey = selectedKey();
  if (!appKey) return;
  button.disabled = true;
  const result = byId("refresh-result");
  showNotice(result, null);
  const answer = await call<ForcedRefresh>("POST", `${appPath(appKey)}/token/refresh`);
  button.disabled = false;
  if (appKey !== selectedKey()) return;
  if (answer.ok) {
    const expires = parseTime(answer.data.expires_time);
    showNotice(
      result,
      `${answer.data.refreshed ? "Refreshed: WeChat issued a new token" : "WeChat handed back the current token"} at ${clock(Date.now())}` +
        (expires === null ? "." : `; it expires at ${clock(expires)}.`),
      "ok",
    );
  } else {
    showNotice(result, `Forced refresh refused: ${answer.message}`);
  }
  await update();
}

async function createKey(button: HTMLButtonElement): Promise<void> {
  const appKey = selectedKey();
  if (!appKey) return;
  button.disabled = true;
  const answer = await call<{ id: string; key: string }>("POST", `${appPath(appKey)}/keys`);
  button.disabled = false;
  if (appKey !== selectedKey()) return;
  if (!answer.ok) {
    showNotice(byId("keys-error"), answer.message);
    return;
  }
  showNotice(byId("keys-error"), null);
  // The key exists only in this box's text until "Done": no variable keeps it.
  byId("new-key-value").textContent = answer.data.key;
  byId("copy-result").textContent = "";
  byId("new-key").hidden = false;
  await update();
}

function hideNewKey(): void {
  byId("new-key-value").textContent = "";
  byId("copy-result").textContent = "";
  byId("new-key").hidden = true;
}

function copyKey(): Promise<void> {
  return copyText(byId("new-key-value"), byId("copy-result"), "key");
}

async function revokeKey(id: string, button: HTMLButtonElement): Promise<void> {
  const appKey = selectedKey();
  if (!appKey) return;
  if (!confirm(`Revoke API key ${id} of ${appKey}? Callers using it are refused from then on.`)) return;
  button.disabled = true;
  const answer = await call<{ revoked: true }>("DELETE", `${appPath(appKey)}/keys/${encodeURIComponent(id)}`);
  showNotice(byId("keys-error"), answer.ok ? null : answer.message);
  button.disabled = false;
  await update();
}

async function removeApp(): Promise<void> {
  const appKey = selectedKey();
  if (!appKey) return;
  if (
    !confirm(
      `Remove ${appKey}? Its API keys, QR-Auth users and sign-in sessions, and its users' login sessions are deleted with it.`,
    )
  )
    return;
  const answer = await call<{ deleted: true }>("DELETE", appPath(appKey));
  if (!answer.ok) {
    showNotice(byId("refresh-result"), answer.message);
    return;
  }
  history.replaceState(null, "", location.pathname);
  selectionChanged();
}

async function register(form: HTMLFormElement): Promise<void> {
  const field = (id: string) => byId<HTMLInputElement | HTMLSelectElement>(id);
  const appKey = field("reg-app-key").value.trim();
  const secret = field("reg-app-secret");
  const body: Record<string, string> = {
    appId: field("reg-app-id").value.trim(),
    type: field("reg-type").value,
    tokenMode: field("reg-mode").value,
  };
  if (secret.value) body.appSecret = secret.value;
  // The secret leaves the page with this request and is never shown again.
  secret.value = "";
  const submit = byId<HTMLButtonElement>("register-submit");
  submit.disabled = true;
  const answer = await call<App>("PUT", appPath(appKey), body);
  submit.disabled = false;
  const result = byId("register-error");
  if (!answer.ok) {
    showNotice(result, `${answer.message}${body.appSecret ? " (enter the secret again)" : ""}`);
    return;
  }
  showNotice(
    result,
    answer.status === 201 ? `Registered ${answer.data.appKey}.` : `Updated ${answer.data.appKey}.`,
    "ok",
  );
  form.reset();
  location.hash = encodeURIComponent(answer.data.appKey);
  await update();
}

function editSelected(): void {
  const app = detail?.appKey === selectedKey() ? detail : null;
  if (!app) return;
  byId<HTMLInputElement>("reg-app-key").value = app.appKey;
  byId<HTMLInputElement>("reg-app-id").value = app.appId;
  byId<HTMLSelectElement>("reg-type").value = app.type;
  byId<HTMLSelectElement>("reg-mode").value = app.tokenMode;
  showNotice(byId("register-error"), null);
  const details = byId<HTMLDetailsElement>("register");
  details.open = true;
  details.scrollIntoView({ block: "nearest" });
  byId<HTMLInputElement>("reg-app-secret").focus();
}

// ---- operator tools: quotas, rids, clear_quota ------------------------------------------------
//
// Each of these asks WeChat (through the admin API), so none of them runs on the 5 s poll: the
// quotas when "Check quotas" is pressed, a rid when its link is, clear_quota after a confirmation
// that says how many of the month's resets are left.

/** The operator-tools card and the rid panel (the static page has neither), added at start. */
function addOperatorTools(): void {
  const check = el(
    "button",
    { cls: "primary", testid: "check-quotas", attrs: { id: "check-quotas", type: "button" } },
    "Check quotas",
  );
  const clear = el(
    "button",
    { cls: "danger", testid: "clear-quota", attrs: { id: "clear-quota", type: "button" } },
    "Reset quotas…",
  );
  check.addEventListener("click", () => void checkQuotas(check));
  clear.addEventListener("click", () => void resetQuotas(clear));
  const card = el(
    "div",
    { cls: "card", attrs: { id: "operator-tools" } },
    el("div", { cls: "row" }, el("h2", { cls: "grow" }, "WeChat quotas"), check, clear),
    el(
      "p",
      { cls: "muted" },
      "Today's calls and limits of the WeChat APIs this app's operations use, as WeChat counts them (asked when you press Check quotas). Reset quotas is WeChat's clear_quota: it zeroes every daily count of the appid, 10 times a month at most.",
    ),
    el("p", { cls: "muted", testid: "clear-allowance", attrs: { id: "clear-allowance" } }),
    el("p", {
      cls: "notice",
      testid: "quota-result",
      attrs: { id: "quota-result", role: "status", hidden: "" },
    }),
    el(
      "table",
      { testid: "quotas", attrs: { id: "quotas", hidden: "" } },
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", {}, "WeChat API"),
          el("th", {}, "Used today"),
          el("th", {}, "Daily limit"),
          el("th", {}, "Remaining"),
        ),
      ),
      el("tbody"),
    ),
  );
  byId("status").closest(".card")?.after(card);
  byId("status").after(
    el("div", { cls: "rid-answer", testid: "rid-answer", attrs: { id: "rid-answer", hidden: "" } }),
  );
}

function clearOperatorTools(): void {
  const quotas = byId("quotas");
  quotas.hidden = true;
  quotas.querySelector("tbody")?.replaceChildren();
  byId("clear-allowance").textContent = "";
  showNotice(byId("quota-result"), null);
  const rid = byId("rid-answer");
  rid.hidden = true;
  rid.replaceChildren();
}

const selectedApp = (): AppDetail | null => (detail?.appKey === selectedKey() ? detail : null);

function allowanceText(allowance: ClearAllowance): string {
  const left = `${allowance.clearsLeft} of ${allowance.monthlyLimit} quota resets left this month`;
  return allowance.usedUpAtWeChat
    ? `${left}: WeChat said the month's resets are used up (resets made in its console count too).`
    : `${left} (${allowance.clearsThisMonth} made through the gateway).`;
}

function quotaRow(cgiPath: string, operation: string, answer: Answer<ApiQuota>): HTMLTableRowElement {
  const name = el(
    "td",
    {},
    el("div", { cls: "mono" }, cgiPath),
    el("div", { cls: "muted small" }, operation),
  );
  const row = el("tr", { testid: "quota-row" });
  row.dataset.cgiPath = cgiPath;
  if (!answer.ok) {
    row.append(
      name,
      el("td", { testid: "quota-error", cls: "muted", attrs: { colspan: "3" } }, answer.message),
    );
    return row;
  }
  const quota = answer.data;
  const rate = quota.rate_limit
    ? ` · ${quota.rate_limit.call_count} per ${quota.rate_limit.refresh_second} s`
    : "";
  row.append(
    name,
    el("td", { testid: "quota-used" }, String(quota.used)),
    el("td", { testid: "quota-limit" }, String(quota.daily_limit)),
    el(
      "td",
      {},
      el("span", { testid: "quota-remain" }, String(quota.remain)),
      " ",
      el("meter", {
        attrs: {
          min: "0",
          max: String(quota.daily_limit),
          low: String(quota.daily_limit * 0.2),
          high: String(quota.daily_limit * 0.5),
          optimum: String(quota.daily_limit),
          value: String(quota.remain),
          "aria-label": `${quota.remain} of ${quota.daily_limit} left today`,
        },
      }),
      rate ? el("span", { cls: "muted small" }, rate) : null,
    ),
  );
  return row;
}

async function checkQuotas(button: HTMLButtonElement): Promise<void> {
  const app = selectedApp();
  if (!app) return;
  button.disabled = true;
  const apis: [string, string][] = [
    ...QUOTA_APIS[app.type],
    [TOKEN_APIS[app.tokenMode], `access_token (${app.tokenMode} mode)`],
  ];
  const [answers, allowance] = await Promise.all([
    Promise.all(
      apis.map(([cgiPath]) =>
        call<ApiQuota>("GET", `${appPath(app.appKey)}/quota?${new URLSearchParams({ cgi_path: cgiPath })}`),
      ),
    ),
    call<ClearAllowance>("GET", `${appPath(app.appKey)}/quota/clear`),
  ]);
  button.disabled = false;
  if (app.appKey !== selectedKey()) return;
  const table = byId("quotas");
  table
    .querySelector("tbody")
    ?.replaceChildren(...apis.map(([cgiPath, operation], i) => quotaRow(cgiPath, operation, answers[i]!)));
  table.hidden = false;
  byId("clear-allowance").textContent = allowance.ok ? allowanceText(allowance.data) : allowance.message;
  showNotice(byId("quota-result"), `Asked WeChat at ${clock(Date.now())}.`, "ok");
}

async function resetQuotas(button: HTMLButtonElement): Promise<void> {
  const app = selectedApp();
  if (!app) return;
  const result = byId("quota-result");
  button.disabled = true;
  // Asked afresh: another operator may have spent one since the page last showed it.
  const allowance = await call<ClearAllowance>("GET", `${appPath(app.appKey)}/quota/clear`);
  button.disabled = false;
  if (app.appKey !== selectedKey()) return;
  if (!allowance.ok) {
    showNotice(result, `Could not read this month's resets: ${allowance.message}`);
    return;
  }
  const { clearsLeft, monthlyLimit, nextMonthStartsAt } = allowance.data;
  byId("clear-allowance").textContent = allowanceText(allowance.data);
  if (clearsLeft === 0) {
    showNotice(
      result,
      `No quota resets left this month: the next ones can be made from ${nextMonthStartsAt}.`,
    );
    return;
  }
  const question =
    `Reset every daily API quota of ${app.appId} (WeChat's clear_quota)?\n\n` +
    `WeChat allows ${monthlyLimit} resets a month and ${clearsLeft} of ${monthlyLimit} are left this month; this spends one.`;
  if (!confirm(question)) return;
  button.disabled = true;
  const answer = await call<ClearAllowance>("POST", `${appPath(app.appKey)}/quota/clear`, { confirm: true });
  button.disabled = false;
  if (app.appKey !== selectedKey()) return;
  if (!answer.ok) {
    showNotice(result, `Reset refused: ${answer.message}`);
    return;
  }
  byId("clear-allowance").textContent = allowanceText(answer.data);
  // The table is asked again first (its own notice says when), then the reset is reported.
  if (!byId("quotas").hidden) await checkQuotas(byId<HTMLButtonElement>("check-quotas"));
  if (app.appKey !== selectedKey()) return;
  showNotice(
    result,
    `Quotas reset at ${clock(Date.now())}: ${answer.data.clearsLeft} of ${monthlyLimit} resets left this month.`,
    "ok",
  );
}

async function showRid(rid: string, link: HTMLButtonElement): Promise<void> {
  const appKey = selectedKey();
  if (!appKey) return;
  const panel = byId("rid-answer");
  link.disabled = true;
  const answer = await call<RidRecord>("GET", `${appPath(appKey)}/rid/${rid}`);
  link.disabled = false;
  if (appKey !== selectedKey()) return;
  const heading = el("h3", {}, "What WeChat saw of rid ", el("span", { cls: "mono" }, rid));
  if (!answer.ok) {
    panel.replaceChildren(heading, el("p", { cls: "notice error", testid: "rid-error" }, answer.message));
  } else {
    const record = answer.data;
    panel.replaceChildren(
      heading,
      el(
        "dl",
        { cls: "facts" },
        ...fact(
          "When",
          "rid-time",
          clock(record.invoke_time * 1000),
          el("span", { cls: "muted" }, ` (took ${record.cost_in_ms} ms)`),
        ),
        ...fact("URL parameters", "rid-url", el("code", {}, record.request_url || "—")),
        ...fact("Request body", "rid-request", el("code", {}, record.request_body || "—")),
        ...fact("WeChat's answer", "rid-response", el("code", {}, record.response_body)),
        ...fact("Client IP", "rid-ip", record.client_ip),
      ),
    );
  }
  panel.hidden = false;
}

// ---- third-party platforms -------------------------------------------------------------------
//
// The Platforms card lists the registered platforms a page at a time (GET /admin/components), each
// with its status (verify ticket age, component token health, authorizers by state). Selecting one
// shows its authorizers a page at a time and makes authorization links for a merchant to open.
// The selection lives in this page only (the fragment is the selected appKey's).

const PLATFORM_PAGE_SIZE = 20;
const AUTHORIZER_PAGE_SIZE = 50;
/** A verify ticket older than this is late: WeChat pushes one every 10 minutes (valid 12 h). */
const TICKET_LATE_SECONDS = 30 * 60;
const AUTH_TYPE_LABELS: Record<string, string> = {
  "2": "Mini programs",
  "1": "Official accounts",
  "3": "Both",
};
const AUTHORIZER_STATES: Record<Authorizer["state"], HealthState> = {
  authorized: { kind: "ok", label: "authorized" },
  unauthorized: { kind: "", label: "revoked" },
  needs_reauthorization: { kind: "bad", label: "needs re-authorization" },
};

let platforms: Platform[] = [];
let platformStarts: (string | null)[] = [null];
let platformNext: string | null = null;
const platformStatuses = new Map<string, PlatformStatus | string>();
let selectedPlatform: string | null = null;
let authorizers: Authorizer[] = [];
let authorizerStarts: (string | null)[] = [null];
let authorizerNext: string | null = null;
let authorizersProblem: string | null = null;
let paintedPlatforms = "";

const platformPath = (componentKey: string) => `/components/${encodeURIComponent(componentKey)}`;

function pageQuery(limit: number, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set("cursor", cursor);
  return `?${query}`;
}

/** Reads the platforms page, their statuses and the selected one's authorizers; answers a problem or null. */
async function updatePlatforms(mine: number): Promise<string | null> {
  const list = await call<ComponentPage>(
    "GET",
    `/components${pageQuery(PLATFORM_PAGE_SIZE, platformStarts[platformStarts.length - 1] ?? null)}`,
  );
  if (mine !== session) return null;
  if (!list.ok) return list.message;
  platforms = list.data.components;
  platformNext = list.data.cursor;
  const selected = selectedPlatform;
  const [answers, page] = await Promise.all([
    Promise.all(platforms.map((p) => call<PlatformStatus>("GET", `${platformPath(p.componentKey)}/status`))),
    selected
      ? call<AuthorizerPage>(
          "GET",
          `${platformPath(selected)}/authorizers${pageQuery(
            AUTHORIZER_PAGE_SIZE,
            authorizerStarts[authorizerStarts.length - 1] ?? null,
          )}`,
        )
      : Promise.resolve(null),
  ]);
  if (mine !== session || selected !== selectedPlatform) return null;
  platformStatuses.clear();
  platforms.forEach((p, i) => {
    const answer = answers[i];
    if (answer) platformStatuses.set(p.componentKey, answer.ok ? answer.data : answer.message);
  });
  authorizers = page?.ok ? page.data.authorizers : [];
  authorizerNext = page?.ok ? page.data.cursor : null;
  authorizersProblem = page && !page.ok ? page.message : null;
  paintPlatforms();
  return null;
}

function ticketBadge(status: PlatformStatus): HTMLSpanElement {
  const ticket = status.verify_ticket;
  if (!ticket.held) return badge("bad", "no ticket");
  if (!ticket.valid) return badge("bad", "expired");
  const age = ticket.age_seconds ?? 0;
  return badge(age > TICKET_LATE_SECONDS ? "warn" : "ok", `${duration(age * 1000)} old`);
}

function authorizerCounts(status: PlatformStatus): string {
  const { authorized, unauthorized, needs_reauthorization } = status.authorizers;
  const parts = [`${authorized} authorized`];
  if (needs_reauthorization > 0) parts.push(`${needs_reauthorization} need re-authorization`);
  if (unauthorized > 0) parts.push(`${unauthorized} revoked`);
  return parts.join(" · ");
}

function paintPlatforms(): void {
  const now = Date.now();
  const painted = fingerprint([
    platforms,
    [...platformStatuses],
    selectedPlatform,
    authorizers,
    authorizersProblem,
  ]);
  byId("platforms-empty").hidden = platforms.length > 0;
  byId("platforms").hidden = platforms.length === 0;
  byId<HTMLButtonElement>("platforms-previous").disabled = platformStarts.length <= 1;
  byId<HTMLButtonElement>("platforms-next").disabled = platformNext === null;
  byId("platforms-pager").hidden = platformStarts.length <= 1 && platformNext === null;
  if (painted === paintedPlatforms) return;
  paintedPlatforms = painted;
  const rows = platforms.map((platform) => {
    const status = platformStatuses.get(platform.componentKey);
    const cells =
      status === undefined || typeof status === "string"
        ? [el("td", { cls: "muted", attrs: { colspan: "3" } }, status ?? "…")]
        : [
            el("td", { testid: "platform-ticket" }, ticketBadge(status)),
            el("td", { testid: "platform-token" }, healthBadge(status.component_access_token, now)),
            el("td", { testid: "platform-authorizers" }, authorizerCounts(status)),
          ];
    const row = el(
      "tr",
      { cls: "selectable", testid: "platform-row" },
      el(
        "td",
        {},
        el("strong", {}, platform.componentKey),
        el("div", { cls: "muted mono" }, platform.componentAppId),
      ),
      ...cells,
    );
    row.dataset.componentKey = platform.componentKey;
    if (platform.componentKey === selectedPlatform) row.setAttribute("aria-selected", "true");
    row.tabIndex = 0;
    const choose = () => selectPlatform(platform.componentKey);
    row.addEventListener("click", choose);
    row.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        choose();
      }
    });
    return row;
  });
  byId("platforms")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
  paintPlatformDetail(now);
}

function paintPlatformDetail(now: number): void {
  const box = byId("platform-detail");
  const status = selectedPlatform ? platformStatuses.get(selectedPlatform) : undefined;
  box.hidden = selectedPlatform === null;
  if (selectedPlatform === null) return;
  byId("platform-title").textContent = selectedPlatform;
  const facts = byId("platform-status");
  if (status === undefined || typeof status === "string") {
    facts.replaceChildren(el("p", { cls: "muted" }, status ?? `Loading ${selectedPlatform}…`));
  } else {
    const ticket = status.verify_ticket;
    facts.replaceChildren(
      el("h3", {}, "component_verify_ticket"),
      el(
        "dl",
        { cls: "facts", testid: "platform-ticket-facts" },
        ...fact("State", "platform-ticket-state", ticketBadge(status)),
        ...fact("Pushed by WeChat", "platform-ticket-created", when(ticket.create_time)),
        ...fact("Received", "platform-ticket-received", when(ticket.received_time)),
        ...fact(
          "Push asked for",
          "platform-push-request",
          status.push_request
            ? el(
                "span",
                {},
                when(status.push_request.time),
                status.push_request.error
                  ? el("span", { cls: "muted" }, ` (${status.push_request.error})`)
                  : null,
              )
            : el("span", { cls: "muted" }, "—"),
        ),
      ),
      el("h3", {}, "component_access_token"),
      el(
        "dl",
        { cls: "facts", testid: "platform-token-facts" },
        ...credentialFacts("platform-token", status.component_access_token, now),
        ...fact("Next alarm", "platform-next-alarm", when(status.next_alarm_time)),
      ),
      el(
        "p",
        { cls: "muted", testid: "platform-authorizer-counts" },
        `Authorizers: ${authorizerCounts(status)}.`,
      ),
    );
  }
  showNotice(byId("authorizers-error"), authorizersProblem);
  byId("authorizers-empty").hidden = authorizers.length > 0 || authorizersProblem !== null;
  byId("authorizers").hidden = authorizers.length === 0;
  byId<HTMLButtonElement>("authorizers-previous").disabled = authorizerStarts.length <= 1;
  byId<HTMLButtonElement>("authorizers-next").disabled = authorizerNext === null;
  byId("authorizers-pager").hidden = authorizerStarts.length <= 1 && authorizerNext === null;
  const rows = authorizers.map((authorizer) => {
    const state = AUTHORIZER_STATES[authorizer.state] ?? { kind: "", label: authorizer.state };
    return el(
      "tr",
      { testid: "authorizer-row" },
      el("td", { cls: "mono", testid: "authorizer-appid" }, authorizer.authorizerAppId),
      el("td", { testid: "authorizer-state" }, badge(state.kind, state.label)),
      el("td", {}, when(authorizer.authorizedAt)),
      el(
        "td",
        { testid: "authorizer-appkeys" },
        authorizer.appKeys.length > 0
          ? authorizer.appKeys.join(", ")
          : el("span", { cls: "muted" }, "none bound"),
      ),
    );
  });
  byId("authorizers")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
}

function selectPlatform(componentKey: string): void {
  if (componentKey === selectedPlatform) return;
  selectedPlatform = componentKey;
  authorizers = [];
  authorizerStarts = [null];
  authorizerNext = null;
  authorizersProblem = null;
  byId("links").hidden = true;
  showNotice(byId("links-error"), null);
  // The gateway's own redirect target: it exchanges auth_code and names the app.
  byId<HTMLInputElement>("links-redirect").value =
    `${location.origin}/component/${encodeURIComponent(componentKey)}/authorized`;
  paintPlatforms();
  void update();
}

function turnPlatformPage(forward: boolean): void {
  if (forward && platformNext !== null) platformStarts = [...platformStarts, platformNext];
  else if (!forward && platformStarts.length > 1) platformStarts = platformStarts.slice(0, -1);
  else return;
  void update();
}

function turnAuthorizerPage(forward: boolean): void {
  if (forward && authorizerNext !== null) authorizerStarts = [...authorizerStarts, authorizerNext];
  else if (!forward && authorizerStarts.length > 1) authorizerStarts = authorizerStarts.slice(0, -1);
  else return;
  void update();
}

function linkLine(label: string, url: string, testid: string): HTMLElement {
  return el(
    "p",
    {},
    el("strong", {}, label),
    el("br"),
    el("a", { testid, attrs: { href: url, target: "_blank", rel: "noopener noreferrer" } }, url),
  );
}

async function makeLinks(form: HTMLFormElement): Promise<void> {
  const componentKey = selectedPlatform;
  if (!componentKey) return;
  const submit = byId<HTMLButtonElement>("links-submit");
  const bizAppId = byId<HTMLInputElement>("links-biz").value.trim();
  const body = {
    redirectUri: byId<HTMLInputElement>("links-redirect").value.trim(),
    authType: Number(byId<HTMLSelectElement>("links-type").value),
    ...(bizAppId ? { bizAppId } : {}),
  };
  submit.disabled = true;
  const answer = await call<AuthorizationLinks>(
    "POST",
    `${platformPath(componentKey)}/authorization-links`,
    body,
  );
  submit.disabled = false;
  if (componentKey !== selectedPlatform || !form.isConnected) return;
  const box = byId("links");
  if (!answer.ok) {
    box.hidden = true;
    showNotice(byId("links-error"), `No links: ${answer.message}`);
    return;
  }
  showNotice(byId("links-error"), null);
  const links = answer.data;
  box.replaceChildren(
    el(
      "p",
      { cls: "muted" },
      `${AUTH_TYPE_LABELS[String(body.authType)] ?? ""}: each link holds a fresh pre_auth_code, good for ${duration(links.expires_in * 1000)} and one authorization; the merchant must open it from the platform's 授权发起页域名.`,
    ),
    linkLine("On a PC (scan with WeChat)", links.pcUrl, "link-pc"),
    linkLine("In WeChat on a phone", links.mobileUrl, "link-mobile"),
    linkLine(
      "The gateway's page for the merchant (fresh links each time it is opened)",
      links.pageUrl,
      "link-page",
    ),
  );
  box.hidden = false;
}

function clearPlatforms(): void {
  platforms = [];
  platformStarts = [null];
  platformNext = null;
  platformStatuses.clear();
  selectedPlatform = null;
  authorizers = [];
  authorizerStarts = [null];
  authorizerNext = null;
  authorizersProblem = null;
  paintedPlatforms = "";
  byId("platforms").querySelector("tbody")?.replaceChildren();
  byId("authorizers").querySelector("tbody")?.replaceChildren();
  byId("platform-status").replaceChildren();
  byId("links").replaceChildren();
  byId("links").hidden = true;
  byId("platform-detail").hidden = true;
}

// ---- pushes ----------------------------------------------------------------------------------
//
// The Pushes card of the selected app: its push settings as GET /admin/apps/{appKey} shows them
// (the URL for WeChat's console, whether the token and key are set, never their values), a form
// that sets them (the token and key fields are write-only and emptied once sent), the delivery
// secret once after it is made or rotated, and the deliveries. The deliveries are asked for on the
// poll only while the card is open and push is set: one request, for the list on screen (recent
// ones of every state, or the failures only).

/** Deliveries per poll: newest first, as many as the table shows. */
const DELIVERY_PAGE_SIZE = 50;
const DELIVERY_STATES: Record<Delivery["state"], HealthState> = {
  delivered: { kind: "ok", label: "delivered" },
  pending: { kind: "warn", label: "pending" },
  failed: { kind: "bad", label: "failed" },
};

let deliveries: Delivery[] = [];
let deliveriesProblem: string | null = null;
/** The appKey and list the deliveries on screen are of, or null before the first answer. */
let deliveriesOf: string | null = null;
/** The appKey whose targets the form's textarea holds (filled once per selection, then the operator's). */
let pushFormOf: string | null = null;
let paintedDeliveries = "";

const pushCard = () => byId<HTMLDetailsElement>("pushes-card");
const deliveryView = () => (byId<HTMLSelectElement>("push-view").value === "failed" ? "failed" : "recent");

/** The selected app's deliveries, when its Pushes card is open and push is set: one request at most. */
async function updateDeliveries(mine: number, selected: string | null): Promise<void> {
  const app = selectedApp();
  if (!selected || !app?.push || !pushCard().open) return;
  const view = deliveryView();
  const query = new URLSearchParams({ limit: String(DELIVERY_PAGE_SIZE) });
  if (view === "failed") query.set("state", "failed");
  const answer = await call<DeliveryPage>("GET", `${appPath(selected)}/push/deliveries?${query}`);
  if (mine !== session || selected !== selectedKey() || view !== deliveryView()) return;
  deliveries = answer.ok ? answer.data.deliveries : [];
  deliveriesProblem = answer.ok ? null : answer.message;
  deliveriesOf = `${selected} ${view}`;
  paintDeliveries();
}

function targetLine(target: PushTarget): string {
  return target.reply ? `${target.url} reply` : target.url;
}

function paintPush(app: AppDetail): void {
  const push = app.push;
  byId("push-summary").textContent = push
    ? `${push.targets.length} target${push.targets.length === 1 ? "" : "s"}`
    : "not set";
  byId<HTMLButtonElement>("rotate-push-secret").disabled = !push;
  if (pushFormOf !== app.appKey) {
    pushFormOf = app.appKey;
    byId<HTMLTextAreaElement>("push-targets").value = push ? push.targets.map(targetLine).join("\n") : "";
  }
  const box = byId("push-settings");
  if (!push) {
    box.replaceChildren(
      el(
        "p",
        { cls: "muted", testid: "push-not-set" },
        "Push is not set for this app: enter the Token from WeChat's console (开发 › 基本配置 › 服务器配置) and the targets below. The server URL to paste there appears once it is saved.",
      ),
    );
    paintDeliveries();
    return;
  }
  const copy = el("button", { testid: "copy-push-url", attrs: { type: "button" } }, "Copy");
  const copied = el("span", { cls: "muted" });
  const url = el("code", { cls: "push-url", testid: "push-url" }, push.url);
  copy.addEventListener("click", () => void copyText(url, copied, "URL"));
  box.replaceChildren(
    el(
      "dl",
      { cls: "facts" },
      ...fact("Server URL (服务器地址)", "push-url-fact", url, " ", copy, " ", copied),
      ...fact("Token (令牌)", "push-token-set", badge("ok", "set")),
      ...fact(
        "EncodingAESKey",
        "push-key-set",
        push.encodingAESKeySet
          ? badge("ok", "set")
          : el("span", {}, badge("", "not set"), el("span", { cls: "muted" }, " (plaintext mode only)")),
      ),
      ...fact(
        "Targets",
        "push-targets-list",
        el(
          "ul",
          { cls: "plain" },
          ...push.targets.map((target) =>
            el(
              "li",
              { testid: "push-target" },
              el("span", { cls: "mono" }, target.url),
              target.reply ? " " : null,
              target.reply ? badge("ok", "replier") : null,
            ),
          ),
        ),
      ),
    ),
  );
  paintDeliveries();
}

function paintDeliveries(): void {
  const app = selectedApp();
  const view = deliveryView();
  const current = app?.push && deliveriesOf === `${app.appKey} ${view}`;
  const shown = current ? deliveries : [];
  const painted = fingerprint([deliveriesOf, shown, deliveriesProblem, view, Boolean(app?.push)]);
  showNotice(byId("deliveries-error"), current ? deliveriesProblem : null);
  const empty = byId("deliveries-empty");
  empty.textContent = !app?.push
    ? "No deliveries: push is not set."
    : !current
      ? "Loading deliveries…"
      : view === "failed"
        ? "No failed delivery: every target took what was sent (failures are kept 7 days)."
        : "No delivery yet (delivered ones are kept 24 hours).";
  empty.hidden = shown.length > 0;
  byId("deliveries").hidden = shown.length === 0;
  if (painted === paintedDeliveries) return;
  paintedDeliveries = painted;
  const rows = shown.map((delivery) => {
    const state = DELIVERY_STATES[delivery.state] ?? { kind: "", label: delivery.state };
    let retry: HTMLButtonElement | null = null;
    if (delivery.state === "failed") {
      const button = el("button", { testid: "retry-delivery", attrs: { type: "button" } }, "Retry");
      button.addEventListener("click", () => void retryDelivery(delivery.id, button));
      retry = button;
    }
    const row = el(
      "tr",
      { testid: "delivery-row" },
      el("td", { cls: "mono small delivery-cell", testid: "delivery-id" }, delivery.id),
      el("td", { cls: "mono small delivery-cell", testid: "delivery-target" }, delivery.target),
      el("td", { testid: "delivery-state" }, badge(state.kind, state.label)),
      el(
        "td",
        { testid: "delivery-attempts" },
        `${delivery.attempts} tr${delivery.attempts === 1 ? "y" : "ies"} · `,
        delivery.lastStatus === null
          ? el("span", { cls: "muted" }, delivery.attempts === 0 ? "—" : "no answer")
          : `HTTP ${delivery.lastStatus}`,
      ),
      el("td", {}, when(delivery.receivedAt)),
      el("td", { cls: "actions" }, retry),
    );
    row.dataset.deliveryId = delivery.id;
    row.dataset.state = delivery.state;
    return row;
  });
  byId("deliveries")
    .querySelector("tbody")
    ?.replaceChildren(...rows);
}

/** "reply" at the end of a line makes that target the replier. */
function parseTargets(text: string): PushTarget[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [url = "", ...rest] = line.split(/\s+/);
      return rest.length > 0 && rest.join(" ").toLowerCase() === "reply" ? { url, reply: true } : { url };
    });
}

async function savePush(form: HTMLFormElement): Promise<void> {
  const app = selectedApp();
  if (!app) return;
  const token = byId<HTMLInputElement>("push-token");
  const key = byId<HTMLInputElement>("push-aes-key");
  const push: { token?: string; encodingAESKey?: string; targets?: PushTarget[] } = {};
  if (token.value.trim()) push.token = token.value.trim();
  if (key.value.trim()) push.encodingAESKey = key.value.trim();
  const targets = parseTargets(byId<HTMLTextAreaElement>("push-targets").value);
  if (targets.length > 0) push.targets = targets;
  const sentSecrets = push.token !== undefined || push.encodingAESKey !== undefined;
  // The token and key leave the page with this request and are never shown again.
  token.value = "";
  key.value = "";
  const result = byId("push-result");
  const submit = byId<HTMLButtonElement>("push-submit");
  submit.disabled = true;
  const answer = await call<App>("PUT", appPath(app.appKey), { appId: app.appId, push });
  submit.disabled = false;
  if (app.appKey !== selectedKey() || !form.isConnected) return;
  if (!answer.ok) {
    showNotice(
      result,
      `Push not saved: ${answer.message}${sentSecrets ? " (enter the token and key again)" : ""}`,
    );
    return;
  }
  showNotice(result, `Push settings saved at ${clock(Date.now())}.`, "ok");
  const secret = answer.data.push?.deliverySecret;
  if (secret) showPushSecret(secret);
  pushFormOf = null;
  await update();
}

async function rotatePushSecret(button: HTMLButtonElement): Promise<void> {
  const app = selectedApp();
  if (!app?.push) return;
  if (
    !confirm(
      `Rotate the delivery secret of ${app.appKey}? The current one stops signing at once, retries of earlier deliveries included: every target must be given the new one.`,
    )
  )
    return;
  button.disabled = true;
  const answer = await call<DeliverySecret>("POST", `${appPath(app.appKey)}/push/secret`);
  button.disabled = false;
  if (app.appKey !== selectedKey()) return;
  if (!answer.ok) {
    showNotice(byId("push-result"), `Not rotated: ${answer.message}`);
    return;
  }
  showNotice(byId("push-result"), `Delivery secret rotated at ${clock(Date.now())}.`, "ok");
  showPushSecret(answer.data.deliverySecret);
}

/** The secret exists only in this box's text until "Done": no variable keeps it. */
function showPushSecret(secret: string): void {
  byId("push-secret-value").textContent = secret;
  byId("push-secret-copy-result").textContent = "";
  byId("push-secret").hidden = false;
}

function hidePushSecret(): void {
  byId("push-secret-value").textContent = "";
  byId("push-secret-copy-result").textContent = "";
  byId("push-secret").hidden = true;
}

async function retryDelivery(id: string, button: HTMLButtonElement): Promise<void> {
  const appKey = selectedKey();
  if (!appKey) return;
  button.disabled = true;
  const answer = await call<{ queued: true }>(
    "POST",
    `${appPath(appKey)}/push/deliveries/${encodeURIComponent(id)}/retry`,
  );
  button.disabled = false;
  if (appKey !== selectedKey()) return;
  showNotice(
    byId("push-result"),
    answer.ok ? `Delivery ${id} queued again (same id).` : `Not retried: ${answer.message}`,
    answer.ok ? "ok" : "error",
  );
  await update();
}

async function copyText(value: HTMLElement, note: HTMLElement, what: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(value.textContent ?? "");
    note.textContent = "Copied.";
  } catch {
    getSelection()?.selectAllChildren(value);
    note.textContent = `The browser refused the clipboard: the ${what} is selected, copy it by hand.`;
  }
}

function clearPushes(): void {
  hidePushSecret();
  deliveries = [];
  deliveriesProblem = null;
  deliveriesOf = null;
  pushFormOf = null;
  paintedDeliveries = "";
  byId<HTMLInputElement>("push-token").value = "";
  byId<HTMLInputElement>("push-aes-key").value = "";
  byId<HTMLTextAreaElement>("push-targets").value = "";
  showNotice(byId("push-result"), null);
  showNotice(byId("deliveries-error"), null);
  byId("push-settings").replaceChildren();
  byId("deliveries").querySelector("tbody")?.replaceChildren();
}

// ---- start -----------------------------------------------------------------------------------

addListControls();
addOperatorTools();

byId<HTMLFormElement>("signin-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const token = byId<HTMLInputElement>("admin-token").value.trim();
  if (token) void signIn(token, true);
});
byId("sign-out").addEventListener("click", () => signOut());
byId("reload-now").addEventListener("click", () => void update());
byId<HTMLFormElement>("register-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void register(event.currentTarget as HTMLFormElement);
});
byId<HTMLButtonElement>("force-refresh").addEventListener("click", (event) => {
  void forceRefresh(event.currentTarget as HTMLButtonElement);
});
byId<HTMLButtonElement>("create-key").addEventListener("click", (event) => {
  void createKey(event.currentTarget as HTMLButtonElement);
});
byId("copy-key").addEventListener("click", () => void copyKey());
byId("dismiss-key").addEventListener("click", hideNewKey);
byId("delete-app").addEventListener("click", () => void removeApp());
byId("edit-app").addEventListener("click", editSelected);
byId("platforms-previous").addEventListener("click", () => turnPlatformPage(false));
byId("platforms-next").addEventListener("click", () => turnPlatformPage(true));
byId("authorizers-previous").addEventListener("click", () => turnAuthorizerPage(false));
byId("authorizers-next").addEventListener("click", () => turnAuthorizerPage(true));
byId<HTMLFormElement>("push-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void savePush(event.currentTarget as HTMLFormElement);
});
byId<HTMLButtonElement>("rotate-push-secret").addEventListener("click", (event) => {
  void rotatePushSecret(event.currentTarget as HTMLButtonElement);
});
byId("copy-push-secret").addEventListener("click", () => {
  void copyText(byId("push-secret-value"), byId("push-secret-copy-result"), "secret");
});
byId("dismiss-push-secret").addEventListener("click", hidePushSecret);
byId("pushes-card").addEventListener("toggle", () => {
  if (pushCard().open) void update();
});
byId("push-view").addEventListener("change", () => {
  paintDeliveries();
  void update();
});
byId<HTMLFormElement>("links-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void makeLinks(event.currentTarget as HTMLFormElement);
});
window.addEventListener("hashchange", selectionChanged);
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) void update();
});
window.setInterval(tick, 1000);

const saved = storedToken();
if (saved) void signIn(saved, false);
else showSignIn(null);

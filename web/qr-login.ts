// /demo/qr-login/{appKey}: the web side of QR-Auth (SPEC §7) and, with the WeChat simulator, a
// simulated phone, in one window. The web side talks only to the demo's own backend
// (/demo/qr-login/{appKey}/session…), which plays the web app's server; the phone calls the
// gateway's public API as a mini program would. Every value shown is set with textContent.

// QR-Auth's answer shapes, from the zod schemas that define them (types only: nothing of zod
// reaches the bundle). Importing also makes this file a module, so its names are its own.
import type { z } from "@hono/zod-openapi";
import type {
  JwksSchema,
  QrStatusSchema,
  ScanResultSchema,
  TokenModelSchema,
} from "../src/qrauth/schemas.ts";
import { type Answer, callGateway } from "./envelope.ts";

type Status = z.output<typeof QrStatusSchema>;
type TokenModel = z.output<typeof TokenModelSchema>;
type PhoneInfo = { simulator: boolean; requireEmailCode?: boolean; requirePhoneCode?: boolean };
type ScanResult = z.output<typeof ScanResultSchema>;
type Jwk = z.output<typeof JwksSchema>["keys"][number];

const appKey = document.body.dataset.appkey ?? "";
const demo = `/demo/qr-login/${encodeURIComponent(appKey)}`;
const qrApi = `/Wechat/${encodeURIComponent(appKey)}/QR-Auth`;
const POLL_MS = 1000;

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element as T;
}

/** The success's data, or an Error carrying the envelope's message. */
function dataOf<T>(answer: Answer<T>, what: string): T {
  if (!answer.ok) throw new Error(`${what}: ${answer.message}`);
  return answer.data;
}

function setBadge(badge: HTMLElement, text: string, tone: "" | "ok" | "warn" | "bad"): void {
  badge.textContent = text;
  badge.className = tone ? `badge ${tone}` : "badge";
}

function showError(element: HTMLElement, error: unknown): void {
  element.textContent = error instanceof Error ? error.message : String(error);
  element.hidden = false;
}

function fillFacts(list: HTMLElement, facts: [string, string][]): void {
  list.replaceChildren();
  for (const [name, value] of facts) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
}

// ---- the web page ---------------------------------------------------------------------------------

const web = {
  badge: byId("web-badge"),
  status: byId("web-status"),
  start: byId<HTMLButtonElement>("start"),
  restart: byId<HTMLButtonElement>("restart"),
  codeBox: byId("code-box"),
  codeImage: byId<HTMLImageElement>("code-image"),
  signInKey: byId("sign-in-key"),
  countdown: byId("countdown"),
  loggedIn: byId("logged-in"),
  verifyBadge: byId("verify-badge"),
  verifyDetail: byId("verify-detail"),
  claims: byId("claims"),
  jwtHeader: byId("jwt-header"),
  jwt: byId("jwt"),
  error: byId("web-error"),
};

/**
 * The session the page shows; a new Start replaces it, and stale polls notice and stop. `handle` is
 * what the demo's backend gave this page alone when it opened the session: its code and status
 * answer only to it. Kept in memory only, so it goes with the page.
 */
let current: { signInKey: number; handle: string; expiresAt: number; objectUrl: string | null } | null = null;
let pollTimer: number | undefined;
let tickTimer: number | undefined;

function stopTimers(): void {
  window.clearTimeout(pollTimer);
  window.clearInterval(tickTimer);
}

function resetWeb(): void {
  stopTimers();
  if (current?.objectUrl) URL.revokeObjectURL(current.objectUrl);
  current = null;
  web.codeBox.hidden = true;
  web.codeImage.removeAttribute("src");
  web.loggedIn.hidden = true;
  web.error.hidden = true;
  web.restart.hidden = true;
  phoneSessionChanged();
}

async function start(): Promise<void> {
  resetWeb();
  web.start.disabled = true;
  setBadge(web.badge, "starting", "");
  web.status.textContent = "Opening a sign-in session…";
  try {
    const opened = dataOf(
      await callGateway<{ signInKey: number; handle: string; expires_in: number }>(
        "POST",
        `${demo}/session`,
        {
          body: {},
        },
      ),
      "opening a session",
    );
    const session = {
      signInKey: opened.signInKey,
      handle: opened.handle,
      expiresAt: Date.now() + opened.expires_in * 1000,
      objectUrl: null,
    };
    current = session;
    web.signInKey.textContent = String(session.signInKey);
    const image = await fetch(`${demo}/session/${session.signInKey}/code`, {
      headers: { Authorization: `Bearer ${session.handle}` },
      cache: "no-store",
      credentials: "omit",
    });
    if (!image.ok) {
      const body = (await image.json().catch(() => null)) as { error?: string } | null;
      throw new Error(`the code: ${body?.error ?? `HTTP ${image.status}`}`);
    }
    const objectUrl = URL.createObjectURL(await image.blob());
    if (current !== session) {
      URL.revokeObjectURL(objectUrl);
      return;
    }
    current = { ...session, objectUrl };
    web.codeImage.src = objectUrl;
    web.codeBox.hidden = false;
    setBadge(web.badge, "pending", "warn");
    web.status.textContent = "Waiting for a scan: open WeChat and scan the code.";
    tick();
    tickTimer = window.setInterval(tick, 1000);
    phoneSessionChanged();
    void poll(session.signInKey, session.handle);
  } catch (error) {
    setBadge(web.badge, "error", "bad");
    web.status.textContent = "The sign-in could not start.";
    showError(web.error, error);
    web.restart.hidden = false;
  } finally {
    web.start.disabled = false;
    web.start.hidden = current !== null;
  }
}

function tick(): void {
  if (!current) return;
  const seconds = Math.max(0, Math.ceil((current.expiresAt - Date.now()) / 1000));
  web.countdown.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

async function poll(signInKey: number, handle: string): Promise<void> {
  if (current?.signInKey !== signInKey) return;
  const answer = await callGateway<Status>("GET", `${demo}/session/${signInKey}`, { token: handle });
  if (!answer.ok && answer.status === 0) {
    // A dropped connection: try again on the next beat.
    pollTimer = window.setTimeout(() => void poll(signInKey, handle), POLL_MS);
    return;
  }
  if (current?.signInKey !== signInKey) return;
  if (!answer.ok) {
    finish("error", "bad", "The session is gone.");
    showError(web.error, new Error(answer.message));
    return;
  }
  const status = answer.data;
  current.expiresAt = Date.now() + status.expires_in * 1000;
  switch (status.status) {
    case "pending":
      break;
    case "scanned": {
      const who =
        status.scanner?.nickName ?? (status.scanner?.registered ? "a registered user" : "a new user");
      setBadge(web.badge, "scanned", "warn");
      web.status.textContent = `Scanned by ${who} — waiting for confirmation on the phone.`;
      break;
    }
    case "confirmed":
      if (status.token) {
        finish("logged in", "ok", "Logged in: this page's backend picked the token up, once. What it says:");
        await showToken(status.token.access_token);
        return;
      }
      break;
    case "consumed":
      finish("consumed", "bad", "This sign-in was already picked up elsewhere: start again.");
      return;
    case "expired":
      finish("expired", "bad", "The code expired before anyone confirmed it: start again.");
      return;
  }
  pollTimer = window.setTimeout(() => void poll(signInKey, handle), POLL_MS);
}

function finish(badge: string, tone: "ok" | "bad", message: string): void {
  stopTimers();
  web.codeBox.hidden = true;
  setBadge(web.badge, badge, tone);
  web.status.textContent = message;
  web.countdown.textContent = "—";
  web.restart.hidden = false;
  phoneSessionChanged();
}

// ---- the token ----------------------------------------------------------------------------------

function base64UrlBytes(part: string): Uint8Array<ArrayBuffer> {
  const base64 = part.replaceAll("-", "+").replaceAll("_", "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64UrlBytes(part))) as Record<string, unknown>;
}

function timeOf(seconds: unknown): string {
  return typeof seconds === "number" ? `${new Date(seconds * 1000).toLocaleString()} (${seconds})` : "—";
}

async function showToken(jwt: string): Promise<void> {
  web.loggedIn.hidden = false;
  const [headerPart = "", claimsPart = "", signaturePart = ""] = jwt.split(".");
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodePart(headerPart);
    claims = decodePart(claimsPart);
  } catch {
    setBadge(web.verifyBadge, "not a JWT", "bad");
    return;
  }
  const text = (value: unknown) => (value === undefined ? "—" : String(value));
  fillFacts(web.claims, [
    ["iss (issuer)", text(claims.iss)],
    ["sub (user)", text(claims.sub)],
    ["aud (appKey)", text(claims.aud)],
    ["scope", text(claims.scope)],
    ["iat (issued)", timeOf(claims.iat)],
    ["exp (expires)", timeOf(claims.exp)],
    ["jti", text(claims.jti)],
  ]);
  web.jwtHeader.textContent = JSON.stringify(header, null, 2);
  web.jwt.textContent = jwt;
  try {
    const verified = await verifySignature(header, `${headerPart}.${claimsPart}`, signaturePart);
    const problems = [
      claims.aud === appKey ? "" : `aud is not ${appKey}`,
      claims.iss === location.origin ? "" : `iss is not ${location.origin}`,
      typeof claims.exp === "number" && claims.exp * 1000 > Date.now() ? "" : "expired",
    ].filter(Boolean);
    if (!verified) {
      setBadge(web.verifyBadge, "signature does NOT verify", "bad");
    } else if (problems.length > 0) {
      setBadge(web.verifyBadge, "signature verified", "warn");
      web.verifyDetail.textContent = `but ${problems.join(", ")}`;
    } else {
      setBadge(web.verifyBadge, "signature verified", "ok");
      web.verifyDetail.textContent = `ES256 with key ${text(header.kid)} from /.well-known/jwks.json, in this browser`;
    }
  } catch (error) {
    setBadge(web.verifyBadge, "could not check the signature", "bad");
    web.verifyDetail.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** ES256 with the published key named by the header's kid (Web Crypto takes JWS's raw r‖s as is). */
async function verifySignature(
  header: Record<string, unknown>,
  signed: string,
  signature: string,
): Promise<boolean> {
  if (header.alg !== "ES256") return false;
  const jwks = (await (await fetch("/.well-known/jwks.json")).json()) as { keys: Jwk[] };
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`no published key has kid ${String(header.kid)}`);
  const key = await crypto.subtle.importKey(
    "jwk",
    { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  return crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    base64UrlBytes(signature),
    new TextEncoder().encode(signed),
  );
}

// ---- the simulated phone ------------------------------------------------------------------------

const phone = {
  panel: byId("phone"),
  badge: byId("phone-badge"),
  user: byId<HTMLSelectElement>("phone-user"),
  scan: byId<HTMLButtonElement>("scan"),
  confirm: byId<HTMLButtonElement>("confirm"),
  consent: byId("consent"),
  consentLogo: byId("consent-logo"),
  consentName: byId("consent-name"),
  consentDescription: byId("consent-description"),
  consentFacts: byId("consent-facts"),
  registerFields: byId("register-fields"),
  nickName: byId<HTMLInputElement>("nick-name"),
  emailFields: byId("email-fields"),
  email: byId<HTMLInputElement>("email"),
  phoneFields: byId("phone-fields"),
  phoneNumber: byId<HTMLInputElement>("phone-number"),
  status: byId("phone-status"),
  error: byId("phone-error"),
  log: byId("phone-log"),
};

let phoneInfo: PhoneInfo = { simulator: false };
/** The signInKey the phone panel is about (its log and consent card), and what it did with it. */
let phoneFor: number | null = null;
let phoneStage: "idle" | "scanned" | "confirmed" = "idle";
/** The phone's signed-in mini-program user (from JSCode2Session) and the unionID it registers with. */
let phoneUser: { session: string; unionID: string } | null = null;
let phoneBusy = false;

function logCall(method: string, path: string, status: number | string): void {
  const item = document.createElement("li");
  item.textContent = `${method} ${path} → ${status}`;
  phone.log.append(item);
}

/** A call the phone makes, logged with its answer's status (session tokens are never shown). */
async function phoneCall<T>(
  method: string,
  path: string,
  shown: string,
  options: { body?: unknown; token?: string } = {},
): Promise<Answer<T>> {
  const answer = await callGateway<T>(method, path, options);
  logCall(method, shown, answer.status);
  return answer;
}

/** Keeps the phone in step with the web side: a new code resets it; buttons follow the stage. */
function phoneSessionChanged(): void {
  const signInKey = current?.signInKey ?? null;
  const waiting = current !== null && current.objectUrl !== null && web.restart.hidden;
  if (signInKey !== phoneFor) {
    phoneFor = signInKey;
    phoneStage = "idle";
    phoneUser = null;
    phone.consent.hidden = true;
    phone.registerFields.hidden = true;
    phone.error.hidden = true;
    phone.log.replaceChildren();
    setBadge(phone.badge, "idle", "");
  }
  if (phoneStage === "idle" && !phoneBusy) {
    phone.status.textContent = waiting
      ? "A code is on screen: press Scan to scan it."
      : "Start a sign-in on the left, then scan it here.";
  }
  phone.scan.disabled = phoneBusy || !waiting || phoneStage !== "idle";
  phone.confirm.disabled = phoneBusy || !waiting || phoneStage !== "scanned";
}

async function phoneStep(step: () => Promise<void>): Promise<void> {
  phoneBusy = true;
  phone.error.hidden = true;
  phoneSessionChanged();
  try {
    await step();
  } catch (error) {
    setBadge(phone.badge, "error", "bad");
    showError(phone.error, error);
  } finally {
    phoneBusy = false;
    phoneSessionChanged();
  }
}

async function scan(): Promise<void> {
  const signInKey = current?.signInKey;
  if (signInKey === undefined) return;
  phone.status.textContent = "wx.login…";
  const login = dataOf(
    await phoneCall<{ code: string; openid: string; unionid: string | null }>(
      "POST",
      `${demo}/phone/wx-login`,
      "wx.login (simulator)",
      { body: { user: phone.user.value } },
    ),
    "wx.login",
  );
  const session = dataOf(
    await phoneCall<string>(
      "GET",
      `/Wechat/${encodeURIComponent(appKey)}/JSCode2Session?js_code=${encodeURIComponent(login.code)}`,
      `/Wechat/${appKey}/JSCode2Session?js_code=…`,
    ),
    "JSCode2Session",
  );
  phoneUser = { session, unionID: login.unionid ?? login.openid };
  phone.status.textContent = "Scanning…";
  const scanned = dataOf(
    await phoneCall<ScanResult>("POST", `${qrApi}/Scan`, `${qrApi}/Scan`, {
      body: { signInKey },
      token: session,
    }),
    "Scan",
  );
  if (phoneFor !== signInKey) return;
  phoneStage = "scanned";
  showConsent(scanned);
  setBadge(phone.badge, "scanned", "warn");
  phone.status.textContent = `${scanned.name || appKey} asks you to sign in. Confirm?`;
}

function showConsent(result: ScanResult): void {
  const name = result.name || appKey;
  // The logo is an address on the app's own site: this page loads nothing from elsewhere.
  phone.consentLogo.textContent = name.slice(0, 1).toUpperCase();
  phone.consentName.textContent = name;
  phone.consentDescription.textContent = result.description;
  const tags = Array.isArray(result.tags) ? result.tags.join(", ") : result.tags;
  fillFacts(
    phone.consentFacts,
    [
      ["asks for", result.scopes || "(no scopes)"],
      ["remark", result.remark],
      ["scheme", result.scheme],
      ["website", result.website],
      ["tags", tags],
    ].filter((fact): fact is [string, string] => Boolean(fact[1])),
  );
  phone.consent.hidden = false;
  phone.registerFields.hidden = false;
  phone.emailFields.hidden = !phoneInfo.requireEmailCode;
  phone.phoneFields.hidden = !phoneInfo.requirePhoneCode;
}

async function confirm(): Promise<void> {
  const signInKey = phoneFor;
  if (signInKey === null || !phoneUser || phoneStage !== "scanned") return;
  const token = phoneUser.session;
  phone.status.textContent = "Confirming…";
  const login = await phoneCall<TokenModel>("POST", `${qrApi}/Confirm-Login`, `${qrApi}/Confirm-Login`, {
    body: { signInKey },
    token,
  });
  if (login.status === 200) {
    done("Signed in: the web page picks the token up on its next poll.");
    return;
  }
  if (login.status !== 404) dataOf(login, "Confirm-Login");
  // Not registered for this app yet: register (with the codes the app asks for) and confirm.
  phone.status.textContent = "Not registered yet: registering…";
  const fields: Record<string, unknown> = { signInKey, unionID: phoneUser.unionID };
  const nickName = phone.nickName.value.trim();
  if (nickName) fields.nickName = nickName;
  if (phoneInfo.requireEmailCode) {
    fields.email = phone.email.value.trim();
    fields.emailCode = await verificationCode("email", String(fields.email), token);
  }
  if (phoneInfo.requirePhoneCode) {
    fields.phone = phone.phoneNumber.value.trim();
    fields.phoneCode = await verificationCode("phone", String(fields.phone), token);
  }
  dataOf(
    await phoneCall<TokenModel>("POST", `${qrApi}/Confirm-Register`, `${qrApi}/Confirm-Register`, {
      body: fields,
      token,
    }),
    "Confirm-Register",
  );
  done(`Registered${nickName ? ` as ${nickName}` : ""} and signed in: the web page picks the token up next.`);
}

/** SendCode, then the code as the user would read it from their mailbox (the simulator's). */
async function verificationCode(channel: "email" | "phone", target: string, token: string): Promise<string> {
  dataOf(
    await phoneCall("POST", `${qrApi}/SendCode`, `${qrApi}/SendCode (${channel})`, {
      body: { channel, target },
      token,
    }),
    "SendCode",
  );
  const received = dataOf(
    await phoneCall<{ code: string }>(
      "GET",
      `${demo}/phone/codes?target=${encodeURIComponent(target)}`,
      `${channel === "email" ? "mailbox" : "SMS inbox"} (simulator)`,
    ),
    "reading the code",
  );
  return received.code;
}

function done(message: string): void {
  phoneStage = "confirmed";
  setBadge(phone.badge, "confirmed", "ok");
  phone.status.textContent = message;
  phone.registerFields.hidden = true;
}

// ---- start-up -----------------------------------------------------------------------------------

web.start.addEventListener("click", () => void start());
web.restart.addEventListener("click", () => void start());
phone.scan.addEventListener("click", () => void phoneStep(scan));
phone.confirm.addEventListener("click", () => void phoneStep(confirm));

async function probePhone(): Promise<void> {
  try {
    phoneInfo = dataOf(await callGateway<PhoneInfo>("GET", `${demo}/phone`), "the phone");
  } catch {
    phoneInfo = { simulator: false };
  }
  phone.panel.hidden = !phoneInfo.simulator;
  phoneSessionChanged();
}

void probePhone();

import { isTimeout, withDeadline } from "./deadline.ts";
import { BUSY_ERRCODES, QUOTA_ERRCODES } from "./errcodes.ts";
import { fullJitterDelayMs, sleep } from "./retry.ts";

/** Bounds one upstream call; WeChat normally answers in well under a second. */
export const UPSTREAM_TIMEOUT_MS = 5_000;
/** Attempts per refresh for busy/5xx/timeout/garbage answers before giving up for now. */
export const UPSTREAM_MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 2_000;

export type TokenMode = "stable" | "classic";

/**
 * Why an upstream call failed, which decides what happens next:
 * - `transient`: busy (-1/-1000), HTTP 5xx, timeout, dropped connection, unparsable answer: retry with backoff;
 * - `quota`: WeChat's 45009/45011: never retried before the quota resets;
 * - `definite`: any other errcode (bad appid/secret, IP whitelist...): retrying cannot help;
 * - `budget`: our own daily budget of upstream calls is used up, so nothing was sent.
 */
export type FailureKind = "transient" | "quota" | "definite" | "budget";

export type UpstreamFailure = {
  ok: false;
  kind: FailureKind;
  errcode?: number;
  errmsg?: string;
  /** Safe to show: never contains the secret or a token. */
  reason: string;
};

export type IssuedCredential = { ok: true; value: string; expiresInSeconds: number };
export type UpstreamResult = IssuedCredential | UpstreamFailure;

/** Asked before every attempt; false means the daily budget is used up and nothing is sent. */
export type UpstreamAttemptHook = (attempt: number) => boolean;

function failure(kind: FailureKind, reason: string, errcode?: number, errmsg?: string): UpstreamFailure {
  return { ok: false, kind, reason, ...(errcode === undefined ? {} : { errcode, errmsg: errmsg ?? "" }) };
}

function classify(errcode: number): FailureKind {
  if (BUSY_ERRCODES.has(errcode)) return "transient";
  if (QUOTA_ERRCODES.has(errcode)) return "quota";
  return "definite";
}

/** Reads a WeChat JSON answer; anything unexpected becomes a transient failure, never a throw. */
async function callWeChat<T extends { ok: true }>(
  url: string,
  init: RequestInit,
  pick: (body: Record<string, unknown>) => T | null,
): Promise<T | UpstreamFailure> {
  let response: Response;
  let text: string;
  try {
    [response, text] = await withDeadline(UPSTREAM_TIMEOUT_MS, async (signal) => {
      const answer = await fetch(url, { ...init, signal });
      return [answer, await answer.text()] as const;
    });
  } catch (error) {
    return failure(
      "transient",
      isTimeout(error) ? "WeChat did not answer in time" : "the connection to WeChat failed",
    );
  }
  if (response.status >= 500) return failure("transient", `WeChat answered HTTP ${response.status}`);
  if (response.status !== 200) return failure("definite", `WeChat answered HTTP ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return failure("transient", "WeChat's answer was not valid JSON");
  }
  if (typeof body !== "object" || body === null)
    return failure("transient", "WeChat's answer was not a JSON object");
  const record = body as Record<string, unknown>;
  const errcode = typeof record.errcode === "number" ? record.errcode : 0;
  if (errcode !== 0) {
    const errmsg = typeof record.errmsg === "string" ? record.errmsg : "";
    return failure(classify(errcode), `WeChat answered errcode ${errcode}`, errcode, errmsg);
  }
  return pick(record) ?? failure("transient", "WeChat's answer lacked the expected fields");
}

function pickField(field: "access_token" | "ticket") {
  return (body: Record<string, unknown>): IssuedCredential | null => {
    const value = body[field];
    const expiresIn = body.expires_in;
    if (typeof value !== "string" || value === "" || typeof expiresIn !== "number" || expiresIn <= 0) {
      return null;
    }
    return { ok: true, value, expiresInSeconds: expiresIn };
  };
}

export type AccessTokenRequest = {
  base: string;
  appId: string;
  appSecret: string;
  mode: TokenMode;
  forceRefresh?: boolean;
};

/** One call to /cgi-bin/stable_token (normal or forced) or /cgi-bin/token. */
export function requestAccessToken(req: AccessTokenRequest): Promise<UpstreamResult> {
  if (req.mode === "stable") {
    return callWeChat(
      `${req.base}/cgi-bin/stable_token`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          grant_type: "client_credential",
          appid: req.appId,
          secret: req.appSecret,
          force_refresh: req.forceRefresh === true,
        }),
      },
      pickField("access_token"),
    );
  }
  const query = new URLSearchParams({
    grant_type: "client_credential",
    appid: req.appId,
    secret: req.appSecret,
  });
  return callWeChat(`${req.base}/cgi-bin/token?${query}`, { method: "GET" }, pickField("access_token"));
}

/** One call to /cgi-bin/ticket/getticket?type=jsapi with the given access_token. */
export function requestJsapiTicket(base: string, accessToken: string): Promise<UpstreamResult> {
  const query = new URLSearchParams({ access_token: accessToken, type: "jsapi" });
  return callWeChat(`${base}/cgi-bin/ticket/getticket?${query}`, { method: "GET" }, pickField("ticket"));
}

/**
 * Retries transient failures with capped exponential backoff and full jitter. `beforeAttempt`
 * counts each call against the daily budget and may refuse it.
 */
export async function withRetries(
  attempt: () => Promise<UpstreamResult>,
  beforeAttempt: UpstreamAttemptHook,
  maxAttempts = UPSTREAM_MAX_ATTEMPTS,
): Promise<UpstreamResult> {
  let last: UpstreamFailure | undefined;
  for (let i = 0; i < maxAttempts; i++) {
    if (i > 0) await sleep(fullJitterDelayMs(i, RETRY_BASE_MS, RETRY_CAP_MS));
    if (!beforeAttempt(i))
      return last ?? failure("budget", "the daily budget of upstream token calls is used up");
    const result = await attempt();
    if (result.ok || result.kind !== "transient") return result;
    last = result;
  }
  return last!;
}

export type LoginSession = { ok: true; openid: string; sessionKey: string; unionid: string | null };

/**
 * /sns/jscode2session: exchanges a mini program's wx.login code for the user's openid and
 * session_key. Codes are single use, so the caller must not retry anything but "busy".
 */
export function requestLoginSession(req: {
  base: string;
  appId: string;
  appSecret: string;
  jsCode: string;
}): Promise<LoginSession | UpstreamFailure> {
  const query = new URLSearchParams({
    appid: req.appId,
    secret: req.appSecret,
    js_code: req.jsCode,
    grant_type: "authorization_code",
  });
  return callWeChat(`${req.base}/sns/jscode2session?${query}`, { method: "GET" }, (body) => {
    const { openid, session_key: sessionKey, unionid } = body;
    if (typeof openid !== "string" || openid === "" || typeof sessionKey !== "string" || sessionKey === "")
      return null;
    return { ok: true as const, openid, sessionKey, unionid: typeof unionid === "string" ? unionid : null };
  });
}

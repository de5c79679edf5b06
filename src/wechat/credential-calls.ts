import { BUSY_MAX_ATTEMPTS, BUSY_RETRY_BASE_MS, BUSY_RETRY_CAP_MS } from "./business-calls.ts";
import { isTimeout, withDeadline } from "./deadline.ts";
import { BUSY_ERRCODES, QUOTA_ERRCODES } from "./errcodes.ts";
import { type RetryPlan, withRetries } from "./retry.ts";

/** Bounds one upstream call; WeChat normally answers in well under a second. */
export const UPSTREAM_TIMEOUT_MS = 5_000;
/** Attempts per refresh for busy/5xx/timeout/garbage answers before giving up for now. */
export const UPSTREAM_MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 200;
const RETRY_CAP_MS = 2_000;

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

/**
 * A newly issued credential. `refreshToken`: an authorizer's refresh token WeChat handed back with
 * it (it may rotate on every call), which the keeper stores with the token before answering anyone.
 */
type IssuedCredential = { ok: true; value: string; expiresInSeconds: number; refreshToken?: string };
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
async function fetchWeChatJson<T extends { ok: true }>(
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

function pickField(field: "access_token" | "ticket" | "component_access_token" | "authorizer_access_token") {
  return (body: Record<string, unknown>): IssuedCredential | null => {
    const value = body[field];
    const expiresIn = body.expires_in;
    if (typeof value !== "string" || value === "" || typeof expiresIn !== "number" || expiresIn <= 0) {
      return null;
    }
    return { ok: true, value, expiresInSeconds: expiresIn };
  };
}

/** The AppSecret calls' common part: where WeChat (or a fixed-IP relay) is, and the app's credentials. */
export type SecretCall = { base: string; appId: string; appSecret: string };

/** One call to /cgi-bin/stable_token, in normal mode or with force_refresh. */
export function requestStableToken(req: SecretCall, forceRefresh: boolean): Promise<UpstreamResult> {
  return fetchWeChatJson(
    `${req.base}/cgi-bin/stable_token`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: req.appId,
        secret: req.appSecret,
        force_refresh: forceRefresh,
      }),
    },
    pickField("access_token"),
  );
}

/** One call to /cgi-bin/token: every call issues a new token. */
export function requestClassicToken(req: SecretCall): Promise<UpstreamResult> {
  const query = new URLSearchParams({
    grant_type: "client_credential",
    appid: req.appId,
    secret: req.appSecret,
  });
  return fetchWeChatJson(`${req.base}/cgi-bin/token?${query}`, { method: "GET" }, pickField("access_token"));
}

/** One call to /cgi-bin/ticket/getticket?type=jsapi with the given access_token. */
export function requestJsapiTicket(base: string, accessToken: string): Promise<UpstreamResult> {
  const query = new URLSearchParams({ access_token: accessToken, type: "jsapi" });
  return fetchWeChatJson(`${base}/cgi-bin/ticket/getticket?${query}`, { method: "GET" }, pickField("ticket"));
}

/**
 * How a token call (access_token, jsapi_ticket) is retried: transient failures, with capped
 * exponential backoff and full jitter. `beforeAttempt` counts each call against the daily budget
 * and may refuse it, and then nothing is sent.
 */
export function tokenCallRetries(
  beforeAttempt: UpstreamAttemptHook,
  maxAttempts = UPSTREAM_MAX_ATTEMPTS,
): RetryPlan<UpstreamResult> {
  return {
    maxAttempts,
    baseMs: RETRY_BASE_MS,
    capMs: RETRY_CAP_MS,
    retryable: (result) => !result.ok && result.kind === "transient",
    beforeAttempt: (attempt, last) =>
      beforeAttempt(attempt)
        ? undefined
        : (last ?? failure("budget", "the daily budget of upstream token calls is used up")),
  };
}

/** What /sns/jscode2session answers for a wx.login code WeChat accepted. */
export type CodeSession = { ok: true; openid: string; sessionKey: string; unionid: string | null };

/**
 * A wx.login code to exchange: with the app's own secret, or for a third-party platform's authorizer
 * with the platform's appid and component_access_token (/sns/component/jscode2session).
 */
export type LoginCodeRequest = { base: string; appId: string; jsCode: string } & (
  | { appSecret: string }
  | { componentAppId: string; componentAccessToken: string }
);

function pickCodeSession(body: Record<string, unknown>): CodeSession | null {
  const { openid, session_key: sessionKey, unionid } = body;
  if (typeof openid !== "string" || openid === "" || typeof sessionKey !== "string" || sessionKey === "")
    return null;
  return { ok: true, openid, sessionKey, unionid: typeof unionid === "string" ? unionid : null };
}

function loginCodeUrl(req: LoginCodeRequest, grantType: string): string {
  if ("componentAppId" in req) {
    const query = new URLSearchParams({
      appid: req.appId,
      js_code: req.jsCode,
      grant_type: grantType,
      component_appid: req.componentAppId,
      component_access_token: req.componentAccessToken,
    });
    return `${req.base}/sns/component/jscode2session?${query}`;
  }
  const query = new URLSearchParams({
    appid: req.appId,
    secret: req.appSecret,
    js_code: req.jsCode,
    grant_type: grantType,
  });
  return `${req.base}/sns/jscode2session?${query}`;
}

/**
 * /sns/jscode2session: exchanges a mini program's wx.login code for the user's openid and
 * session_key. A code is single use, so only "busy" answers, which say the code was not looked
 * at, are retried; a timeout or an HTTP 5xx may have used it up.
 */
export function exchangeLoginCode(req: LoginCodeRequest): Promise<CodeSession | UpstreamFailure> {
  return withRetries(
    () => fetchWeChatJson(loginCodeUrl(req, "authorization_code"), { method: "GET" }, pickCodeSession),
    {
      maxAttempts: BUSY_MAX_ATTEMPTS,
      baseMs: BUSY_RETRY_BASE_MS,
      capMs: BUSY_RETRY_CAP_MS,
      retryable: (result) => !result.ok && result.errcode !== undefined && BUSY_ERRCODES.has(result.errcode),
    },
  );
}

/** A WeChat answer relayed as it came (the proxy hands it to an SDK unchanged). */
export type ForwardedAnswer = { status: number; contentType: string; text: string };

/**
 * An SDK's own /sns/jscode2session call, made with the app's secret (which the SDK never has) and
 * the SDK's grant_type. WeChat's answer is passed back as it is, for the SDK to parse; like the rest
 * of the proxy it is not retried, and no answer is WeChat's "system error".
 */
export async function forwardLoginCode(
  req: LoginCodeRequest & { grantType: string },
): Promise<ForwardedAnswer> {
  const url = loginCodeUrl(req, req.grantType);
  try {
    return await withDeadline(UPSTREAM_TIMEOUT_MS, async (signal) => {
      const response = await fetch(url, { signal });
      return {
        status: response.status,
        contentType: response.headers.get("content-type") ?? "application/json",
        text: await response.text(),
      };
    });
  } catch {
    return { status: 502, contentType: "application/json", text: '{"errcode":-1,"errmsg":"system error"}' };
  }
}

// ---- Third-party platform (component) credential calls -------------------------------------------

/** A component's credentials: its appid and secret, and where WeChat (or the fixed-IP relay) is. */
export type ComponentCall = { base: string; componentAppId: string; componentAppSecret: string };

/** One call to /cgi-bin/component/api_component_token with the newest verify ticket. */
export function requestComponentToken(req: ComponentCall, verifyTicket: string): Promise<UpstreamResult> {
  return fetchWeChatJson(
    `${req.base}/cgi-bin/component/api_component_token`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        component_appid: req.componentAppId,
        component_appsecret: req.componentAppSecret,
        component_verify_ticket: verifyTicket,
      }),
    },
    pickField("component_access_token"),
  );
}

/** /cgi-bin/component/api_start_push_ticket: asks WeChat to push a verify ticket again. */
export function requestTicketPush(req: ComponentCall): Promise<{ ok: true } | UpstreamFailure> {
  return fetchWeChatJson(
    `${req.base}/cgi-bin/component/api_start_push_ticket`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ component_appid: req.componentAppId, component_secret: req.componentAppSecret }),
    },
    () => ({ ok: true as const }),
  );
}

/** A call made with the platform's component_access_token (in the query, as WeChat's docs write it). */
export type ComponentTokenCall = { base: string; componentAppId: string; componentAccessToken: string };

function componentPost(req: ComponentTokenCall, name: string, body: Record<string, unknown>) {
  const query = new URLSearchParams({ component_access_token: req.componentAccessToken });
  return [
    `${req.base}/cgi-bin/component/${name}?${query}`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ component_appid: req.componentAppId, ...body }),
    },
  ] as const;
}

/**
 * /cgi-bin/component/api_authorizer_token: an authorizer's access_token from its refresh token. The
 * answer's authorizer_refresh_token (which may be a new one) comes back as `refreshToken`.
 */
export function requestAuthorizerToken(
  req: ComponentTokenCall & { authorizerAppId: string; refreshToken: string },
): Promise<UpstreamResult> {
  return fetchWeChatJson(
    ...componentPost(req, "api_authorizer_token", {
      authorizer_appid: req.authorizerAppId,
      authorizer_refresh_token: req.refreshToken,
    }),
    (body) => {
      const issued = pickField("authorizer_access_token")(body);
      const refreshToken = body.authorizer_refresh_token;
      if (!issued) return null;
      return typeof refreshToken === "string" && refreshToken !== "" ? { ...issued, refreshToken } : issued;
    },
  );
}

/** One entry of api_get_authorizer_list: refreshToken is null while the code was never exchanged. */
export type ListedAuthorizer = { authorizerAppId: string; refreshToken: string | null };

/** One page of /cgi-bin/component/api_get_authorizer_list (count ≤ 500). */
export function requestAuthorizerList(
  req: ComponentTokenCall,
  offset: number,
  count: number,
): Promise<{ ok: true; total: number; list: ListedAuthorizer[] } | UpstreamFailure> {
  return fetchWeChatJson(...componentPost(req, "api_get_authorizer_list", { offset, count }), (body) => {
    if (typeof body.total_count !== "number" || !Array.isArray(body.list)) return null;
    const list: ListedAuthorizer[] = [];
    for (const entry of body.list as Record<string, unknown>[]) {
      if (typeof entry?.authorizer_appid !== "string") continue;
      const refreshToken = entry.refresh_token;
      list.push({
        authorizerAppId: entry.authorizer_appid,
        refreshToken: typeof refreshToken === "string" && refreshToken !== "" ? refreshToken : null,
      });
    }
    return { ok: true as const, total: body.total_count, list };
  });
}

/** What api_query_auth hands out for an authorization code. */
export type AuthorizationInfo = {
  ok: true;
  authorizerAppId: string;
  accessToken: string;
  expiresInSeconds: number;
  refreshToken: string;
  /** The permission-set ids the merchant granted (func_info[].funcscope_category.id). */
  funcInfo: number[];
};

/** /cgi-bin/component/api_query_auth: exchanges an authorization code (single use). Not retried. */
export function requestQueryAuth(
  req: ComponentTokenCall,
  authorizationCode: string,
): Promise<AuthorizationInfo | UpstreamFailure> {
  return fetchWeChatJson(
    ...componentPost(req, "api_query_auth", { authorization_code: authorizationCode }),
    (body) => {
      const info = body.authorization_info as Record<string, unknown> | undefined;
      if (typeof info !== "object" || info === null) return null;
      const {
        authorizer_appid: appId,
        authorizer_access_token: token,
        expires_in: expiresIn,
        authorizer_refresh_token: refreshToken,
      } = info;
      if (
        typeof appId !== "string" ||
        typeof token !== "string" ||
        typeof expiresIn !== "number" ||
        typeof refreshToken !== "string" ||
        refreshToken === ""
      )
        return null;
      const funcInfo = Array.isArray(info.func_info)
        ? (info.func_info as { funcscope_category?: { id?: unknown } }[])
            .map((entry) => entry?.funcscope_category?.id)
            .filter((id): id is number => typeof id === "number")
        : [];
      return {
        ok: true as const,
        authorizerAppId: appId,
        accessToken: token,
        expiresInSeconds: expiresIn,
        refreshToken,
        funcInfo,
      };
    },
  );
}

/** /cgi-bin/component/api_create_preauthcode: a single-use pre_auth_code for an authorization link. */
export function requestPreAuthCode(
  req: ComponentTokenCall,
): Promise<{ ok: true; preAuthCode: string; expiresInSeconds: number } | UpstreamFailure> {
  return fetchWeChatJson(...componentPost(req, "api_create_preauthcode", {}), (body) => {
    const { pre_auth_code: code, expires_in: expiresIn } = body;
    if (typeof code !== "string" || code === "" || typeof expiresIn !== "number") return null;
    return { ok: true as const, preAuthCode: code, expiresInSeconds: expiresIn };
  });
}

// Operator tools, so an operator need not open WeChat's console: how much of an API's
// daily quota is left (openapi/quota/get), what WeChat saw of a failed call (openapi/rid/get), and
// resetting the appid's daily quotas (clear_quota), which WeChat allows 10 times a month. Every
// call goes to WeChat with the appid's keeper-held token, like the gateway's own business calls.

import { GatewayError } from "../platform/errors.ts";
import { readSettings } from "../platform/settings.ts";
import { chinaIso, nextChinaMonthStart, secondsUntil } from "../platform/time.ts";
import { tokenSourceFor } from "../tokens/current-token.ts";
import { keeperFor } from "../tokens/keeper.ts";
import {
  CLEAR_QUOTA_MONTHLY_LIMIT,
  type QuotaClearCount,
  type QuotaClearOutcome,
} from "../tokens/quota-clears.ts";
import { type BusinessAnswer, type BusinessCall, callBusinessApi } from "../wechat/business-calls.ts";

/**
 * A WeChat API path as quota/get wants it: "/cgi-bin/message/custom/send", without the host.
 * Segments of letters, digits, "_" and "-" cover every documented API; the bound is far above
 * the longest one.
 */
export const CGI_PATH_PATTERN = /^(?:\/[A-Za-z0-9_-]+)+$/;
export const CGI_PATH_MAX_LENGTH = 128;
/** A rid as WeChat appends it to errmsg: three groups of 8 hex digits ("655d9278-7c157f97-69055077"). */
export const RID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

const QUOTA_GET_PATH = "/cgi-bin/openapi/quota/get";
const RID_GET_PATH = "/cgi-bin/openapi/rid/get";
const CLEAR_QUOTA_PATH = "/cgi-bin/clear_quota";
/** WeChat's answer once this month's resets are used up, through the gateway or its console. */
const ERRCODE_CLEAR_QUOTA_USED_UP = 48006;

/** What quota/get's and rid/get's own errcodes say, as the gateway answers them (not WeChat's fault). */
type Refusal = { status: 400 | 404; message: string };

const QUOTA_GET_REFUSALS: ReadonlyMap<number, Refusal> = new Map([
  [76003, { status: 400, message: "cgi_path: WeChat wants the API's path alone, starting with /" }],
  [76021, { status: 400, message: "cgi_path: WeChat serves no API at this path" }],
  [
    76022,
    {
      status: 400,
      message: "cgi_path: WeChat reports no quota for this API (/sns/ APIs, or another account type's)",
    },
  ],
]);

const RID_GET_REFUSALS: ReadonlyMap<number, Refusal> = new Map([
  [76001, { status: 404, message: "WeChat has no record of this rid: rids are kept 7 days" }],
  [76002, { status: 400, message: "rid: WeChat says it is not a rid" }],
  [
    76003,
    {
      status: 404,
      message: "this rid belongs to another account: only this appid's own calls can be looked up",
    },
  ],
]);

/**
 * Query parameters and JSON fields whose values rid/get's answer may echo from the call it
 * describes (WeChat shows the token cut short, "50_Im7xxxx"); the operator sees none of them.
 */
const CREDENTIAL_NAMES = [
  "access_token",
  "secret",
  "appsecret",
  "component_access_token",
  "component_appsecret",
  "authorizer_access_token",
  "authorizer_refresh_token",
  "session_key",
];
const CREDENTIAL_NAME = CREDENTIAL_NAMES.join("|");
const CREDENTIAL_IN_QUERY = new RegExp(`((?:^|[?&])(?:${CREDENTIAL_NAME})=)[^&]*`, "g");
const CREDENTIAL_IN_JSON = new RegExp(`("(?:${CREDENTIAL_NAME})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*"`, "g");
const REDACTED = "<redacted>";

async function askWeChat(
  env: Env,
  appId: string,
  call: Omit<BusinessCall, "method" | "expect">,
  refusals: ReadonlyMap<number, Refusal> = new Map(),
): Promise<BusinessAnswer & { kind: "json" }> {
  let answer: BusinessAnswer;
  try {
    answer = await callBusinessApi(readSettings(env).apiBase, tokenSourceFor(env, appId), {
      ...call,
      method: "POST",
      expect: "json",
    });
  } catch (error) {
    const refusal =
      error instanceof GatewayError && error.errcode !== undefined && refusals.get(error.errcode);
    if (refusal) {
      throw new GatewayError(refusal.status, refusal.message, {
        errcode: error.errcode,
        errmsg: error.errmsg,
      });
    }
    throw error;
  }
  if (answer.kind !== "json") throw new GatewayError(502, `WeChat answered ${call.path} with an image`);
  return answer;
}

function objectField(body: Record<string, unknown>, name: string, path: string): Record<string, unknown> {
  const value = body[name];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError(502, `WeChat's answer to ${path} did not contain ${name}`);
  }
  return value as Record<string, unknown>;
}

/**
 * openapi/quota/get: WeChat's `quota` (daily_limit, used, remain) for one API, with whatever else
 * WeChat sent beside it (rate_limit, component_rate_limit).
 */
export async function apiQuota(env: Env, appId: string, cgiPath: string): Promise<Record<string, unknown>> {
  const { body } = await askWeChat(
    env,
    appId,
    { path: QUOTA_GET_PATH, jsonText: JSON.stringify({ cgi_path: cgiPath }) },
    QUOTA_GET_REFUSALS,
  );
  const quota = objectField(body, "quota", QUOTA_GET_PATH);
  const { errcode: _errcode, errmsg: _errmsg, quota: _quota, ...beside } = body;
  return { ...quota, ...beside };
}

function withoutCredentials(text: string): string {
  return text.replace(CREDENTIAL_IN_QUERY, `$1${REDACTED}`).replace(CREDENTIAL_IN_JSON, `$1${REDACTED}"`);
}

/**
 * openapi/rid/get: WeChat's `request` record of a failed call (invoke_time, cost_in_ms,
 * request_url, request_body, response_body, client_ip), with any token or secret it echoes
 * replaced by "<redacted>".
 */
export async function ridRecord(env: Env, appId: string, rid: string): Promise<Record<string, unknown>> {
  const { body } = await askWeChat(
    env,
    appId,
    { path: RID_GET_PATH, jsonText: JSON.stringify({ rid }) },
    RID_GET_REFUSALS,
  );
  const request = objectField(body, "request", RID_GET_PATH);
  return Object.fromEntries(
    Object.entries(request).map(([name, value]) => [
      name,
      typeof value === "string" ? withoutCredentials(value) : value,
    ]),
  );
}

/** This month's clear_quota allowance as the admin API shows it. */
export type ClearAllowance = {
  month: string;
  monthlyLimit: number;
  clearsThisMonth: number;
  clearsLeft: number;
  usedUpAtWeChat: boolean;
  nextMonthStartsAt: string;
};

function presentAllowance(count: QuotaClearCount, now: number): ClearAllowance {
  return {
    month: count.month,
    monthlyLimit: CLEAR_QUOTA_MONTHLY_LIMIT,
    clearsThisMonth: count.cleared,
    clearsLeft: count.left,
    usedUpAtWeChat: count.usedUpAtWeChat,
    nextMonthStartsAt: chinaIso(nextChinaMonthStart(now)),
  };
}

export async function clearAllowance(env: Env, appId: string): Promise<ClearAllowance> {
  return presentAllowance(await keeperFor(env, appId).quotaClearCount(), Date.now());
}

function usedUp(allowance: ClearAllowance, now: number, wechat: { errcode?: number; errmsg?: string } = {}) {
  const why = allowance.usedUpAtWeChat
    ? "WeChat answered 48006: this month's clear_quota resets are used up (resets made in WeChat's console count too)"
    : `this appid has used this month's ${CLEAR_QUOTA_MONTHLY_LIMIT} clear_quota resets`;
  return new GatewayError(429, `${why}; the next ones can be made from ${allowance.nextMonthStartsAt}`, {
    ...wechat,
    retryAfterSeconds: secondsUntil(nextChinaMonthStart(now), now),
  });
}

/**
 * The confirmation a reset needs before it spends one of the month's 10, with what is left in
 * the refusal so the operator decides knowingly.
 */
export async function requireClearConfirmation(env: Env, appId: string, confirm: unknown): Promise<void> {
  if (confirm === true) return;
  const allowance = await clearAllowance(env, appId);
  throw new GatewayError(
    400,
    `confirm: send {"confirm": true} to reset the appid's daily API quotas; it spends one of the ${allowance.monthlyLimit} resets WeChat allows a month (${allowance.clearsLeft} left this month)`,
  );
}

/**
 * clear_quota for the appid, once the keeper's count says one is left and no other reset is
 * under way; a reset WeChat accepted is counted, and a 48006 marks the month used up.
 */
export async function clearQuota(env: Env, appId: string): Promise<ClearAllowance> {
  const keeper = keeperFor(env, appId);
  const turn = await keeper.takeQuotaClearTurn();
  const now = Date.now();
  if (!turn.ok && turn.reason === "used_up") throw usedUp(presentAllowance(turn.count, now), now);
  if (!turn.ok)
    throw new GatewayError(409, "another clear_quota for this appid is under way: wait for its answer");
  let outcome: QuotaClearOutcome = "not_cleared";
  let failure: unknown = null;
  try {
    await askWeChat(env, appId, { path: CLEAR_QUOTA_PATH, jsonText: JSON.stringify({ appid: appId }) });
    outcome = "cleared";
  } catch (error) {
    failure = error;
    if (error instanceof GatewayError && error.errcode === ERRCODE_CLEAR_QUOTA_USED_UP) outcome = "used_up";
  }
  const count = await keeper.settleQuotaClear(outcome);
  logClear(appId, outcome, count);
  const later = Date.now();
  if (failure === null) return presentAllowance(count, later);
  if (!(failure instanceof GatewayError)) throw failure;
  if (outcome === "used_up") {
    throw usedUp(presentAllowance(count, later), later, { errcode: failure.errcode, errmsg: failure.errmsg });
  }
  if (
    failure.status === 503 &&
    failure.message.startsWith(`WeChat could not be reached for ${CLEAR_QUOTA_PATH}`)
  ) {
    // Sent, but no answer came back (businessFailure's wording for it): WeChat may have reset the
    // quotas or not. (A 503 for want of a token never reached WeChat and says so itself.)
    throw new GatewayError(
      503,
      `${failure.message}. The reset may or may not have happened (quota's used shows which); the gateway did not count it`,
      { retryAfterSeconds: failure.retryAfterSeconds },
    );
  }
  throw failure;
}

function logClear(appId: string, outcome: QuotaClearOutcome, count: QuotaClearCount): void {
  // An operator's action that spends a scarce allowance: worth a line (identifiers and counts only).
  console.log(
    JSON.stringify({
      event: "quota_clear",
      appId,
      outcome,
      clearsThisMonth: count.cleared,
      clearsLeft: count.left,
    }),
  );
}

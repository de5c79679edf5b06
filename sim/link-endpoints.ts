// POST /wxa/generate_urllink and POST /wxa/generatescheme: links that open the mini program from
// outside WeChat. Same rules for both (WECHAT.md §11), except that a scheme names its target inside
// `jump_wxa`. Together they may generate 500,000 a day (quota "links").

import { authenticateAccessToken } from "./access-token.ts";
import type { SimulatedApp } from "./app.ts";
import {
  LINK_MAX_EXPIRE_AHEAD_SECONDS,
  LINK_MAX_EXPIRE_INTERVAL_DAYS,
  LINK_MIN_EXPIRE_AHEAD_SECONDS,
  LINK_QUERY_MAX_LENGTH,
} from "./limits.ts";
import { type JsonFields, parseJsonBody, type WeChatCall } from "./request.ts";
import { randomBase62, WECHAT_ERRORS, type WeChatErrorSpec, wechatError, wechatOk } from "./responses.ts";
import type { SimulatorState } from "./state.ts";

/** The mini program versions a link may open. */
export const ENV_VERSIONS: readonly unknown[] = ["release", "trial", "develop"];

/** Characters a link's query may contain: digits, letters and !#$&'()*+,/:;=?@-._~% (so urlencoded text too). */
const LINK_QUERY_CHARACTERS = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]*$/;

/** The ticket after https://wxaurl.cn/ (12 characters, as in real links)... */
const URL_LINK_TICKET_LENGTH = 12;
/** ...and after weixin://dl/business/?t= (11, as in "8sg7zkhUnKg"). */
const SCHEME_TICKET_LENGTH = 11;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== "";
}

/** Where the link leads: a published page without a query (empty = home page), a query, a version. */
function targetProblem(app: SimulatedApp, target: JsonFields): WeChatErrorSpec | null {
  const { path, query } = target;
  if (isPresent(path) && (typeof path !== "string" || !app.settings.pages.includes(path))) {
    // A path with "?..." is not a page either: the query belongs in `query`.
    return WECHAT_ERRORS.invalidWeappPagepath;
  }
  if (
    isPresent(query) &&
    (typeof query !== "string" || query.length > LINK_QUERY_MAX_LENGTH || !LINK_QUERY_CHARACTERS.test(query))
  ) {
    return WECHAT_ERRORS.invalidQuery;
  }
  return null;
}

/**
 * expire_type 0 (default): expire_time, if given, is unix seconds more than a minute and at most
 * 30 days ahead. expire_type 1: expire_interval is a whole number of days, 1 to 30.
 */
function expiryProblem(fields: JsonFields, nowMs: number): WeChatErrorSpec | null {
  const type = fields.expire_type ?? 0;
  if (type !== 0 && type !== 1) return WECHAT_ERRORS.invalidArgs;
  if (type === 0) {
    const time = fields.expire_time;
    if (time === undefined || time === null) return null;
    const ahead = typeof time === "number" ? time - nowMs / 1000 : Number.NaN;
    const inRange = ahead > LINK_MIN_EXPIRE_AHEAD_SECONDS && ahead <= LINK_MAX_EXPIRE_AHEAD_SECONDS;
    return Number.isInteger(time) && inRange ? null : WECHAT_ERRORS.linkExpiryOutOfRange;
  }
  const days = fields.expire_interval;
  const valid =
    Number.isInteger(days) && (days as number) >= 1 && (days as number) <= LINK_MAX_EXPIRE_INTERVAL_DAYS;
  return valid ? null : WECHAT_ERRORS.linkExpiryOutOfRange;
}

/** The checks both APIs share, in WeChat's order; then the shared daily quota, which a link uses up. */
function generateLink(app: SimulatedApp, fields: JsonFields, target: JsonFields): WeChatErrorSpec | null {
  if (!app.settings.published) return WECHAT_ERRORS.noOnlineRelease;
  const now = app.now();
  const problem = targetProblem(app, target) ?? expiryProblem(fields, now);
  if (problem) return problem;
  if (isPresent(target.env_version) && !ENV_VERSIONS.includes(target.env_version)) {
    return WECHAT_ERRORS.invalidArgs;
  }
  if (app.issued.todayCount("links", now) >= app.settings.quotas.links)
    return WECHAT_ERRORS.dailyQuotaReached;
  app.issued.record("links", now);
  return null;
}

export function generateUrlLink(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const problem = generateLink(auth.app, body.fields, body.fields);
  if (problem) return wechatError(problem);
  return wechatOk({ url_link: `https://wxaurl.cn/${randomBase62(URL_LINK_TICKET_LENGTH)}` });
}

/** Like generate_urllink, but path, query and env_version go in `jump_wxa`; env_version outside it is 47001. */
export function generateScheme(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const { jump_wxa: jumpWxa, env_version: misplacedEnvVersion } = body.fields;
  const jumpIsObject = typeof jumpWxa === "object" && jumpWxa !== null && !Array.isArray(jumpWxa);
  if (misplacedEnvVersion !== undefined || (jumpWxa !== undefined && jumpWxa !== null && !jumpIsObject)) {
    return wechatError(WECHAT_ERRORS.dataFormatError);
  }
  const problem = generateLink(auth.app, body.fields, jumpIsObject ? (jumpWxa as JsonFields) : {});
  if (problem) return wechatError(problem);
  return wechatOk({ openlink: `weixin://dl/business/?t=${randomBase62(SCHEME_TICKET_LENGTH)}` });
}

// How a failed WeChat business call is answered: the status says whose fault it is, and
// WeChat's errcode/errmsg always come along.

import type { Failure } from "../platform/errors.ts";
import { nextChinaMidnight, secondsUntil } from "../platform/time.ts";
import {
  BUSY_ERRCODES,
  CALLER_ERRCODES,
  ERRCODE,
  QUOTA_ERRCODES,
  TOKEN_REJECTED_ERRCODES,
} from "./errcodes.ts";

const MINUTE_SECONDS = 60;
/** WeChat says "retry later" without a time; a second keeps well-behaved clients from spinning. */
const BUSY_RETRY_AFTER_SECONDS = 1;

export type BusinessFailure = Failure<400 | 429 | 502 | 503>;

export type FailedCall =
  | { kind: "errcode"; errcode: number; errmsg: string }
  | { kind: "unreachable"; reason: string };

export function businessFailure(
  failed: FailedCall,
  api: { path: string; quotaIsPerMinute?: boolean | undefined },
  now = Date.now(),
): BusinessFailure {
  if (failed.kind === "unreachable") {
    return {
      ok: false,
      status: 503,
      message: `WeChat could not be reached for ${api.path}: ${failed.reason}`,
      retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
    };
  }
  const wechat = { errcode: failed.errcode, errmsg: failed.errmsg };
  if (QUOTA_ERRCODES.has(failed.errcode)) {
    const perMinute = failed.errcode === ERRCODE.MINUTE_QUOTA || api.quotaIsPerMinute === true;
    return {
      ok: false,
      status: 429,
      message: `WeChat's quota for ${api.path} is used up`,
      ...wechat,
      retryAfterSeconds: perMinute ? MINUTE_SECONDS : secondsUntil(nextChinaMidnight(now), now),
    };
  }
  if (BUSY_ERRCODES.has(failed.errcode)) {
    return {
      ok: false,
      status: 503,
      message: `WeChat stayed busy for ${api.path}`,
      ...wechat,
      retryAfterSeconds: BUSY_RETRY_AFTER_SECONDS,
    };
  }
  const callerFault = CALLER_ERRCODES.get(failed.errcode);
  if (callerFault)
    return { ok: false, status: 400, message: `WeChat refused the request: ${callerFault}`, ...wechat };
  if (TOKEN_REJECTED_ERRCODES.has(failed.errcode)) {
    return {
      ok: false,
      status: 502,
      message: "WeChat rejected the appid's access_token even after a refresh",
      ...wechat,
    };
  }
  return {
    ok: false,
    status: 502,
    message: `WeChat answered errcode ${failed.errcode} for ${api.path}`,
    ...wechat,
  };
}

// The plan token calls (access_token, jsapi_ticket) hand the one retry loop (src/wechat/credential-calls.ts
// tokenCallRetries): transient failures are tried again, anything else is answered at once, and a
// budget that refuses an attempt sends nothing more.
import { describe, expect, it } from "vitest";
import {
  tokenCallRetries,
  UPSTREAM_MAX_ATTEMPTS,
  type UpstreamFailure,
  type UpstreamResult,
} from "../../src/wechat/credential-calls.ts";

const BUSY: UpstreamFailure = { ok: false, kind: "transient", errcode: -1, errmsg: "busy", reason: "busy" };
const QUOTA: UpstreamFailure = { ok: false, kind: "quota", errcode: 45009, errmsg: "quota", reason: "quota" };
const ISSUED: UpstreamResult = { ok: true, value: "TOKEN", expiresInSeconds: 7200 };

describe("tokenCallRetries", () => {
  it("tries transient failures again, up to UPSTREAM_MAX_ATTEMPTS unless told fewer", () => {
    const plan = tokenCallRetries(() => true);
    expect(plan.maxAttempts).toBe(UPSTREAM_MAX_ATTEMPTS);
    expect(tokenCallRetries(() => true, 1).maxAttempts).toBe(1);
    expect(plan.retryable(BUSY)).toBe(true);
    expect(plan.retryable({ ok: false, kind: "transient", reason: "WeChat answered HTTP 502" })).toBe(true);
    expect(plan.retryable(QUOTA)).toBe(false);
    expect(plan.retryable({ ...QUOTA, kind: "definite", errcode: 40013 })).toBe(false);
    expect(plan.retryable(ISSUED)).toBe(false);
  });

  it("goes ahead while the budget allows and otherwise answers the last failure, or a budget failure before any", () => {
    const asked: number[] = [];
    const plan = tokenCallRetries((attempt) => {
      asked.push(attempt);
      return attempt === 0;
    });
    expect(plan.beforeAttempt?.(0, undefined)).toBeUndefined();
    expect(plan.beforeAttempt?.(1, BUSY)).toBe(BUSY);
    expect(asked).toEqual([0, 1]);

    const spent = tokenCallRetries(() => false).beforeAttempt?.(0, undefined);
    expect(spent).toMatchObject({ ok: false, kind: "budget" });
  });
});

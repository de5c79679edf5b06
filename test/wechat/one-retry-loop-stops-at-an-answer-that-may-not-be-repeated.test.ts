// The one retry loop every call to WeChat goes through (src/wechat/retry.ts): token calls, the
// login-code exchange and business calls differ only in the plan they hand it.
import { describe, expect, it } from "vitest";
import { type RetryPlan, withRetries } from "../../src/wechat/retry.ts";

type Answer = { ok: boolean; n: number };

/** A call that answers `answers` in order (the last one again once they run out), counting calls. */
function scripted(...answers: boolean[]) {
  let calls = 0;
  return {
    call: async (): Promise<Answer> => {
      const ok = answers[Math.min(calls, answers.length - 1)] ?? false;
      calls += 1;
      return { ok, n: calls };
    },
    calls: () => calls,
  };
}

/** Waits of at most a millisecond, so that the loop's own sleeps do not slow the test. */
function plan(overrides: Partial<RetryPlan<Answer>> = {}): RetryPlan<Answer> {
  return { maxAttempts: 4, baseMs: 1, capMs: 1, retryable: (answer) => !answer.ok, ...overrides };
}

describe("withRetries", () => {
  it("tries again while the answer may be repeated and answers the first that may not", async () => {
    const wechat = scripted(false, false, true);
    expect(await withRetries(wechat.call, plan())).toEqual({ ok: true, n: 3 });
    expect(wechat.calls()).toBe(3);
  });

  it("stops after the plan's attempts with the last answer", async () => {
    const wechat = scripted(false);
    expect(await withRetries(wechat.call, plan({ maxAttempts: 3 }))).toEqual({ ok: false, n: 3 });
    expect(wechat.calls()).toBe(3);
  });

  it("makes one attempt when the plan allows one, whatever it answers", async () => {
    const wechat = scripted(false);
    expect(await withRetries(wechat.call, plan({ maxAttempts: 1 }))).toEqual({ ok: false, n: 1 });
    expect(wechat.calls()).toBe(1);
  });

  it("answers at once what may not be repeated (a code used up, a POST that may have been done)", async () => {
    const wechat = scripted(false);
    expect(await withRetries(wechat.call, plan({ retryable: () => false }))).toEqual({ ok: false, n: 1 });
    expect(wechat.calls()).toBe(1);
  });

  it("asks before every attempt and sends nothing once it is refused, answering the refusal", async () => {
    const wechat = scripted(false);
    const asked: [number, Answer | undefined][] = [];
    const refusal = { ok: false, n: -1 };
    const answer = await withRetries(
      wechat.call,
      plan({
        beforeAttempt: (attempt, last) => {
          asked.push([attempt, last]);
          return attempt < 2 ? undefined : refusal;
        },
      }),
    );
    expect(answer).toBe(refusal);
    expect(wechat.calls()).toBe(2);
    expect(asked).toEqual([
      [0, undefined],
      [1, { ok: false, n: 1 }],
      [2, { ok: false, n: 2 }],
    ]);
  });

  it("sends nothing when the first attempt is refused", async () => {
    const wechat = scripted(true);
    const refusal = { ok: false, n: 0 };
    expect(await withRetries(wechat.call, plan({ beforeAttempt: () => refusal }))).toBe(refusal);
    expect(wechat.calls()).toBe(0);
  });
});

// One retry loop for every call to WeChat. Token calls, the login-code exchange and business calls
// differ only in what may be tried again, how many attempts they get, how long they wait between
// them, and whether a budget is asked before each attempt; those are the plan's fields.

export type RetryPlan<R> = {
  /** Attempts at most, the first one included; one attempt is always made. */
  maxAttempts: number;
  /** The wait before attempt n (n ≥ 1) is full jitter over min(capMs, baseMs · 2^n). */
  baseMs: number;
  capMs: number;
  /**
   * Whether another attempt may follow this result: it says the call was not done (busy, HTTP 5xx),
   * or doing it twice is harmless. Anything else is answered as it came.
   */
  retryable(result: R): boolean;
  /**
   * Asked before every attempt, after its wait: a result to stop with instead of calling (a daily
   * budget used up, so nothing is sent), or undefined to go ahead. `last` is the previous attempt's
   * result (undefined before the first).
   */
  beforeAttempt?(attempt: number, last: R | undefined): R | undefined;
};

/** Calls `call` until a result may not be retried or the plan's attempts are spent; answers the last result. */
export async function withRetries<R>(call: () => Promise<R>, plan: RetryPlan<R>): Promise<R> {
  let last: R | undefined;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await sleep(fullJitterDelayMs(attempt, plan.baseMs, plan.capMs));
    const refused = plan.beforeAttempt?.(attempt, last);
    if (refused !== undefined) return refused;
    last = await call();
    if (attempt + 1 >= plan.maxAttempts || !plan.retryable(last)) return last;
  }
}

/** Capped exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^attempt)). */
function fullJitterDelayMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** attempt));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Every outgoing call (WeChat, a relay, the code webhook) runs under a deadline.

/**
 * Runs `call` with a signal that aborts after `ms`. An AbortController rather than
 * AbortSignal.timeout(): the latter's timer cannot be cancelled, so every call would keep a Durable
 * Object busy for the full timeout after it answered. The deadline covers what `call` awaits; a
 * body it returns as a stream is not cut off.
 */
export async function withDeadline<T>(ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException("no answer in time", "TimeoutError")), ms);
  try {
    return await call(controller.signal);
  } catch (error) {
    throw controller.signal.aborted ? controller.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a call failed because its deadline passed (rather than its connection). */
export function isTimeout(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === "TimeoutError";
}

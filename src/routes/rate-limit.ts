// Per-caller rate limits through the Workers rate-limiting binding (counted per location).

import { GatewayError } from "../platform/errors.ts";

/** The bindings count in windows of 60 s (wrangler.toml `period`). */
const LIMIT_PERIOD_SECONDS = 60;

export async function limitCaller(limiter: RateLimit, key: string, what: string): Promise<void> {
  const { success } = await limiter.limit({ key });
  if (!success) {
    throw new GatewayError(429, `too many ${what}; try again in a minute`, {
      retryAfterSeconds: LIMIT_PERIOD_SECONDS,
    });
  }
}

/** The client's address as Cloudflare saw it (absent in local tests: all callers share one key). */
export function clientAddress(headers: Headers): string {
  return headers.get("CF-Connecting-IP") ?? "unknown";
}

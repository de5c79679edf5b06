// The Workers platform's limits that this gateway is sized by, each named once with where it bites.
// A constant sized by one of them is written in terms of it (or checked against it), so the reason
// for the number travels with it.

/**
 * KV refuses an `expirationTtl` under 60 s. A QR-Auth session's KV record carries the session's TTL,
 * so a session lives at least this long, and a late write-through asks for this much instead.
 */
export const KV_MIN_TTL_SECONDS = 60;

/**
 * The shortest `cacheTtl` KV accepts on a read: a location may serve a value this long after a
 * write elsewhere, which bounds how soon a revoked key or a deleted app stops working everywhere.
 */
export const KV_MIN_CACHE_TTL_SECONDS = 60;

/**
 * KV operations one invocation (a request, an RPC call, an alarm) may make. Listing apps with one
 * KV read each would hit it past ~1,000 apps, which is why the admin API lists from the
 * AppDirectory object; a deletion and the directory's import spend at most part of it per step.
 */
export const KV_OPERATIONS_PER_INVOCATION = 1_000;

/** A KV key is at most 512 bytes: whatever is looked up by a caller's input is checked to fit first. */
export const KV_KEY_MAX_BYTES = 512;

/**
 * Subrequests (fetches and Durable Object calls) per invocation on the Workers Free plan; paid
 * plans allow far more. The cron tick (tokens/cron.ts) is sized to fit here, so it runs on any plan.
 */
export const FREE_PLAN_SUBREQUESTS_PER_INVOCATION = 50;

// Arranges a keeper's stored state the way the passage of time would, then restarts the object
// so it reloads from storage (the same path as an eviction in production).

import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { chinaDay } from "../../src/platform/time.ts";
import { forgetRememberedTokens } from "../../src/tokens/current-token.ts";

export function keeper(appId: string) {
  return env.TOKEN_KEEPER.getByName(appId);
}

async function rewrite(appId: string, statement: string, ...bindings: (string | number | null)[]) {
  const stub = keeper(appId);
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec(statement, ...bindings);
  });
  await evictDurableObject(stub);
  // The gateway remembers a token for a few seconds; the time this rewrite pretends has passed
  // would have expired that memory too.
  forgetRememberedTokens();
}

/**
 * Makes the held access_token look as if time had passed: `secondsLeft` of life remain, it was
 * issued `ageSeconds` ago, and (by default) its renewal is due now.
 */
export async function ageAccessToken(
  appId: string,
  {
    secondsLeft,
    ageSeconds = 7200 - secondsLeft,
    due = true,
  }: { secondsLeft: number; ageSeconds?: number; due?: boolean },
) {
  const now = Date.now();
  await rewrite(
    appId,
    `UPDATE credential SET expires_at = ?, created_at = ?, confirmed_at = ?,
       due_at = CASE WHEN ? THEN ? ELSE due_at END WHERE kind = 'access_token'`,
    now + secondsLeft * 1000,
    now - ageSeconds * 1000,
    now - ageSeconds * 1000,
    due ? 1 : 0,
    now - 1000,
  );
}

/** Moves a failed refresh's backoff into the past, as if the wait were over. */
export async function endBackoff(appId: string) {
  const past = Date.now() - 1000;
  await rewrite(
    appId,
    "UPDATE credential SET retry_at = ?, due_at = ? WHERE kind = 'access_token'",
    past,
    past,
  );
}

/** Records `count` upstream token calls as already made today. */
export async function seedTokenCallsToday(appId: string, count: number) {
  await rewrite(
    appId,
    `INSERT INTO upstream_calls (day, kind, count) VALUES (?, 'token', ?)
     ON CONFLICT (day, kind) DO UPDATE SET count = excluded.count`,
    chinaDay(Date.now()),
    count,
  );
}

export async function alarmOf(appId: string): Promise<number | null> {
  return runInDurableObject(keeper(appId), (_instance, state) => state.storage.getAlarm());
}

/** Makes the held jsapi_ticket due for renewal now (as if it were near its expiry). */
export async function ticketDueNow(appId: string) {
  await rewrite(appId, "UPDATE credential SET due_at = ? WHERE kind = 'jsapi_ticket'", Date.now() - 1000);
}

/** The keeper's own counters for today: wake-ups and schedule-shard writes. */
export async function quietness(
  appId: string,
): Promise<{ alarmsToday: number; scheduleWritesToday: number }> {
  const status = await keeper(appId).status();
  if (!status.configured) throw new Error(`${appId} is not configured`);
  return { alarmsToday: status.alarmsToday, scheduleWritesToday: status.scheduleWritesToday };
}

// DELETE /admin/apps/{appKey}: everything that belongs to the appKey goes, found through
// indexes the gateway owns and reads strongly consistently, never through a KV list.
//
// Order, and why: the directory first marks the app as being deleted (out of the list, no new key,
// no PUT) and answers its key ids; then KV stops serving the app and its keys; then QR-Auth (users
// and codes at once, then each sign-in session); then the keeper detaches the appKey and deletes
// its login sessions; then its PushInbox forgets everything; last the directory forgets the app. Each step can be repeated, and the
// directory keeps the app in "being deleted" until the last one, so a deletion that fails midway
// (a 500 or 503) is finished by sending DELETE again.

import { GatewayError, orThrow } from "../platform/errors.ts";
import { KV_OPERATIONS_PER_INVOCATION } from "../platform/limits.ts";
import { inboxFor } from "../pushes/inbox.ts";
import { forgetPolledStatusesOf, usersOf } from "../qrauth/web-side.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { deleteKeyRecords, forgetApp } from "./apps.ts";
import { directoryOf } from "./directory.ts";

/**
 * Rounds of QR sign-in session erasure one DELETE request makes (each erases up to
 * ERASE_SESSIONS_PER_CALL sessions and costs this Worker one subrequest): 50 rounds cover 10,000
 * live sessions, more than Initiate's rate limit lets an app hold; past that DELETE answers 503
 * and the next DELETE continues.
 */
const MAX_ERASE_ROUNDS = 50;
/**
 * Key records deleted from KV per request: half of what one invocation may do in KV, the rest left
 * for the request's other KV work. New apps hold at most MAX_API_KEYS_PER_APP keys; an app
 * imported from before that limit may hold more, and then DELETE answers 503 and the next DELETE
 * continues.
 */
const MAX_KEY_DELETES_PER_REQUEST = KV_OPERATIONS_PER_INVOCATION / 2;

/** Answers false when no app (nor an unfinished deletion) has this appKey. */
export async function deleteApp(env: Env, appKey: string): Promise<boolean> {
  const directory = directoryOf(env);
  const deletion = await directory.beginDelete(appKey);
  if (deletion === null) return false;
  const { appId, keyIds } = orThrow(deletion);

  await forgetApp(env.REGISTRY, appKey);
  const keys = keyIds.slice(0, MAX_KEY_DELETES_PER_REQUEST);
  await deleteKeyRecords(env.REGISTRY, keys);
  await directory.removeKeys(keys);
  if (keys.length < keyIds.length)
    throw sendAgain(`${appKey} has ${keyIds.length - keys.length} API keys left to delete`);

  const users = usersOf(env, appKey);
  for (let round = 0; ; round++) {
    const { left } = await users.erase(appKey);
    if (left === 0) break;
    if (round + 1 >= MAX_ERASE_ROUNDS)
      throw sendAgain(`${appKey} has ${left} QR-Auth sessions left to erase`);
  }
  forgetPolledStatusesOf(appKey);

  await keeperFor(env, appId).detach(appKey);
  // Push settings and secrets, the dedupe table and the delivery log.
  await inboxFor(env, appKey).erase();
  await directory.finishDelete(appKey);
  return true;
}

function sendAgain(what: string): GatewayError {
  return new GatewayError(503, `${what}: send DELETE again to continue`, { retryAfterSeconds: 1 });
}

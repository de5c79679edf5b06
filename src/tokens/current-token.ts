// The token read path. Each isolate remembers an appid's current access_token for a few seconds,
// so most reads cost neither a KV read nor a Durable Object round trip.
//
// Why that is safe: the keeper replaces a token at least REFRESH_AHEAD_SECONDS before it expires
// and WeChat keeps a replaced token working for 5 minutes (classic) or until its expiry (stable),
// so a token remembered for 15 s at most is still valid everywhere it is handed out. The moment
// this isolate hears that WeChat rejected it (a 40001 on the gateway's own call, or a caller's
// passive report), the memory is dropped before the keeper is asked.

import { constantTimeEqual } from "../platform/crypto.ts";
import { IsolateMemo } from "../platform/isolate-memo.ts";
import type { TokenSource } from "../wechat/business-calls.ts";
import type { CredentialResult, HeldCredential } from "../wechat/credential.ts";
import { keeperFor } from "./keeper.ts";
import { SERVE_MIN_REMAINING_SECONDS, WECHAT_GRACE_SECONDS } from "./policy.ts";
import type { TicketResult } from "./results.ts";

/** Far inside WeChat's 300 s grace for a replaced token. */
const TOKEN_MEMO_MS = 15_000;
/** One entry per appid this isolate serves; bounded whatever the traffic. */
const TOKEN_MEMO_ENTRIES = 5_000;
/** A remembered token is handed out only while it has this much life left (else ask the keeper). */
const MEMO_MIN_REMAINING_MS = SERVE_MIN_REMAINING_SECONDS * 1000 + TOKEN_MEMO_MS;

const tokenMemo = new IsolateMemo<HeldCredential>(TOKEN_MEMO_MS, TOKEN_MEMO_ENTRIES);

// The memo lifetime must stay far inside the grace WeChat gives a replaced token.
if (TOKEN_MEMO_MS >= (WECHAT_GRACE_SECONDS * 1000) / 4) throw new Error("TOKEN_MEMO_MS is too long");

function remember(appId: string, result: CredentialResult): CredentialResult {
  if (result.ok) tokenMemo.set(appId, result.credential);
  return result;
}

/** The appid's current access_token: from this isolate's memory while fresh, else from its keeper. */
export async function currentToken(env: Env, appId: string): Promise<CredentialResult> {
  const now = Date.now();
  const remembered = tokenMemo.get(appId, now);
  if (remembered && remembered.expiresAt - now > MEMO_MIN_REMAINING_MS) {
    return { ok: true, credential: remembered, refreshed: false };
  }
  return remember(appId, await keeperFor(env, appId).getAccessToken());
}

/** The jsapi_ticket, keeping this isolate's token memory in step with the keeper's token. */
export async function currentTicket(env: Env, appId: string): Promise<TicketResult> {
  const ticket = await keeperFor(env, appId).getJsapiTicket();
  if (ticket.ok && ticket.accessToken) {
    const remembered = tokenMemo.get(appId);
    if (remembered && remembered.value !== ticket.accessToken.value) tokenMemo.set(appId, ticket.accessToken);
  }
  return ticket;
}

/** A token WeChat rejected: forget it here, then let the keeper compare-and-refresh. */
export async function reportRejectedToken(
  env: Env,
  appId: string,
  token: string,
  opts: { seenRejected?: boolean } = {},
): Promise<CredentialResult> {
  tokenMemo.delete(appId);
  return remember(appId, await keeperFor(env, appId).reportInvalid(token, opts));
}

/** Whether `token` is the appid's current or just-replaced token (the proxy's caller check). */
export async function isIssuedToken(env: Env, appId: string, token: string): Promise<boolean> {
  const remembered = tokenMemo.get(appId)?.value;
  if (remembered !== undefined && (await constantTimeEqual(token, remembered))) return true;
  return keeperFor(env, appId).recognizesToken(token);
}

/** After a forced refresh: the old token may stop working at once, so stop handing it out here. */
export function forgetToken(appId: string): void {
  tokenMemo.delete(appId);
}

/** For tests that change a keeper's state behind the gateway's back, as time would in production. */
export function forgetRememberedTokens(): void {
  tokenMemo.clear();
}

/** The appid's access_token as the business-API client sees it: current, or refreshed after a rejection. */
export function tokenSourceFor(env: Env, appId: string): TokenSource {
  return {
    current: () => currentToken(env, appId),
    rejected: (token) => reportRejectedToken(env, appId, token, { seenRejected: true }),
  };
}

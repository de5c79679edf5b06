// Where an appid's access_token comes from. The keeper's machinery (single flight, persistence,
// budgets, backoff, the alarm) is the same whatever the source; a source says how one upstream call
// is made, how many a day the gateway allows itself, and what a forced refresh means there. Apps
// use the AppSecret (the registration's tokenMode picks one of two sources); a third-party
// platform's own keeper fetches its component_access_token with the newest verify ticket.

import type { VerifyTickets } from "../component/tickets.ts";
import {
  requestClassicToken,
  requestComponentToken,
  requestStableToken,
  type UpstreamResult,
} from "../wechat/credential-calls.ts";
import { ERRCODE } from "../wechat/errcodes.ts";
import {
  COMPONENT_TOKEN_CALL_DAILY_BUDGET,
  dueAfterSameStableToken,
  FORCED_REFRESH_DAILY_LIMIT,
  FORCED_REFRESH_MIN_INTERVAL_SECONDS,
  TOKEN_CALL_DAILY_BUDGET,
} from "./policy.ts";
import type { KeeperApp } from "./store.ts";

/** WeChat's limits on forced refreshes, which the keeper checks before calling. */
type ForcedRefreshLimits = { dailyLimit: number; minIntervalSeconds: number };

export interface CredentialSource {
  /** The gateway's own cap on this source's upstream calls per China-time day, retries included. */
  readonly dailyBudget: number;
  /**
   * WeChat's limits on forcing a new token, or null where forcing means nothing (every call issues
   * a new token): a forced refresh is then an ordinary call and is not counted apart.
   */
  readonly forcedRefresh: ForcedRefreshLimits | null;
  /**
   * When to ask again after the source handed back the token already held, or null to treat it as
   * a newly issued one.
   */
  dueAfterSameToken(expiresAt: number, now: number): number | null;
  /** One upstream call, not retried: the keeper retries it within the budget. */
  fetch(forceRefresh: boolean): Promise<UpstreamResult>;
}

/**
 * A third-party platform's component_access_token: api_component_token with the appsecret and the
 * newest verify ticket. Every call issues a new token (no forced mode). Without a valid ticket
 * nothing is sent and WeChat is asked to push one; a ticket WeChat refuses (61006) is dropped and a
 * push asked for too. Either is a definite failure, retried after its backoff or as soon as a
 * ticket arrives.
 */
function componentSource(app: KeeperApp, tokenApiBase: string, tickets: VerifyTickets): CredentialSource {
  const call = { base: tokenApiBase, componentAppId: app.appId, componentAppSecret: app.appSecret };
  return {
    dailyBudget: COMPONENT_TOKEN_CALL_DAILY_BUDGET,
    forcedRefresh: null,
    dueAfterSameToken: () => null,
    fetch: async () => {
      const ticket = tickets.current(Date.now());
      if (ticket === null) {
        await tickets.askForPush(Date.now());
        return {
          ok: false,
          kind: "definite",
          reason: "no valid component_verify_ticket is held (WeChat was asked to push one)",
        };
      }
      const result = await requestComponentToken(call, ticket);
      if (!result.ok && result.errcode === ERRCODE.COMPONENT_TICKET_INVALID) {
        tickets.rejected(ticket);
        await tickets.askForPush(Date.now());
      }
      return result;
    },
  };
}

/**
 * The source the stored registration names; the secret stays in the keeper that calls this. A
 * platform's keeper passes its verify tickets.
 */
export function credentialSourceFor(
  app: KeeperApp,
  tokenApiBase: string,
  tickets: VerifyTickets | null = null,
): CredentialSource {
  if (app.source === "component") {
    if (!tickets) throw new Error("a component's token source needs its verify tickets");
    return componentSource(app, tokenApiBase, tickets);
  }
  const secret = { base: tokenApiBase, appId: app.appId, appSecret: app.appSecret };
  switch (app.tokenMode) {
    case "stable":
      return {
        dailyBudget: TOKEN_CALL_DAILY_BUDGET.stable,
        forcedRefresh: {
          dailyLimit: FORCED_REFRESH_DAILY_LIMIT,
          minIntervalSeconds: FORCED_REFRESH_MIN_INTERVAL_SECONDS,
        },
        // WeChat hands back the same stable token until its last five minutes.
        dueAfterSameToken: dueAfterSameStableToken,
        fetch: (forceRefresh) => requestStableToken(secret, forceRefresh),
      };
    case "classic":
      return {
        dailyBudget: TOKEN_CALL_DAILY_BUDGET.classic,
        forcedRefresh: null,
        dueAfterSameToken: () => null,
        fetch: () => requestClassicToken(secret),
      };
  }
}

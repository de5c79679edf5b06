// Where an appid's access_token comes from. The keeper's machinery (single flight, persistence,
// budgets, backoff, the alarm) is the same whatever the source; a source says how one upstream call
// is made, how many a day the gateway allows itself, and what a forced refresh means there. Today
// both sources use the AppSecret (the registration's tokenMode picks one); a third-party platform's
// authorizer refresh token and a component's verify ticket are further sources of the same shape.

import { requestClassicToken, requestStableToken, type UpstreamResult } from "../wechat/credential-calls.ts";
import {
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

/** The source the stored registration names; the secret stays in the keeper that calls this. */
export function credentialSourceFor(app: KeeperApp, tokenApiBase: string): CredentialSource {
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

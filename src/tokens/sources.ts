// Where an appid's access_token comes from. The keeper's machinery (single flight, persistence,
// budgets, backoff, the alarm) is the same whatever the source; a source says how one upstream call
// is made, how many a day the gateway allows itself, and what a forced refresh means there. Apps
// use the AppSecret (the registration's tokenMode picks one of two sources); a third-party
// platform's own keeper fetches its component_access_token with the newest verify ticket.

import type { VerifyTickets } from "../component/tickets.ts";
import type { CredentialResult } from "../wechat/credential.ts";
import {
  requestAuthorizerToken,
  requestClassicToken,
  requestComponentToken,
  requestStableToken,
  type UpstreamResult,
} from "../wechat/credential-calls.ts";
import { ERRCODE, TOKEN_REJECTED_ERRCODES } from "../wechat/errcodes.ts";
import {
  AUTHORIZER_REFRESH_SPREAD_SECONDS,
  AUTHORIZER_TOKEN_CALL_DAILY_BUDGET,
  COMPONENT_TOKEN_CALL_DAILY_BUDGET,
  dueAfterSameStableToken,
  FORCED_REFRESH_DAILY_LIMIT,
  FORCED_REFRESH_MIN_INTERVAL_SECONDS,
  refreshSpreadSeconds,
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
  /**
   * Seconds this appid renews earlier than REFRESH_AHEAD_SECONDS: its own point of a spread window
   * (authorizers, so that a platform's thousands do not come due together), else 0.
   */
  readonly spreadSeconds: number;
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
    spreadSeconds: 0,
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
 * What an authorizer's keeper needs from its platform's keeper (by RPC): the component token it
 * holds (no WeChat call per authorizer), a report when WeChat rejected that token, and the
 * authorizer's refresh token as api_get_authorizer_list shows it. `keep` stores a recovered
 * refresh token in the authorizer's own keeper at once, whatever the retry brings.
 */
export interface ComponentLink {
  componentToken(): Promise<CredentialResult>;
  componentTokenRejected(token: string): Promise<CredentialResult>;
  listedRefreshToken(): Promise<{ ok: true; refreshToken: string | null } | { ok: false; message: string }>;
  keep(refreshToken: string): void;
  /** The refresh token held now (it may have rotated since the source was made). */
  refreshToken(): string | null;
}

/**
 * An authorizer's token: api_authorizer_token with the platform's component_access_token and the
 * authorizer's refresh token; WeChat's answer may carry a new refresh token, which the result
 * carries back for the keeper to store with the token. A 61023 (refresh token not valid) is
 * recovered once from the authorizer list; a 61023 that survives that is returned for the keeper
 * to mark the app as needing a new authorization.
 */
function authorizerSource(app: KeeperApp, tokenApiBase: string, link: ComponentLink): CredentialSource {
  const componentAppId = app.componentAppId ?? "";
  const call = async (componentAccessToken: string, refreshToken: string) =>
    requestAuthorizerToken({
      base: tokenApiBase,
      componentAppId,
      componentAccessToken,
      authorizerAppId: app.appId,
      refreshToken,
    });
  return {
    dailyBudget: AUTHORIZER_TOKEN_CALL_DAILY_BUDGET,
    forcedRefresh: null,
    dueAfterSameToken: () => null,
    spreadSeconds: refreshSpreadSeconds(app.appId, AUTHORIZER_REFRESH_SPREAD_SECONDS),
    fetch: async () => {
      const component = await link.componentToken();
      if (!component.ok) {
        return {
          ok: false,
          kind: component.status === 503 ? "transient" : "definite",
          reason: `the platform has no component_access_token: ${component.message}`,
        };
      }
      let componentToken = component.credential.value;
      let refreshToken = link.refreshToken();
      if (refreshToken === null) {
        return { ok: false, kind: "definite", reason: "no authorizer_refresh_token is held" };
      }
      let result = await call(componentToken, refreshToken);
      if (!result.ok && result.errcode !== undefined && TOKEN_REJECTED_ERRCODES.has(result.errcode)) {
        // WeChat rejected the platform's token: its keeper refreshes it (single flight), once.
        const renewed = await link.componentTokenRejected(componentToken);
        if (renewed.ok && renewed.credential.value !== componentToken) {
          componentToken = renewed.credential.value;
          result = await call(componentToken, refreshToken);
        }
      }
      if (!result.ok && result.errcode === ERRCODE.REFRESH_TOKEN_INVALID) {
        const listed = await link.listedRefreshToken();
        if (!listed.ok) {
          return {
            ok: false,
            kind: "transient",
            reason: `the authorizer list could not be read: ${listed.message}`,
          };
        }
        if (listed.refreshToken !== null && listed.refreshToken !== refreshToken) {
          refreshToken = listed.refreshToken;
          link.keep(refreshToken);
          result = await call(componentToken, refreshToken);
        }
      }
      return result;
    },
  };
}

/**
 * The source the stored registration names; the secret stays in the keeper that calls this. A
 * platform's keeper passes its verify tickets, an authorizer's keeper the link to its platform.
 */
export function credentialSourceFor(
  app: KeeperApp,
  tokenApiBase: string,
  tickets: VerifyTickets | null = null,
  link: ComponentLink | null = null,
): CredentialSource {
  if (app.source === "component") {
    if (!tickets) throw new Error("a component's token source needs its verify tickets");
    return componentSource(app, tokenApiBase, tickets);
  }
  if (app.source === "authorizer") {
    if (!link) throw new Error("an authorizer's token source needs the link to its platform");
    return authorizerSource(app, tokenApiBase, link);
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
        spreadSeconds: 0,
        fetch: (forceRefresh) => requestStableToken(secret, forceRefresh),
      };
    case "classic":
      return {
        dailyBudget: TOKEN_CALL_DAILY_BUDGET.classic,
        forcedRefresh: null,
        dueAfterSameToken: () => null,
        spreadSeconds: 0,
        fetch: () => requestClassicToken(secret),
      };
  }
}

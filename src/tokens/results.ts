import type { ExchangeResult } from "../component/authorizations.ts";
import type { ComponentEvent } from "../component/events.ts";
import type { ComponentPlatformStatus } from "../component/platform.ts";
import type { AuthorizerEntry } from "../component/store.ts";
import type { LoginSession } from "../logins/sessions.ts";
import type { Failure } from "../platform/errors.ts";
import type { AppType, TokenMode } from "../wechat/app-kinds.ts";
import type { HeldCredential, KeeperFailure } from "../wechat/credential.ts";

// What a TokenKeeper answers across RPC: plain discriminated unions (error classes lose their
// properties on the way across the RPC boundary). A credential and the failure of asking for one
// are declared with the WeChat client that uses them (../wechat/credential.ts).

/** The jsapi_ticket, with the access_token it goes with (which fetching it may have replaced). */
export type TicketResult =
  | { ok: true; credential: HeldCredential; refreshed: boolean; accessToken?: HeldCredential }
  | KeeperFailure;

/** The appid's effective settings after a registration, shared by every appKey naming it. */
export type ConfigureResult =
  | {
      ok: true;
      tokenMode: TokenMode;
      appType: AppType;
      appKeys: string[];
    }
  | KeeperFailure;

export type DetachResult = { ok: true; remainingAppKeys: number };

export type ForcedRefreshResult =
  | { ok: true; createdAt: number; expiresAt: number; changed: boolean }
  | KeeperFailure;

export type CredentialHealth = {
  held: boolean;
  createdAt: number | null;
  expiresAt: number | null;
  nextRefreshAt: number | null;
  refreshCount: number;
  lastRefreshAt: number | null;
  lastError: { errcode: number | null; message: string; at: number } | null;
  failuresInRow: number;
  callsToday: number;
  dailyBudget: number;
};

export type KeeperStatus =
  | { configured: false }
  | {
      configured: true;
      appId: string;
      tokenMode: TokenMode;
      appKeys: string[];
      accessToken: CredentialHealth;
      jsapiTicket: CredentialHealth;
      forcedRefreshesToday: number;
      /** The keeper's own wake-ups and schedule-shard writes today: a failing keeper stays quiet. */
      alarmsToday: number;
      scheduleWritesToday: number;
      alarmAt: number | null;
    };

export type SignInResult = { ok: true; sessionToken: string; expiresAt: number } | KeeperFailure;

export type SessionLookup = { ok: true; session: LoginSession } | { ok: false };

/** A push to a platform's event URL: what it was, or why it was refused (401 bad signature, 400 unreadable). */
export type ComponentEventResult =
  | {
      ok: true;
      infoType: ComponentEvent["infoType"];
      /**
       * authorized / updateauthorized / unauthorized: the app concerned; absent when the event was
       * ignored (older than the authorization event last applied to the app).
       */
      authorizerAppId?: string;
      /** authorized / updateauthorized: the code, for the caller to exchange without making WeChat wait. */
      authorizationCode?: string;
    }
  | Failure<400 | 401 | 404>;

/** One page of a platform's authorizers index; `cursor` is null on the last page. */
export type AuthorizerPage = { ok: true; entries: AuthorizerEntry[]; cursor: string | null } | Failure<404>;

export type PreAuthCodeResult = { ok: true; preAuthCode: string; expiresInSeconds: number } | KeeperFailure;

export type ComponentKeeperStatus =
  | { configured: false }
  | {
      configured: true;
      componentAppId: string;
      componentKeys: string[];
      accessToken: CredentialHealth;
      platform: ComponentPlatformStatus;
      alarmsToday: number;
      alarmAt: number | null;
    };

/** What exchanging an authorization code answers (declared with the platform's authorizations). */
export type { ExchangeResult };

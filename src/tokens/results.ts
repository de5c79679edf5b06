import type { LoginSession } from "../logins/sessions.ts";

// What a TokenKeeper answers across RPC: plain discriminated unions (error classes lose their
// properties on the way across the RPC boundary).

export type HeldCredential = {
  value: string;
  /** ms since epoch */
  createdAt: number;
  expiresAt: number;
};

export type KeeperFailure = {
  ok: false;
  /** HTTP status the gateway answers with (SPEC §3). */
  status: 400 | 404 | 409 | 429 | 502 | 503;
  message: string;
  errcode?: number;
  errmsg?: string;
  retryAfterSeconds?: number;
};

export type CredentialResult = { ok: true; credential: HeldCredential; refreshed: boolean } | KeeperFailure;

/** The jsapi_ticket, with the access_token it goes with (which fetching it may have replaced). */
export type TicketResult =
  | { ok: true; credential: HeldCredential; refreshed: boolean; accessToken?: HeldCredential }
  | KeeperFailure;

/** The appid's effective settings after a registration, shared by every appKey naming it. */
export type ConfigureResult =
  | {
      ok: true;
      tokenMode: "stable" | "classic";
      appType: "miniprogram" | "officialaccount";
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
      tokenMode: "stable" | "classic";
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

/** A WeChat answer relayed as it came (the proxy hands it to an SDK unchanged). */
export type ForwardedAnswer = { status: number; contentType: string; text: string };

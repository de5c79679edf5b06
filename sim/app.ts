// One registered WeChat account (appid) as the simulator sees it: its settings, clock, tokens,
// tickets, call counters and queued faults.

import { CallCounters, MonthlyCounter } from "./counters.ts";
import { FaultBook } from "./faults.ts";
import {
  DEFAULT_CLASSIC_TOKEN_DAILY_QUOTA,
  DEFAULT_STABLE_FORCE_DAILY_QUOTA,
  DEFAULT_STABLE_NORMAL_DAILY_QUOTA,
  DEFAULT_TICKET_DAILY_QUOTA,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
} from "./limits.ts";
import { TokenSlot, type TokenSlotName } from "./tokens.ts";

export interface DailyQuotas {
  /** /cgi-bin/token */
  token: number;
  /** /cgi-bin/stable_token without force_refresh */
  stableNormal: number;
  /** /cgi-bin/stable_token with force_refresh: true */
  stableForce: number;
  /** /cgi-bin/ticket/getticket */
  ticket: number;
}

export interface AppSettings {
  readonly appid: string;
  secret: string;
  tokenLifetimeSeconds: number;
  /** false = the caller's IP is not in the account's API IP whitelist (40164 on token calls). */
  whitelisted: boolean;
  quotas: DailyQuotas;
}

/** The fields a registration may set; omitted ones keep their current (or default) value. */
export interface AppRegistration {
  appid: string;
  secret?: string;
  tokenLifetimeSeconds?: number;
  whitelisted?: boolean;
  quotas?: Partial<DailyQuotas>;
}

export const DEFAULT_QUOTAS: Readonly<DailyQuotas> = {
  token: DEFAULT_CLASSIC_TOKEN_DAILY_QUOTA,
  stableNormal: DEFAULT_STABLE_NORMAL_DAILY_QUOTA,
  stableForce: DEFAULT_STABLE_FORCE_DAILY_QUOTA,
  ticket: DEFAULT_TICKET_DAILY_QUOTA,
};

export type TicketType = "jsapi" | "wx_card";

export interface IssuedTicket {
  readonly value: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export class SimulatedApp {
  readonly settings: AppSettings;
  /** Added to the simulator's clock for this app only, so one test can skip hours without affecting others. */
  clockOffsetMs = 0;
  readonly tokens: Record<TokenSlotName, TokenSlot> = { classic: new TokenSlot(), stable: new TokenSlot() };
  /** When a stable force refresh last actually issued a token (for the 30 s rule). */
  lastForceRefreshAt: number | null = null;
  readonly tickets = new Map<TicketType, IssuedTicket>();
  readonly calls = new CallCounters();
  readonly clearQuotaUses = new MonthlyCounter();
  readonly faults = new FaultBook();
  /** Token requests (classic + stable) currently being handled, slow faults included. */
  tokenCallsInFlight = 0;
  maxConcurrentTokenCalls = 0;
  private readonly baseNow: () => number;

  constructor(settings: AppSettings, baseNow: () => number) {
    this.settings = settings;
    this.baseNow = baseNow;
  }

  /** This app's clock in milliseconds. */
  now(): number {
    return this.baseNow() + this.clockOffsetMs;
  }

  update(registration: AppRegistration): void {
    const s = this.settings;
    if (registration.secret !== undefined) s.secret = registration.secret;
    if (registration.tokenLifetimeSeconds !== undefined)
      s.tokenLifetimeSeconds = registration.tokenLifetimeSeconds;
    if (registration.whitelisted !== undefined) s.whitelisted = registration.whitelisted;
    s.quotas = { ...s.quotas, ...definedOnly(registration.quotas ?? {}) };
  }

  beginTokenCall(): void {
    this.tokenCallsInFlight += 1;
    this.maxConcurrentTokenCalls = Math.max(this.maxConcurrentTokenCalls, this.tokenCallsInFlight);
  }

  endTokenCall(): void {
    this.tokenCallsInFlight -= 1;
  }
}

export function newAppSettings(registration: AppRegistration & { secret: string }): AppSettings {
  return {
    appid: registration.appid,
    secret: registration.secret,
    tokenLifetimeSeconds: registration.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS,
    whitelisted: registration.whitelisted ?? true,
    quotas: { ...DEFAULT_QUOTAS, ...definedOnly(registration.quotas ?? {}) },
  };
}

function definedOnly<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// One registered WeChat account (appid) as the simulator sees it: its settings, clock, tokens,
// tickets, call counters, uploaded media, queued faults and push settings.

import type { AppPushRecord, AppPushSettings } from "./app-push.ts";
import { CallCounters, IssueCounters, MonthlyCounter, ReceivedPaths } from "./counters.ts";
import { DEFAULT_PAGES, DEFAULT_RISKY_WORDS, DEFAULT_TEMPLATES } from "./demo-content.ts";
import { FaultBook } from "./faults.ts";
import {
  DEFAULT_CLASSIC_TOKEN_DAILY_QUOTA,
  DEFAULT_LINKS_DAILY_QUOTA,
  DEFAULT_STABLE_FORCE_DAILY_QUOTA,
  DEFAULT_STABLE_NORMAL_DAILY_QUOTA,
  DEFAULT_TICKET_DAILY_QUOTA,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  DEFAULT_WXACODE_DAILY_QUOTA,
  DEFAULT_WXACODE_TOTAL_QUOTA,
  DEFAULT_WXACODE_UNLIMIT_PER_MINUTE_QUOTA,
} from "./limits.ts";
import { MediaLibrary } from "./media-library.ts";
import { History, type LoggedRequest } from "./request-log.ts";
import { RidLog } from "./rid-log.ts";
import { TokenSlot, type TokenSlotName } from "./tokens.ts";
import { UserDirectory } from "./users.ts";

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

/** Every limit an app has: the daily call quotas plus the ones that count generated links and codes. */
export interface Quotas extends DailyQuotas {
  /** URL links + URL schemes generated per day (45009 beyond). */
  links: number;
  /** getwxacodeunlimit images per minute (45009 beyond). */
  wxacodeUnlimitPerMinute: number;
  /** getwxacode images per day (45009 beyond). */
  wxacodeDaily: number;
  /** getwxacode images in the app's lifetime (45029 beyond). */
  wxacodeTotal: number;
}

/** Template id -> the data keys it needs (see demo-content.ts). */
export type Templates = Record<string, readonly string[]>;

export interface AppSettings {
  readonly appid: string;
  secret: string;
  tokenLifetimeSeconds: number;
  /** false = the caller's IP is not in the account's API IP whitelist (40164 on token calls). */
  whitelisted: boolean;
  quotas: Quotas;
  /** false = the mini program has no online release (URL links and schemes answer 85079). */
  published: boolean;
  /** Pages of the live version, "pages/index/index" style (no leading slash, no query). */
  pages: readonly string[];
  templates: Templates;
  /** Words msg_sec_check flags as risky. */
  riskyWords: readonly string[];
}

/** The fields a registration may set; omitted ones keep their current (or default) value. */
export interface AppRegistration {
  appid: string;
  secret?: string;
  tokenLifetimeSeconds?: number;
  whitelisted?: boolean;
  quotas?: Partial<Quotas>;
  published?: boolean;
  pages?: readonly string[];
  /** Merged into the app's templates; a template set to null is removed. */
  templates?: Record<string, readonly string[] | null>;
  riskyWords?: readonly string[];
}

const DEFAULT_QUOTAS: Readonly<Quotas> = {
  token: DEFAULT_CLASSIC_TOKEN_DAILY_QUOTA,
  stableNormal: DEFAULT_STABLE_NORMAL_DAILY_QUOTA,
  stableForce: DEFAULT_STABLE_FORCE_DAILY_QUOTA,
  ticket: DEFAULT_TICKET_DAILY_QUOTA,
  links: DEFAULT_LINKS_DAILY_QUOTA,
  wxacodeUnlimitPerMinute: DEFAULT_WXACODE_UNLIMIT_PER_MINUTE_QUOTA,
  wxacodeDaily: DEFAULT_WXACODE_DAILY_QUOTA,
  wxacodeTotal: DEFAULT_WXACODE_TOTAL_QUOTA,
};

export type TicketType = "jsapi" | "wx_card";

export interface IssuedTicket {
  readonly value: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

/** A subscribe message the app delivered (mini-program subscribe/send or official-account template/subscribe). */
export interface SentMessage {
  /** The API it came through. */
  readonly path: string;
  /** subscribe/send's msgid, as a string since it does not fit a double; null for template/subscribe. */
  readonly msgid: string | null;
  readonly touser: string;
  readonly template_id: string;
  readonly data: unknown;
  readonly page: string | null;
  /** template/subscribe only, as a string. */
  readonly scene: string | null;
  /** App-clock milliseconds. */
  readonly sentAt: number;
  /** The whole request body as parsed. */
  readonly body: Record<string, unknown>;
}

export class SimulatedApp {
  readonly settings: AppSettings;
  /** Added to the simulator's clock for this app only, so one test can skip hours without affecting others. */
  clockOffsetMs = 0;
  readonly tokens: Record<TokenSlotName, TokenSlot> = {
    classic: new TokenSlot(),
    stable: new TokenSlot(),
    authorizer: new TokenSlot(),
  };
  /** When a stable force refresh last actually issued a token (for the 30 s rule). */
  lastForceRefreshAt: number | null = null;
  readonly tickets = new Map<TicketType, IssuedTicket>();
  readonly calls = new CallCounters();
  /** Every request naming this app (its appid or one of its tokens), unknown paths included. */
  readonly received = new ReceivedPaths();
  readonly clearQuotaUses = new MonthlyCounter();
  readonly faults = new FaultBook();
  /** Links and codes generated, for their own quotas. */
  readonly issued = new IssueCounters();
  readonly users = new UserDirectory();
  readonly messages = new History<SentMessage>();
  /** Temporary media uploaded through /cgi-bin/media/upload (the last 100). */
  readonly media = new MediaLibrary();
  /** The latest business requests as received (token endpoints are not logged). */
  readonly requests = new History<LoggedRequest>();
  /** Failed calls by the rid their errmsg ended with, for openapi/rid/get. */
  readonly rids = new RidLog();
  /** The server URL, Token, key, mode and format set in WeChat's console for pushes; null until set. */
  push: AppPushSettings | null = null;
  /** The last 50 pushes WeChat sent the app, with how their delivery went. */
  readonly pushes = new History<AppPushRecord>();
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
    if (registration.published !== undefined) s.published = registration.published;
    if (registration.pages !== undefined) s.pages = [...registration.pages];
    if (registration.riskyWords !== undefined) s.riskyWords = [...registration.riskyWords];
    s.templates = mergeTemplates(s.templates, registration.templates);
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
    published: registration.published ?? true,
    pages: [...(registration.pages ?? DEFAULT_PAGES)],
    templates: mergeTemplates({ ...DEFAULT_TEMPLATES }, registration.templates),
    riskyWords: [...(registration.riskyWords ?? DEFAULT_RISKY_WORDS)],
  };
}

function mergeTemplates(current: Templates, changes: AppRegistration["templates"]): Templates {
  const merged: Templates = { ...current };
  for (const [id, keys] of Object.entries(changes ?? {})) {
    if (keys === null) delete merged[id];
    else merged[id] = [...keys];
  }
  return merged;
}

function definedOnly<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}

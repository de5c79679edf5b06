// One third-party platform (第三方平台, "component") as the simulator's Open Platform sees it
// (WECHAT.md §16): its credentials and message keys, the verify tickets it was pushed, its
// component_access_token, pre-auth and authorization codes, and the apps that authorized it.
//
// The component appid is also registered as a simulated app (with the component secret), which
// gives it a clock (POST /__sim/apps/{appid}/advance), call counters, the request log and faults
// on the component endpoints like any app. Each authorizer is a simulated app of its own (created
// without a known secret if the test did not register it), whose "authorizer" token slot holds
// the authorizer_access_token that business APIs accept.

import type { SimulatedApp } from "./app.ts";
import {
  AUTHORIZATION_CODE_LIFETIME_SECONDS,
  DEFAULT_COMPONENT_TOKEN_DAILY_QUOTA,
  PRE_AUTH_CODE_LIFETIME_SECONDS,
  VERIFY_TICKET_LIFETIME_SECONDS,
} from "./limits.ts";
import { History } from "./request-log.ts";
import { randomBase64Url } from "./responses.ts";
import { TokenSlot } from "./tokens.ts";

export interface ComponentSettings {
  readonly appid: string;
  secret: string;
  /** The message-verification Token set in the Open Platform console. */
  token: string;
  /** The 43-character EncodingAESKey. */
  encodingAESKey: string;
  /** Where pushes are POSTed (the 授权事件接收URL); null = only recorded, for tests to deliver. */
  pushUrl: string | null;
  /** true (WeChat's way here): every api_authorizer_token hands back a new refresh token and the old one dies. */
  rotateRefreshTokens: boolean;
  componentTokenDailyQuota: number;
}

export interface ComponentRegistration {
  appid: string;
  secret?: string;
  token?: string;
  encodingAESKey?: string;
  pushUrl?: string | null;
  rotateRefreshTokens?: boolean;
  componentTokenDailyQuota?: number;
}

export type AuthorizerType = "miniprogram" | "officialaccount";

/** Permission sets (funcscope_category ids) granted when an authorization names none. */
const DEFAULT_FUNC_INFO: Readonly<Record<AuthorizerType, readonly number[]>> = {
  miniprogram: [17, 18, 19, 25, 30, 31],
  officialaccount: [1, 2, 3, 4, 6, 7, 11, 15],
};

export interface VerifyTicket {
  readonly value: string;
  /** Component-clock milliseconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface PreAuthCode {
  readonly value: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  used: boolean;
}

export interface AuthorizationCode {
  readonly value: string;
  readonly authorizerAppid: string;
  readonly preAuthCode: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  used: boolean;
}

export interface Authorization {
  readonly authorizerAppid: string;
  type: AuthorizerType;
  funcInfo: number[];
  /** false once the merchant revoked it (until they authorize again). */
  authorized: boolean;
  /** Component-clock milliseconds of the latest authorization. */
  authTime: number;
  /** The one refresh token that works; null until an authorization code is exchanged, or once revoked. */
  refreshToken: string | null;
  /** api_authorizer_token calls that refreshed this authorizer successfully. */
  refreshes: number;
}

/** A push the component was sent (or would have been, without a pushUrl), for GET /__sim/components/{appid}. */
export interface PushRecord {
  infoType: string;
  /** Unix seconds, as in the event. */
  createTime: number;
  authorizerAppid: string | null;
  /** The verify ticket it carried, if it is one. */
  ticket: string | null;
  envelope: PushEnvelope;
  /** The receiver's answer; null without a pushUrl; "pending" while it is under way. */
  delivered: PushDelivery | null | "pending";
}

/** What WeChat POSTs to the 授权事件接收URL: the query and the XML body. */
export interface PushEnvelope {
  query: { timestamp: string; nonce: string; encrypt_type: "aes"; msg_signature: string };
  body: string;
}

export type PushDelivery = { status: number; body: string } | { error: string };

/** Real Open Platform values start with these prefixes ("ticket@@@…", "preauthcode@@@…"). */
function openPlatformValue(prefix: string): string {
  return `${prefix}@@@${randomBase64Url(48)}`;
}

export function newComponentSettings(
  registration: ComponentRegistration & { secret: string },
): ComponentSettings {
  return {
    appid: registration.appid,
    secret: registration.secret,
    token: registration.token ?? "",
    encodingAESKey: registration.encodingAESKey ?? "",
    pushUrl: registration.pushUrl ?? null,
    rotateRefreshTokens: registration.rotateRefreshTokens ?? true,
    componentTokenDailyQuota: registration.componentTokenDailyQuota ?? DEFAULT_COMPONENT_TOKEN_DAILY_QUOTA,
  };
}

export class SimulatedComponent {
  readonly settings: ComponentSettings;
  /** The component appid's simulated app: clock, counters, request log, faults. */
  readonly app: SimulatedApp;
  /** component_access_token: each call issues a new one; the previous one keeps 5 minutes. */
  readonly tokens = new TokenSlot();
  tokensIssued = 0;
  /** Issued verify tickets still alive, oldest first (any of them is accepted). */
  private tickets: VerifyTicket[] = [];
  ticketsIssued = 0;
  readonly preAuthCodes = new Map<string, PreAuthCode>();
  readonly authorizationCodes = new Map<string, AuthorizationCode>();
  /** By authorizer appid, in the order they first authorized. */
  readonly authorizations = new Map<string, Authorization>();
  readonly pushes = new History<PushRecord>();
  /** Every request naming the component (its appid or its token), by path, faults included. */
  readonly calls: Record<string, number> = {};

  constructor(settings: ComponentSettings, app: SimulatedApp) {
    this.settings = settings;
    this.app = app;
  }

  now(): number {
    return this.app.now();
  }

  update(registration: ComponentRegistration): void {
    const s = this.settings;
    if (registration.secret !== undefined) s.secret = registration.secret;
    if (registration.token !== undefined) s.token = registration.token;
    if (registration.encodingAESKey !== undefined) s.encodingAESKey = registration.encodingAESKey;
    if (registration.pushUrl !== undefined) s.pushUrl = registration.pushUrl;
    if (registration.rotateRefreshTokens !== undefined)
      s.rotateRefreshTokens = registration.rotateRefreshTokens;
    if (registration.componentTokenDailyQuota !== undefined)
      s.componentTokenDailyQuota = registration.componentTokenDailyQuota;
  }

  recordCall(path: string): void {
    this.calls[path] = (this.calls[path] ?? 0) + 1;
  }

  /** A new ticket (each push carries a new one), valid 12 hours; the dead ones are forgotten. */
  issueTicket(now: number): VerifyTicket {
    const ticket = {
      value: openPlatformValue("ticket"),
      issuedAt: now,
      expiresAt: now + VERIFY_TICKET_LIFETIME_SECONDS * 1000,
    };
    this.tickets = [...this.tickets.filter((t) => t.expiresAt > now), ticket];
    this.ticketsIssued += 1;
    return ticket;
  }

  /** Whether `value` is a ticket this component was pushed less than 12 hours ago. */
  isLiveTicket(value: string, now: number): boolean {
    return this.tickets.some((t) => t.value === value && t.expiresAt > now);
  }

  liveTickets(now: number): VerifyTicket[] {
    return this.tickets.filter((t) => t.expiresAt > now);
  }

  newPreAuthCode(now: number): PreAuthCode {
    const code = {
      value: openPlatformValue("preauthcode"),
      issuedAt: now,
      expiresAt: now + PRE_AUTH_CODE_LIFETIME_SECONDS * 1000,
      used: false,
    };
    this.preAuthCodes.set(code.value, code);
    return code;
  }

  /** Uses up a pre-auth code; false if it was never issued, is used or expired. */
  consumePreAuthCode(value: string, now: number): boolean {
    const code = this.preAuthCodes.get(value);
    if (!code || code.used || code.expiresAt <= now) return false;
    code.used = true;
    return true;
  }

  /**
   * The merchant authorizes (again, or updates): the authorization is on from now, and a new
   * single-use authorization code will hand out its tokens. A refresh token already held keeps
   * working until that code is exchanged.
   */
  authorize(
    authorizerAppid: string,
    grant: { type: AuthorizerType; funcInfo: number[] | undefined; preAuthCode: string },
    now: number,
  ): AuthorizationCode {
    const existing = this.authorizations.get(authorizerAppid);
    const funcInfo = grant.funcInfo ?? existing?.funcInfo ?? [...DEFAULT_FUNC_INFO[grant.type]];
    if (existing) {
      existing.type = grant.type;
      existing.funcInfo = [...funcInfo];
      existing.authorized = true;
      existing.authTime = now;
    } else {
      this.authorizations.set(authorizerAppid, {
        authorizerAppid,
        type: grant.type,
        funcInfo: [...funcInfo],
        authorized: true,
        authTime: now,
        refreshToken: null,
        refreshes: 0,
      });
    }
    const code = {
      value: openPlatformValue("queryauthcode"),
      authorizerAppid,
      preAuthCode: grant.preAuthCode,
      issuedAt: now,
      expiresAt: now + AUTHORIZATION_CODE_LIFETIME_SECONDS * 1000,
      used: false,
    };
    this.authorizationCodes.set(code.value, code);
    return code;
  }

  /** The merchant revokes: the refresh token dies and unexchanged codes with it. */
  revoke(authorizerAppid: string): Authorization | undefined {
    const authorization = this.authorizations.get(authorizerAppid);
    if (!authorization) return undefined;
    authorization.authorized = false;
    authorization.refreshToken = null;
    for (const code of this.authorizationCodes.values()) {
      if (code.authorizerAppid === authorizerAppid) code.used = true;
    }
    return authorization;
  }

  /** A new refresh token for the authorizer; the one before it stops working. */
  rotateRefreshToken(authorization: Authorization): string {
    authorization.refreshToken = openPlatformValue("refreshtoken");
    return authorization.refreshToken;
  }
}

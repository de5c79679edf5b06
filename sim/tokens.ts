// access_token bookkeeping. Each app has three independent slots (classic /cgi-bin/token,
// /cgi-bin/stable_token, and the authorizer_access_token a third-party platform gets for it from
// /cgi-bin/component/api_authorizer_token); a component's component_access_token has a slot of its
// own in a registry of its own (business APIs never accept one). Each slot keeps the current token and at most ONE previous token, which
// stays usable for a short overlap. Every token ever issued stays in the registry so that a
// business API can tell "expired" (42001) and "replaced" (40001) apart from "never seen" (40001).

import { TOKEN_OVERLAP_SECONDS } from "./limits.ts";
import { randomBase64Url } from "./responses.ts";

export type TokenSlotName = "classic" | "stable" | "authorizer";

/** What a token is: one of an app's slots, or a third-party platform's component_access_token. */
export type TokenKind = TokenSlotName | "component";

/** Why a token stopped working, which decides the errcode a business API gives for it. */
type TokenDeathCause = "expired" | "not_latest";

export interface IssuedToken {
  readonly value: string;
  readonly appid: string;
  /** For a component token, `appid` is the component's. */
  readonly slot: TokenKind;
  /** App-clock milliseconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** When the token stops working: its expiry, or earlier once it is replaced or invalidated. */
  diesAt: number;
  deathCause: TokenDeathCause;
}

export type TokenStatus = "valid" | TokenDeathCause;

export function tokenStatus(token: IssuedToken, now: number): TokenStatus {
  return now < token.diesAt ? "valid" : token.deathCause;
}

/** Seconds a token has left, rounded down, as WeChat reports them in expires_in. */
export function remainingSeconds(token: IssuedToken, now: number): number {
  return Math.max(0, Math.floor((token.expiresAt - now) / 1000));
}

/** Cuts a token's life short (never lengthens it); from then on it counts as "not latest". */
function shortenLife(token: IssuedToken, diesAt: number): void {
  if (diesAt < token.diesAt) {
    token.diesAt = diesAt;
    token.deathCause = "not_latest";
  }
}

export class TokenSlot {
  current: IssuedToken | null = null;
  previous: IssuedToken | null = null;

  /**
   * Makes `fresh` the current token. The replaced one stays valid for min(its remaining life,
   * 5 minutes); the one before it dies at once (WeChat keeps only one old token alive).
   */
  rotate(fresh: IssuedToken, now: number): void {
    if (this.previous) shortenLife(this.previous, now);
    if (this.current) shortenLife(this.current, now + TOKEN_OVERLAP_SECONDS * 1000);
    this.previous = this.current;
    this.current = fresh;
  }

  /** Kills both tokens with no grace, as a leaked-token emergency or a foreign refresh would. */
  invalidate(now: number): void {
    if (this.previous) shortenLife(this.previous, now);
    if (this.current) shortenLife(this.current, now);
    this.previous = null;
    this.current = null;
  }
}

/** Bytes of randomness after the "<seq>_" prefix: 105 bytes = 140 base64url characters. */
const TOKEN_RANDOM_BYTES = 105;

export class TokenRegistry {
  private readonly byValue = new Map<string, IssuedToken>();
  /** Real tokens start with a small number and an underscore ("54_..."). */
  private sequence = 0;

  issue(appid: string, slot: TokenKind, now: number, lifetimeSeconds: number): IssuedToken {
    this.sequence += 1;
    const expiresAt = now + lifetimeSeconds * 1000;
    const token: IssuedToken = {
      value: `${this.sequence}_${randomBase64Url(TOKEN_RANDOM_BYTES)}`,
      appid,
      slot,
      issuedAt: now,
      expiresAt,
      diesAt: expiresAt,
      deathCause: "expired",
    };
    this.byValue.set(token.value, token);
    return token;
  }

  find(value: string): IssuedToken | undefined {
    return this.byValue.get(value);
  }

  /** Forgets an app's tokens (used when the app itself is deleted), so they read as unknown. */
  forgetApp(appid: string): void {
    for (const [value, token] of this.byValue) {
      if (token.appid === appid) this.byValue.delete(value);
    }
  }
}

// The people an app knows: mini-program users who logged in (or were set up by a test), official-account
// followers, their phone numbers, their one-time subscribe authorizations, and the wx.login and
// getPhoneNumber codes waiting to be exchanged.

import { LOGIN_CODE_LIFETIME_SECONDS, PHONE_CODE_LIFETIME_SECONDS } from "./limits.ts";
import { randomBase62, randomBase64Url } from "./responses.ts";

export interface SimulatedUser {
  readonly openid: string;
  /** Set only when the app is bound to an Open Platform account; null otherwise. */
  unionid: string | null;
  /** Official account: 1 = follows the account. */
  subscribe: 0 | 1;
  /** Unix seconds of the latest follow. */
  subscribeTime: number;
  /** The session_key of the user's latest login code (what jscode2session hands out). */
  sessionKey: string | null;
  /** App-clock milliseconds of the latest successful jscode2session. */
  lastLoginAt: number | null;
  /** The phone number bound to the user's WeChat account, as getuserphonenumber tells it; null if none. */
  phone: SimulatedPhone | null;
}

/** phone_info without its watermark, with WeChat's field names. */
export interface SimulatedPhone {
  /** With the country code for numbers outside mainland China. */
  readonly phoneNumber: string;
  readonly purePhoneNumber: string;
  /** Documented as a number, sent as a string ("86"). */
  readonly countryCode: string;
}

/** What the user's tap on a getPhoneNumber button hands the mini program: a code for one exchange. */
export interface PhoneCode {
  readonly code: string;
  readonly openid: string;
  /** The number the user agreed to share, as it was when they tapped. */
  readonly phone: SimulatedPhone;
  /** App-clock milliseconds. */
  readonly issuedAt: number;
  used: boolean;
}

export type PhoneCodeCheck =
  | { ok: true; code: PhoneCode }
  | { ok: false; reason: "unknown" | "expired" | "used" };

export interface LoginCode {
  readonly code: string;
  readonly openid: string;
  readonly sessionKey: string;
  /** App-clock milliseconds. */
  readonly issuedAt: number;
  /** A high-risk user: WeChat refuses the login with 40226. */
  readonly blocked: boolean;
  used: boolean;
}

export type LoginCodeCheck =
  | { ok: true; code: LoginCode }
  | { ok: false; reason: "unknown" | "expired" | "used" | "blocked" };

export interface AuthorizationView {
  template_id: string;
  /** null = a mini-program subscribe authorization; a string = an official-account one for that scene. */
  scene: string | null;
  remaining: number;
}

/**
 * Real openids and unionids are 28 characters of base64url starting with "o"
 * ("o6_bmjrPTlm6_2sgVt7hMZOPfL2M"): "o" plus 27 random ones (21 bytes give 28, one is dropped).
 */
const WECHAT_ID_RANDOM_BYTES = 21;
const WECHAT_ID_LENGTH = 28;

function newWechatId(): string {
  return `o${randomBase64Url(WECHAT_ID_RANDOM_BYTES).slice(0, WECHAT_ID_LENGTH - 1)}`;
}

/** session_key is an AES-128 key: base64 of 16 random bytes, 24 characters with "==" at the end. */
const SESSION_KEY_BYTES = 16;

function newSessionKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SESSION_KEY_BYTES));
  return btoa(String.fromCharCode(...bytes));
}

/** wx.login codes are 32 letters and digits ("0a3Xyz..."); a leading "0" like most real ones. */
const LOGIN_CODE_LENGTH = 32;

/** getPhoneNumber codes are 64 lowercase hex digits: 32 random bytes. */
const PHONE_CODE_BYTES = 32;

function newPhoneCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(PHONE_CODE_BYTES));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Mainland China's country calling code, the one WeChat leaves out of phoneNumber. */
export const MAINLAND_COUNTRY_CODE = "86";

/** The phone_info of a number: phoneNumber carries the country code only outside mainland China. */
export function simulatedPhone(purePhoneNumber: string, countryCode = MAINLAND_COUNTRY_CODE): SimulatedPhone {
  const phoneNumber =
    countryCode === MAINLAND_COUNTRY_CODE ? purePhoneNumber : `+${countryCode} ${purePhoneNumber}`;
  return { phoneNumber, purePhoneNumber, countryCode };
}

/** A mainland mobile number (11 digits from "1"): "138" and 8 random digits. */
const GENERATED_PHONE_PREFIX = "138";
const GENERATED_PHONE_RANDOM_DIGITS = 8;

export function newMainlandPhone(): SimulatedPhone {
  const digits = Array.from(crypto.getRandomValues(new Uint8Array(GENERATED_PHONE_RANDOM_DIGITS)), (b) =>
    String(b % 10),
  ).join("");
  return simulatedPhone(`${GENERATED_PHONE_PREFIX}${digits}`);
}

function authorizationKey(openid: string, templateId: string, scene: string | null): string {
  return JSON.stringify([openid, templateId, scene]);
}

export class UserDirectory {
  private readonly users = new Map<string, SimulatedUser>();
  /** authorizationKey -> remaining sends. */
  private readonly authorizations = new Map<string, number>();
  private readonly codes = new Map<string, LoginCode>();
  private readonly phoneCodes = new Map<string, PhoneCode>();

  get(openid: string): SimulatedUser | undefined {
    return this.users.get(openid);
  }

  all(): SimulatedUser[] {
    return [...this.users.values()];
  }

  /**
   * Creates the user (with a fresh openid when none is given) or updates an existing one. A new user
   * gets a generated unionid unless `unionid: null` is asked for, and follows the official account.
   */
  upsert(
    openid: string | undefined,
    changes: { unionid?: string | null; subscribe?: 0 | 1; phone?: SimulatedPhone | null },
    nowMs: number,
  ): SimulatedUser {
    const nowSeconds = Math.floor(nowMs / 1000);
    const existing = openid === undefined ? undefined : this.users.get(openid);
    if (existing) {
      if (changes.unionid !== undefined) existing.unionid = changes.unionid;
      if (changes.phone !== undefined) existing.phone = changes.phone;
      if (changes.subscribe !== undefined && changes.subscribe !== existing.subscribe) {
        existing.subscribe = changes.subscribe;
        if (changes.subscribe === 1) existing.subscribeTime = nowSeconds;
      }
      return existing;
    }
    const user: SimulatedUser = {
      openid: openid ?? newWechatId(),
      unionid: changes.unionid === undefined ? newWechatId() : changes.unionid,
      subscribe: changes.subscribe ?? 1,
      subscribeTime: nowSeconds,
      sessionKey: null,
      lastLoginAt: null,
      phone: changes.phone ?? null,
    };
    this.users.set(user.openid, user);
    return user;
  }

  /** A new single-use code for the user, with its own session_key (which becomes the user's current one). */
  issueLoginCode(user: SimulatedUser, blocked: boolean, nowMs: number): LoginCode {
    const code: LoginCode = {
      code: `0${randomBase62(LOGIN_CODE_LENGTH - 1)}`,
      openid: user.openid,
      sessionKey: newSessionKey(),
      issuedAt: nowMs,
      blocked,
      used: false,
    };
    user.sessionKey = code.sessionKey;
    this.codes.set(code.code, code);
    return code;
  }

  /** Looks a code up without using it: unknown, used, expired (5 minutes) or blocked codes fail. */
  checkLoginCode(value: string, nowMs: number): LoginCodeCheck {
    const code = this.codes.get(value);
    if (!code) return { ok: false, reason: "unknown" };
    if (code.used) return { ok: false, reason: "used" };
    if (nowMs - code.issuedAt > LOGIN_CODE_LIFETIME_SECONDS * 1000) return { ok: false, reason: "expired" };
    if (code.blocked) return { ok: false, reason: "blocked" };
    return { ok: true, code };
  }

  /** A new single-use getPhoneNumber code, for `phone` (which becomes the user's current number). */
  issuePhoneCode(user: SimulatedUser, phone: SimulatedPhone, nowMs: number): PhoneCode {
    user.phone = phone;
    const code: PhoneCode = {
      code: newPhoneCode(),
      openid: user.openid,
      phone,
      issuedAt: nowMs,
      used: false,
    };
    this.phoneCodes.set(code.code, code);
    return code;
  }

  /** Looks a phone code up without using it: unknown, used or expired (5 minutes) codes fail. */
  checkPhoneCode(value: string, nowMs: number): PhoneCodeCheck {
    const code = this.phoneCodes.get(value);
    if (!code) return { ok: false, reason: "unknown" };
    if (code.used) return { ok: false, reason: "used" };
    if (nowMs - code.issuedAt > PHONE_CODE_LIFETIME_SECONDS * 1000) return { ok: false, reason: "expired" };
    return { ok: true, code };
  }

  grantAuthorization(openid: string, templateId: string, scene: string | null, count: number): void {
    const key = authorizationKey(openid, templateId, scene);
    this.authorizations.set(key, (this.authorizations.get(key) ?? 0) + count);
  }

  /** Uses up one authorization; false when none is left. */
  consumeAuthorization(openid: string, templateId: string, scene: string | null): boolean {
    const key = authorizationKey(openid, templateId, scene);
    const remaining = this.authorizations.get(key) ?? 0;
    if (remaining <= 0) return false;
    this.authorizations.set(key, remaining - 1);
    return true;
  }

  authorizationsOf(openid: string): AuthorizationView[] {
    const views: AuthorizationView[] = [];
    for (const [key, remaining] of this.authorizations) {
      const [owner, templateId, scene] = JSON.parse(key) as [string, string, string | null];
      if (owner === openid) views.push({ template_id: templateId, scene, remaining });
    }
    return views;
  }
}

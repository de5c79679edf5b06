// The web side of QR-Auth, the steps a web app's backend takes: open a session (Initiate), the code
// to show for it (Code), and its status (Status). Shared by the API (routes/qrauth.ts, behind an
// API key) and the QR-login demo's own backend (routes/demo.ts), so both follow exactly the same
// rules.

import type { z } from "@hono/zod-openapi";
import { GatewayError, orThrow } from "../platform/errors.ts";
import { IsolateMemo } from "../platform/isolate-memo.ts";
import type { BusinessCall } from "../wechat/business-calls.ts";
import type { InitiateSchema, QrScannerSchema, QrStatusSchema } from "./schemas.ts";
import { DEFAULT_QR_AUTH, type QrAuthApp } from "./settings.ts";
import { newSignInKey } from "./sign-in-key.ts";

export type QrInitiate = z.output<typeof InitiateSchema>;
export type QrStatusAnswer = z.output<typeof QrStatusSchema>;
type QrScanner = z.output<typeof QrScannerSchema>;

/** The app's QR-Auth settings with the defaults filled in. */
export function qrSettings(app: QrAuthApp) {
  return { ...DEFAULT_QR_AUTH, ...app.qrAuth };
}

export const sessionOf = (env: Env, signInKey: number) => env.QR_SESSION.getByName(String(signInKey));
export const usersOf = (env: Env, appKey: string) => env.QR_USERS.getByName(appKey);

/**
 * Opens a pending session for `app` under a fresh random signInKey and answers that key. The app's
 * user directory lists the session first, so that deleting the app finds every session it has.
 */
export async function openSession(env: Env, app: QrAuthApp, input: QrInitiate): Promise<number> {
  const ttlSeconds = qrSettings(app).sessionTtlSeconds;
  const users = usersOf(env, app.appKey);
  for (;;) {
    const signInKey = newSignInKey();
    if (!(await users.trackSession(signInKey, ttlSeconds))) {
      throw new GatewayError(404, `no app is registered as ${app.appKey}`);
    }
    const opened = await sessionOf(env, signInKey).open({
      signInKey,
      appKey: app.appKey,
      ttlSeconds,
      ...input,
    });
    // A taken key (one chance in 2^53 per live session) just means drawing again.
    if (opened.ok) return signInKey;
  }
}

/**
 * The WeChat call that draws the session's mini-program code (scene = signInKey, page =
 * `qrAuth.page`), once the session is known to be pending: only a pending session has a code.
 */
export async function sessionCodeCall(env: Env, app: QrAuthApp, signInKey: number): Promise<BusinessCall> {
  const view = orThrow(await sessionOf(env, signInKey).view(app.appKey));
  if (view.session.status !== "pending") {
    throw new GatewayError(
      409,
      `the sign-in session is ${view.session.status}; only a pending one has a code`,
    );
  }
  const page = qrSettings(app).page;
  return {
    method: "POST",
    path: "/wxa/getwxacodeunlimit",
    jsonText: JSON.stringify({ scene: String(signInKey), ...(page ? { page } : {}) }),
    expect: "image",
    quotaIsPerMinute: true,
  };
}

/**
 * How long this isolate answers a pending or scanned session's polls from memory. A web page polls
 * every second or two, so it sees a scan or a confirmation at most this much later; a page (or a
 * loop) polling faster costs the session's object one call per isolate per second, not one per
 * poll. A confirmed session is never remembered: its token is handed out by the object, once.
 */
const POLL_MEMO_MS = 1_000;
/** Sessions live minutes and a page polls one: room for every session one isolate sees at once. */
const POLL_MEMO_ENTRIES = 10_000;

type PolledStatus = { status: "pending" | "scanned"; scanner?: QrScanner; expiresAt: number };
const polled = new IsolateMemo<PolledStatus>(POLL_MEMO_MS, POLL_MEMO_ENTRIES);
const pollKey = (appKey: string, signInKey: number) => `${appKey}\n${signInKey}`;

/** A scan or confirmation in this isolate is seen by its next poll here, not a second later. */
export function forgetPolledStatus(appKey: string, signInKey: number): void {
  polled.delete(pollKey(appKey, signInKey));
}

/** The app was deleted: none of its sessions is answered from memory here any more. */
export function forgetPolledStatusesOf(appKey: string): void {
  polled.deleteWhere((_, key) => key.startsWith(`${appKey}\n`));
}

const secondsLeft = (expiresAt: number, now: number) => Math.max(0, Math.ceil((expiresAt - now) / 1000));

/**
 * The session's status for the web side. A confirmed session hands its token to this one answer
 * and is consumed; a scanned one says who scanned (their profile in this app, never an id).
 */
export async function sessionStatus(env: Env, appKey: string, signInKey: number): Promise<QrStatusAnswer> {
  const key = pollKey(appKey, signInKey);
  const now = Date.now();
  const seen = polled.get(key, now);
  if (seen && now < seen.expiresAt) {
    return {
      status: seen.status,
      ...(seen.scanner ? { scanner: seen.scanner } : {}),
      expires_in: secondsLeft(seen.expiresAt, now),
    };
  }
  const picked = orThrow(await sessionOf(env, signInKey).pickUp(appKey));
  const scanner =
    picked.status === "scanned" && picked.scannerSubject
      ? await scannerOf(env, appKey, picked.scannerSubject)
      : undefined;
  if (picked.status === "pending" || picked.status === "scanned") {
    polled.set(key, { status: picked.status, ...(scanner ? { scanner } : {}), expiresAt: picked.expiresAt });
  }
  return {
    status: picked.status,
    ...(picked.token ? { token: picked.token } : {}),
    ...(scanner ? { scanner } : {}),
    expires_in: picked.status === "expired" ? 0 : secondsLeft(picked.expiresAt, Date.now()),
  };
}

async function scannerOf(env: Env, appKey: string, subject: string): Promise<QrScanner> {
  const profile = await usersOf(env, appKey).profileOf(subject);
  if (!profile) return { registered: false };
  return {
    registered: true,
    ...(profile.nickName === null ? {} : { nickName: profile.nickName }),
    ...(profile.avatar === null ? {} : { avatar: profile.avatar }),
  };
}

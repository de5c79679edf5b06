// One QR sign-in session, owned by one Durable Object named by its signInKey. KV has no
// compare-and-set, allows one write per second per key and can serve a read 60 s stale, so every
// transition and every Status read is decided here, one request at a time; each change is then
// written through to the session's KV record, which carries the same TTL.

import { DurableObject } from "cloudflare:workers";
import type { Failure } from "../platform/errors.ts";
import { KV_MIN_TTL_SECONDS } from "../platform/limits.ts";

/**
 * After its TTL a session keeps only "expired" (no user, no token) this long, so that a web page
 * still polling sees "expired" rather than "unknown"; then the object deletes everything.
 */
export const EXPIRED_VISIBLE_SECONDS = 300;

type QrStatus = "pending" | "scanned" | "confirmed" | "consumed" | "expired";

export type TokenModel = { access_token: string; token_type: "Bearer"; expires_in: number };

/** Who scanned: the mini-program user as their login session named them (never client input). */
export type QrUser = { openid: string; subject: string };

export type QrSessionInput = {
  signInKey: number;
  appKey: string;
  scopes: string;
  remark: string;
  scheme: string;
  ttlSeconds: number;
};

type QrSessionRecord = QrSessionInput & {
  status: QrStatus;
  createdAt: number;
  expiresAt: number;
  scannedAt: number | null;
  confirmedAt: number | null;
  user: QrUser | null;
  /** Held from confirmation until the web side picks it up, then dropped. */
  token: TokenModel | null;
};

type QrView = {
  status: QrStatus;
  scopes: string;
  remark: string;
  scheme: string;
  expiresAt: number;
};

export type QrFailure = Failure<403 | 404 | 409>;
export type QrViewResult = { ok: true; session: QrView } | QrFailure;
export type QrPickUp =
  | {
      ok: true;
      status: QrStatus;
      expiresAt: number;
      token: TokenModel | null;
      /** Whose scan it is while the session is `scanned` (the web side is told their profile, never this). */
      scannerSubject: string | null;
    }
  | QrFailure;

const RECORD = "session";

const unknown = (): QrFailure => ({
  ok: false,
  status: 404,
  message: "no sign-in session has this signInKey",
});

function qrRecordKey(signInKey: number): string {
  return `qr:${signInKey}`;
}

export class QrSession extends DurableObject<Env> {
  async open(input: QrSessionInput): Promise<{ ok: true; expiresAt: number } | QrFailure> {
    if (await this.load()) return { ok: false, status: 409, message: "this signInKey is taken" };
    const now = Date.now();
    const record: QrSessionRecord = {
      ...input,
      status: "pending",
      createdAt: now,
      expiresAt: now + input.ttlSeconds * 1000,
      scannedAt: null,
      confirmedAt: null,
      user: null,
      token: null,
    };
    await this.save(record);
    await this.ctx.storage.setAlarm(record.expiresAt);
    return { ok: true, expiresAt: record.expiresAt };
  }

  /** The session as its app sees it (the web side and the code image). */
  async view(appKey: string): Promise<QrViewResult> {
    const record = await this.current(appKey);
    if (!record) return unknown();
    return { ok: true, session: viewOf(record) };
  }

  /** Binds a pending session to the scanning user; scanning again by that same user is harmless. */
  async scan(appKey: string, user: QrUser): Promise<QrViewResult> {
    const record = await this.current(appKey);
    if (!record) return unknown();
    const refusal = refuseUnlessOpenFor(record, user, { allowPending: true });
    if (refusal) return refusal;
    if (record.status === "pending") {
      await this.save({ ...record, status: "scanned", scannedAt: Date.now(), user });
    }
    return { ok: true, session: viewOf({ ...record, status: "scanned" }) };
  }

  /** Whether `user` may confirm now (asked before registering a user, so nothing is created in vain). */
  async mayConfirm(appKey: string, user: QrUser): Promise<QrViewResult> {
    const record = await this.current(appKey);
    if (!record) return unknown();
    return (
      refuseUnlessOpenFor(record, user, { allowPending: false }) ?? { ok: true, session: viewOf(record) }
    );
  }

  /** scanned → confirmed, holding the token for the web side; exactly one confirmation wins. */
  async confirm(appKey: string, user: QrUser, token: TokenModel): Promise<QrViewResult> {
    const record = await this.current(appKey);
    if (!record) return unknown();
    const refusal = refuseUnlessOpenFor(record, user, { allowPending: false });
    if (refusal) return refusal;
    const confirmed: QrSessionRecord = { ...record, status: "confirmed", confirmedAt: Date.now(), token };
    await this.save(confirmed);
    return { ok: true, session: viewOf(confirmed) };
  }

  /** Status for the web side: a confirmed session hands out its token once and is then consumed. */
  async pickUp(appKey: string): Promise<QrPickUp> {
    const record = await this.current(appKey);
    if (!record) return unknown();
    if (record.status !== "confirmed" || !record.token) {
      const scannerSubject = record.status === "scanned" ? (record.user?.subject ?? null) : null;
      return { ok: true, status: record.status, expiresAt: record.expiresAt, token: null, scannerSubject };
    }
    await this.save({ ...record, status: "consumed", token: null });
    return {
      ok: true,
      status: "confirmed",
      expiresAt: record.expiresAt,
      token: record.token,
      scannerSubject: null,
    };
  }

  /**
   * Deletes the session, its KV mirror and its alarm: its app was deleted, and a deletion leaves
   * nothing of the appKey behind. The mirror goes first, so that a failure leaves the session in
   * place for the deletion to try again.
   */
  async erase(appKey: string): Promise<void> {
    const record = await this.load();
    if (!record || record.appKey !== appKey) return;
    await this.env.REGISTRY.delete(qrRecordKey(record.signInKey));
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    const record = await this.load();
    if (!record) return;
    const now = Date.now();
    if (record.status !== "expired" && now >= record.expiresAt) {
      await this.expire(record);
    } else if (record.status === "expired") {
      await this.ctx.storage.deleteAll();
    } else {
      await this.ctx.storage.setAlarm(record.expiresAt);
    }
  }

  // ---- storage -------------------------------------------------------------------------------

  private async load(): Promise<QrSessionRecord | undefined> {
    return this.ctx.storage.get<QrSessionRecord>(RECORD);
  }

  /** The session for `appKey`, expired first if its TTL has passed and the alarm is late. */
  private async current(appKey: string): Promise<QrSessionRecord | null> {
    let record = await this.load();
    if (!record || record.appKey !== appKey) return null;
    if (record.status !== "expired" && Date.now() >= record.expiresAt) record = await this.expire(record);
    return record;
  }

  private async expire(record: QrSessionRecord): Promise<QrSessionRecord> {
    // Nothing about the user or the token outlives the TTL: only the fact that it expired.
    const expired: QrSessionRecord = { ...record, status: "expired", user: null, token: null };
    await this.ctx.storage.put(RECORD, expired);
    await this.ctx.storage.setAlarm(record.expiresAt + EXPIRED_VISIBLE_SECONDS * 1000);
    try {
      await this.env.REGISTRY.delete(qrRecordKey(record.signInKey));
    } catch (error) {
      logWriteThroughFailure(record, error);
    }
    return expired;
  }

  private async save(record: QrSessionRecord): Promise<void> {
    await this.ctx.storage.put(RECORD, record);
    await this.writeThrough(record);
  }

  /**
   * The KV record mirrors the session for readers that can live with KV's consistency; it expires
   * with the session. KV refuses TTLs under 60 s, so a late write may ask for 60 s, and the
   * expiry alarm deletes the record on time instead.
   */
  private async writeThrough(record: QrSessionRecord): Promise<void> {
    const secondsLeft = Math.ceil((record.expiresAt - Date.now()) / 1000);
    const expirationTtl = Math.max(secondsLeft, KV_MIN_TTL_SECONDS);
    const mirror = {
      signInKey: record.signInKey,
      appKey: record.appKey,
      status: record.status,
      scopes: record.scopes,
      remark: record.remark,
      scheme: record.scheme,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      scannedAt: record.scannedAt,
      confirmedAt: record.confirmedAt,
    };
    try {
      await this.env.REGISTRY.put(qrRecordKey(record.signInKey), JSON.stringify(mirror), { expirationTtl });
    } catch (error) {
      // The object is the source of truth; a failed mirror write (e.g. KV's one write per second
      // per key) must not fail the user's sign-in.
      logWriteThroughFailure(record, error);
    }
  }
}

function viewOf(record: QrSessionRecord): QrView {
  return {
    status: record.status,
    scopes: record.scopes,
    remark: record.remark,
    scheme: record.scheme,
    expiresAt: record.expiresAt,
  };
}

/** Forward only, bound to the first scanner: why `user` may not act on this session now, if so. */
function refuseUnlessOpenFor(
  record: QrSessionRecord,
  user: QrUser,
  { allowPending }: { allowPending: boolean },
): QrFailure | null {
  switch (record.status) {
    case "expired":
      return { ok: false, status: 409, message: "the sign-in session has expired" };
    case "confirmed":
    case "consumed":
      return { ok: false, status: 409, message: "the sign-in session is already confirmed" };
    case "pending":
      return allowPending
        ? null
        : { ok: false, status: 409, message: "the sign-in session has not been scanned yet" };
    case "scanned":
      return record.user?.openid === user.openid
        ? null
        : { ok: false, status: 403, message: "the sign-in session was scanned by another user" };
  }
}

function logWriteThroughFailure(record: QrSessionRecord, error: unknown): void {
  console.log(
    JSON.stringify({
      event: "qr_session_mirror_failed",
      appKey: record.appKey,
      status: record.status,
      error: error instanceof Error ? error.message : "unknown",
    }),
  );
}

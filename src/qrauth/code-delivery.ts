// Verification codes for Confirm-Register: drawn here, delivered by the operator's webhook
// (CODE_WEBHOOK_URL), which turns them into an email or SMS. Each POST is signed with HMAC-SHA256
// so the receiver can tell it came from this gateway and is fresh.

import { timestampedSignature } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import { withDeadline } from "../wechat/deadline.ts";
import type { Channel } from "./users.ts";

/** Six digits: inside the contract's 4–8, and what users expect from SMS codes. */
const CODE_DIGITS = 6;
/** The webhook is the operator's service; a slow one must not hold the mini program for long. */
const CODE_WEBHOOK_TIMEOUT_MS = 5_000;
const SIGNATURE_HEADER = "X-Gateway-Signature";

export function newVerificationCode(): string {
  // Rejection sampling keeps every code equally likely.
  const limit = 10 ** CODE_DIGITS;
  const ceiling = Math.floor(0x1_0000_0000 / limit) * limit;
  for (;;) {
    const [value] = crypto.getRandomValues(new Uint32Array(1)) as unknown as [number];
    if (value < ceiling) return String(value % limit).padStart(CODE_DIGITS, "0");
  }
}

export type CodeDelivery = {
  appKey: string;
  channel: Channel;
  target: string;
  code: string;
  expiresAt: number;
  ttlSeconds: number;
};

export type DeliveryResult = { ok: true } | Failure<502 | 503>;

export const CODES_NOT_CONFIGURED =
  "verification codes are not configured (CODE_WEBHOOK_URL and CODE_WEBHOOK_SECRET)";

export function codeWebhookConfigured(env: Env): boolean {
  return Boolean(env.CODE_WEBHOOK_URL && env.CODE_WEBHOOK_SECRET);
}

export async function deliverCode(env: Env, delivery: CodeDelivery): Promise<DeliveryResult> {
  const url = env.CODE_WEBHOOK_URL;
  const secret = env.CODE_WEBHOOK_SECRET;
  if (!url || !secret) return { ok: false, status: 503, message: CODES_NOT_CONFIGURED };
  const body = JSON.stringify({
    appKey: delivery.appKey,
    channel: delivery.channel,
    target: delivery.target,
    code: delivery.code,
    expiresAt: new Date(delivery.expiresAt).toISOString(),
    ttlSeconds: delivery.ttlSeconds,
  });
  const signature = await timestampedSignature(secret, body, Math.floor(Date.now() / 1000));
  try {
    const status = await withDeadline(CODE_WEBHOOK_TIMEOUT_MS, async (signal) => {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Gateway-Event": "verification-code",
          [SIGNATURE_HEADER]: signature,
        },
        body,
        signal,
      });
      await response.body?.cancel();
      return response.status;
    });
    if (status >= 200 && status < 300) return { ok: true };
    return { ok: false, status: 502, message: `the code webhook answered HTTP ${status}` };
  } catch {
    return { ok: false, status: 502, message: "the code webhook could not be reached" };
  }
}

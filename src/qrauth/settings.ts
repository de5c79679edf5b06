// An app's QR-Auth settings: part of its registration (registry/schemas.ts), defaulted here, where
// they are used.

import { z } from "@hono/zod-openapi";
import { KV_MIN_TTL_SECONDS } from "../platform/limits.ts";

/** A sign-in QR code longer-lived than an hour is a phishing aid, not a convenience. */
const QR_SESSION_MAX_TTL_SECONDS = 3600;

export const DEFAULT_QR_AUTH = {
  requireEmailCode: false,
  requirePhoneCode: false,
  tokenTtlSeconds: 7200,
  sessionTtlSeconds: 300,
};

export const QrAuthSettingsSchema = z
  .object({
    requireEmailCode: z.boolean().default(false),
    requirePhoneCode: z.boolean().default(false),
    tokenTtlSeconds: z.number().int().min(60).max(2_592_000).default(7200),
    sessionTtlSeconds: z
      .number()
      .int()
      .min(KV_MIN_TTL_SECONDS, `must be at least ${KV_MIN_TTL_SECONDS} (KV's shortest TTL)`)
      .max(QR_SESSION_MAX_TTL_SECONDS)
      .default(300)
      .openapi({ description: "How long a sign-in QR session lives (KV TTL)" }),
    page: z
      .string()
      .regex(/^[A-Za-z0-9_\-./]{1,200}$/, "must be a mini-program page like pages/login/login")
      .refine((v) => !v.startsWith("/"), "must not start with /")
      .optional()
      .openapi({ description: "The page the sign-in code opens (default: the home page)" }),
  })
  .openapi("QrAuthSettings");

/** What QR-Auth reads of an app's registration (an AppRecord is one). */
export type QrAuthApp = { appKey: string; qrAuth: z.output<typeof QrAuthSettingsSchema> };

// The shapes of WeChat push settings, deliveries and the queue message that carries one: each is
// one zod schema, which also describes it in the API reference.

import { z } from "@hono/zod-openapi";

/** A bounded fan-out: every push costs one queue message (and one POST) per target. */
const MAX_PUSH_TARGETS = 10;
/** Longer URLs are not a backend anyone types in; bounded so the queue message stays small. */
const MAX_TARGET_URL_LENGTH = 2_000;
/** Plain http only for the machine itself (npm run dev, tests); anything else must be https. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

function isAllowedTargetUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.username !== "" || url.password !== "") return false;
  return url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
}

const PushTargetSchema = z
  .object({
    url: z
      .string()
      .max(MAX_TARGET_URL_LENGTH)
      .refine(
        isAllowedTargetUrl,
        "must be an https URL (http only for localhost or 127.0.0.1), without credentials",
      )
      .openapi({ example: "https://crm.example.com/wechat/pushes" }),
    reply: z.boolean().optional().openapi({
      description:
        "This target's answer is WeChat's passive reply: it is called at once with a deadline that keeps WeChat's answer under 5 s (at most one target).",
    }),
  })
  .openapi("PushTarget");

export type PushTarget = z.infer<typeof PushTargetSchema>;

export const PushSettingsSchema = z
  .object({
    token: z
      .string()
      .regex(/^[A-Za-z0-9]{3,32}$/, "must be the 3–32 letters and digits of the console's Token")
      .optional()
      .openapi({ description: "The server configuration's Token. Required the first time; never returned." }),
    encodingAESKey: z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, "must be the 43 letters and digits of the console's EncodingAESKey")
      .optional()
      .openapi({
        description: "Needed for compatible and safe mode; omitted keeps the stored one; never returned.",
      }),
    targets: z
      .array(PushTargetSchema)
      .min(1, "must name at least one backend")
      .max(MAX_PUSH_TARGETS, `must name at most ${MAX_PUSH_TARGETS} backends`)
      .refine(
        (targets) => targets.filter((t) => t.reply).length <= 1,
        "at most one target may be the replier",
      )
      .optional()
      .openapi({ description: "Required the first time; replaces the stored list." }),
  })
  .openapi("PushSettings");

export type PushSettings = z.infer<typeof PushSettingsSchema>;

export const PushViewSchema = z
  .object({
    url: z.string().openapi({
      description: "The server URL to paste into WeChat's console (服务器地址 URL)",
      example: "https://gateway.example.com/push/shop-mini",
    }),
    tokenSet: z.literal(true),
    encodingAESKeySet: z.boolean(),
    targets: z.array(PushTargetSchema),
    deliverySecret: z.string().optional().openapi({
      description:
        "Shown once, when push is first set or the secret rotated: the HMAC-SHA256 key of X-Gateway-Signature.",
    }),
  })
  .openapi("PushView");

export type PushView = z.infer<typeof PushViewSchema>;

export const DeliverySecretSchema = z
  .object({
    deliverySecret: z.string().openapi({ description: "Shown once; the previous one stops at once." }),
  })
  .openapi("DeliverySecret");

const DELIVERY_STATES = ["pending", "delivered", "failed"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

const DeliverySchema = z
  .object({
    id: z.string().openapi({ description: "X-Gateway-Delivery: the same on every try" }),
    target: z.string().openapi({ description: "The target's URL" }),
    state: z.enum(DELIVERY_STATES),
    attempts: z.number().int(),
    lastStatus: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The target's last HTTP status; null for a timeout or no answer" }),
    receivedAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("PushDelivery");

export type Delivery = z.infer<typeof DeliverySchema>;

export const DeliveryPageSchema = z
  .object({
    deliveries: z.array(DeliverySchema),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass it as ?cursor= for the next page; null on the last page." }),
  })
  .openapi("PushDeliveryPage");

const DELIVERY_LIMIT_RULE = "must be an integer from 1 to 500";
export const DELIVERY_LIST_DEFAULT = 100;

/** 32 hex digits: a delivery id (see inbox.ts). */
export const DELIVERY_ID_PATTERN = /^[0-9a-f]{32}$/;

export const DeliveryListQuerySchema = z.object({
  state: z.enum(["failed", "delivered", "pending"]).optional(),
  cursor: z
    .string()
    .regex(/^([0-9]{1,16}:[0-9a-f]{32})?$/, "must be the cursor of a previous page")
    .optional()
    .transform((value) => (value === "" ? undefined : value)),
  limit: z
    .string()
    .regex(/^([0-9]{1,3})?$/, DELIVERY_LIMIT_RULE)
    .optional()
    .transform((value) => (value === undefined || value === "" ? undefined : Number(value)))
    .pipe(z.number().int().min(1, DELIVERY_LIMIT_RULE).max(500, DELIVERY_LIMIT_RULE).optional())
    .openapi({ type: "integer", minimum: 1, maximum: 500, default: DELIVERY_LIST_DEFAULT }),
});

/** One queue message: one push for one target. The body is the JSON text POSTed, as it is signed. */
export type QueuedDelivery = { appKey: string; id: string; url: string; body: string };

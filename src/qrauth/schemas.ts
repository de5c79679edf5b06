// Request and answer shapes of QR-Auth, validated exactly as its API documents them.

import { z } from "@hono/zod-openapi";
import { MAX_SIGN_IN_KEY } from "./sign-in-key.ts";

export const SignInKeySchema = z
  .union(
    [z.number().int().min(1).max(MAX_SIGN_IN_KEY), z.string().regex(/^[1-9][0-9]{0,15}$/)],
    "must be a positive integer up to 2^53 − 1 (the number Initiate answered)",
  )
  .transform(Number)
  .refine((n) => Number.isSafeInteger(n) && n > 0, "must be a positive integer up to 2^53 − 1")
  .openapi({ type: "integer", example: 4503599627370495 });

export const SignInKeyQuery = z.object({ signInKey: SignInKeySchema });
export const SignInKeyBody = z.object({ signInKey: SignInKeySchema }).openapi("SignInKeyBody");

export const InitiateSchema = z
  .object({
    scopes: z
      .string()
      .max(100, "must be at most 100 characters")
      .regex(/^[A-Za-z0-9,]*$/, "may contain only letters, digits and commas")
      .default(""),
    remark: z.string().max(200, "must be at most 200 characters").default(""),
    scheme: z
      .string()
      .max(50, "must be at most 50 characters")
      .regex(/^[A-Za-z0-9]*$/, "may contain only letters and digits")
      .default(""),
  })
  .openapi("QrInitiate");

const CodeDigits = z.string().regex(/^[0-9]{4,8}$/, "must be 4–8 digits");
const Phone = z.string().regex(/^[0-9]{11}$/, "must be 11 digits");
const Email = z.email("must be an email address").max(254);

export const ConfirmRegisterSchema = z
  .object({
    signInKey: SignInKeySchema,
    unionID: z.string().regex(/^[A-Za-z0-9_-]{1,50}$/, "must be 1–50 of letters, digits, _ and -"),
    nickName: z.string().max(64, "must be at most 64 characters").optional(),
    avatar: z.string().max(1024, "must be at most 1024 characters").optional(),
    // Any JSON (z.json() is recursive, which the OpenAPI generator cannot walk).
    data: z
      .unknown()
      .optional()
      .refine((v) => v === undefined || JSON.stringify(v).length <= 16_384, "must be at most 16 KB of JSON")
      .openapi({ description: "Anything the app wants kept with the user (JSON, ≤ 16 KB)" }),
    email: Email.optional(),
    emailCode: CodeDigits.optional(),
    phone: Phone.optional(),
    phoneCode: CodeDigits.optional(),
  })
  .openapi("QrConfirmRegister");

export const SendCodeSchema = z
  .object({
    channel: z.enum(["email", "phone"], "must be email or phone"),
    target: z.string().min(1, "is required").max(254),
  })
  .superRefine((body, ctx) => {
    const check = body.channel === "email" ? Email : Phone;
    const result = check.safeParse(body.target);
    if (!result.success) {
      ctx.addIssue({
        code: "custom",
        path: ["target"],
        message: result.error.issues[0]?.message ?? "is not valid",
      });
    }
  })
  .openapi("QrSendCode");

export const TokenModelSchema = z
  .object({
    access_token: z.string().openapi({ description: "An ES256 JWT; verify it with /.well-known/jwks.json" }),
    token_type: z.literal("Bearer"),
    expires_in: z.number().int(),
  })
  .openapi("TokenModel");

export const ScanResultSchema = z
  .object({
    appID: z.number().int().nullable(),
    name: z.string(),
    logo: z.string(),
    website: z.string(),
    description: z.string(),
    tags: z.union([z.string(), z.array(z.string())]),
    scopes: z.string(),
    remark: z.string(),
    scheme: z.string(),
  })
  .openapi("UserQRCodeScanResult");

export const QrScannerSchema = z
  .object({
    registered: z
      .boolean()
      .openapi({ description: "Whether the user is registered for this appKey (else they will register)" }),
    nickName: z.string().optional().openapi({ description: "The nickName they registered with, if any" }),
    avatar: z.string().optional().openapi({ description: "The avatar they registered with, if any" }),
  })
  .openapi("QrScanner", {
    description:
      "Who scanned, as this app knows them: their registered profile, or `registered: false` for someone new. Never an openid or unionid.",
    example: { registered: true, nickName: "Demo user" },
  });

export const QrStatusSchema = z
  .object({
    status: z.enum(["pending", "scanned", "confirmed", "consumed", "expired"]),
    token: TokenModelSchema.optional().openapi({ description: "Only in the one answer that picks it up" }),
    scanner: QrScannerSchema.optional().openapi({ description: "Only while the status is `scanned`" }),
    expires_in: z
      .number()
      .int()
      .openapi({ description: "Seconds until the session expires (0 once expired)" }),
  })
  .openapi("QrStatus");

export const CodeSentSchema = z
  .object({ channel: z.enum(["email", "phone"]), target: z.string(), expires_in: z.number().int() })
  .openapi("QrCodeSent");

export const JwksSchema = z
  .object({
    keys: z.array(
      z.object({
        kty: z.literal("EC"),
        crv: z.literal("P-256"),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.literal("ES256"),
        use: z.literal("sig"),
      }),
    ),
  })
  .openapi("Jwks");

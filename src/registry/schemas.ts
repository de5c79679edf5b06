import { z } from "@hono/zod-openapi";
import { PushSettingsSchema, PushViewSchema } from "../pushes/schemas.ts";
import { QrAuthSettingsSchema } from "../qrauth/settings.ts";
import { APP_TYPES, TOKEN_MODES } from "../wechat/app-kinds.ts";

/** An appKey: 1–64 of [A-Za-z0-9_-], safe as it is in a URL path and in a KV key. */
export const APP_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const AppKeySchema = z
  .string()
  .regex(APP_KEY_PATTERN, "must be 1–64 of A-Z, a-z, 0-9, _ and -")
  .openapi({ param: { name: "appKey", in: "path" }, example: "shop-mini" });

export const AppKeyParams = z.object({ appKey: AppKeySchema });

const ProfileSchema = z
  .object({
    appID: z.number().int().optional(),
    name: z.string().max(100).optional(),
    logo: z.string().max(500).optional(),
    website: z.string().max(500).optional(),
    description: z.string().max(1000).optional(),
    tags: z.union([z.string().max(500), z.array(z.string().max(50)).max(20)]).optional(),
  })
  .openapi("AppProfile");

/** Like Cloud Hosting's token permission list: the WeChat API families an SDK may reach via /proxy. */
export const DEFAULT_PROXY = { allowedPrefixes: ["/cgi-bin/", "/wxa/", "/sns/"] };

const ProxySettingsSchema = z
  .object({
    allowedPrefixes: z
      .array(
        z
          .string()
          .regex(
            /^\/[A-Za-z0-9_\-./]{0,199}$/,
            "must be a path prefix starting with /, e.g. /cgi-bin/message/",
          ),
      )
      .max(100)
      .default(DEFAULT_PROXY.allowedPrefixes),
  })
  .openapi("ProxySettings", {
    description:
      "Upstream path prefixes the transparent proxy forwards for this app (default /cgi-bin/, /wxa/, /sns/)",
  });

export const AppRegistrationSchema = z
  .object({
    appId: z
      .string()
      .regex(/^wx[A-Za-z0-9_-]{1,62}$/, "must be a WeChat appid (starts with wx)")
      .openapi({ example: "wx4f4bc4dec97d474b" }),
    appSecret: z
      .string()
      .min(1)
      .max(128)
      .optional()
      .openapi({ description: "Required the first time an appId is registered; never returned." }),
    type: z.enum(APP_TYPES).optional().openapi({
      description: "miniprogram when first registered; omitted on update keeps the stored value",
    }),
    tokenMode: z
      .enum(TOKEN_MODES)
      .optional()
      .openapi({ description: "stable when the appId is new; omitted keeps the appId's current mode" }),
    profile: ProfileSchema.optional(),
    qrAuth: QrAuthSettingsSchema.optional(),
    proxy: ProxySettingsSchema.optional(),
    component: z.string().regex(APP_KEY_PATTERN, "must be a componentKey").optional().openapi({
      description:
        "Binds the appKey to an app a merchant authorized this third-party platform (componentKey) to run: no appSecret, no tokenMode; refused (409) unless appId is authorized for it.",
    }),
    push: PushSettingsSchema.optional().openapi({
      description:
        "WeChat's pushes (消息推送) to this app, fanned out to its backends. The token and key are kept in the appKey's PushInbox and never returned; omitted fields keep the stored ones.",
    }),
  })
  .openapi("AppRegistration");

export type AppRegistration = z.infer<typeof AppRegistrationSchema>;

export const AppRecordSchema = z
  .object({
    appKey: z.string(),
    appId: z.string(),
    type: z.enum(APP_TYPES),
    tokenMode: z.enum(TOKEN_MODES),
    profile: ProfileSchema,
    qrAuth: QrAuthSettingsSchema,
    proxy: ProxySettingsSchema.optional().openapi({ description: "Absent: the default allow-list" }),
    component: z
      .string()
      .optional()
      .openapi({ description: "The third-party platform (componentKey) the app is served through, if any" }),
    push: PushViewSchema.optional().openapi({
      description: "Present when push is set: the settings without their secrets",
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("App");

export type AppRecord = z.infer<typeof AppRecordSchema>;

/**
 * The KV record: the app as the admin API shows it, plus the id of its registration. A deleted
 * and re-registered appKey gets a new id, and an API key counts only for the id it was made for
 * (see registry.ts). Records written before registrations had ids have none, like their keys.
 */
export type StoredApp = AppRecord & { registration?: string };

/** The admin API's view of a stored record: the registration id is internal. */
export function publicRecord(stored: StoredApp): AppRecord {
  const { registration: _internal, ...record } = stored;
  return record;
}

const AppSummarySchema = z
  .object({
    appKey: z.string(),
    appId: z.string(),
    type: z.enum(APP_TYPES),
    tokenMode: z.enum(TOKEN_MODES),
    name: z.string().nullable().openapi({ description: "profile.name, or null" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("AppSummary", {
    description: "An app as the list shows it; GET /admin/apps/{appKey} has the whole record and its keys.",
  });

export const AppPageSchema = z
  .object({
    apps: z.array(AppSummarySchema),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass it as ?cursor= for the next page; null on the last page." }),
    total: z.number().int().openapi({ description: "Every registered app, whatever the prefix." }),
  })
  .openapi("AppPage");

const LIMIT_RULE = "must be an integer from 1 to 1000";
/** `?cursor=&limit=` as a client may write it for the first page: an empty value means none. */
const noneIfEmpty = (value: string | undefined) => (value === "" ? undefined : value);

export const ListAppsQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^([A-Za-z0-9_-]{1,64})?$/, "must be the cursor of a previous page")
    .optional()
    .transform(noneIfEmpty)
    .openapi({ description: "The previous page's cursor; omitted or empty: the first page." }),
  limit: z
    .string()
    .regex(/^([0-9]{1,4})?$/, LIMIT_RULE)
    .optional()
    .transform(noneIfEmpty)
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(z.number().int().min(1, LIMIT_RULE).max(1000, LIMIT_RULE).optional())
    .openapi({ type: "integer", minimum: 1, maximum: 1000, default: 100, description: "Apps per page." }),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,64}$/, "must be the start of an appKey (up to 64 of A-Z, a-z, 0-9, _ and -)")
    .optional()
    .transform(noneIfEmpty)
    .openapi({ description: "Only appKeys starting with this (case-sensitive), e.g. `shop-`; empty: all." }),
});

export const ApiKeyCreatedSchema = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: "Shown once; only its SHA-256 hash is stored." }),
  })
  .openapi("ApiKeyCreated");

export const ApiKeyListSchema = z.array(z.object({ id: z.string(), createdAt: z.string() }));

const HealthSchema = z.object({
  held: z.boolean(),
  create_time: z.string().nullable(),
  expires_time: z.string().nullable(),
  expires_in: z.number().int().nullable(),
  next_refresh_time: z.string().nullable(),
  refresh_count: z.number().int(),
  last_refresh_time: z.string().nullable(),
  last_error: z
    .object({ errcode: z.number().int().nullable(), errmsg: z.string(), time: z.string() })
    .nullable(),
  failures_in_row: z.number().int(),
  upstream_calls_today: z.number().int(),
  daily_budget: z.number().int(),
});

export const AppStatusSchema = z
  .object({
    appKey: z.string(),
    appId: z.string(),
    tokenMode: z.enum(TOKEN_MODES),
    appKeys: z.array(z.string()).openapi({ description: "Every appKey sharing this appid's token." }),
    access_token: HealthSchema,
    jsapi_ticket: HealthSchema,
    forced_refreshes_today: z.number().int(),
    next_alarm_time: z.string().nullable(),
  })
  .openapi("AppTokenStatus");

export const ForcedRefreshSchema = z
  .object({
    refreshed: z.boolean().openapi({ description: "false when WeChat handed back the same token" }),
    create_time: z.string(),
    expires_time: z.string(),
    expires_in: z.number().int(),
  })
  .openapi("ForcedRefresh");

// ---- Third-party platforms (components) --------------------------------------------------------

const ComponentKeySchema = z
  .string()
  .regex(APP_KEY_PATTERN, "must be 1–64 of A-Z, a-z, 0-9, _ and -")
  .openapi({ param: { name: "componentKey", in: "path" }, example: "my-platform" });

export const ComponentKeyParams = z.object({ componentKey: ComponentKeySchema });

const WRITE_ONLY =
  "Required the first time a platform is registered; omitted keeps the stored one; never returned.";

export const ComponentRegistrationSchema = z
  .object({
    componentAppId: z
      .string()
      .regex(/^wx[A-Za-z0-9_-]{1,62}$/, "must be a WeChat appid (starts with wx)")
      .openapi({ example: "wx3c1fe0a3c8d7b5e2" }),
    componentAppSecret: z.string().min(1).max(128).optional().openapi({ description: WRITE_ONLY }),
    token: z
      .string()
      .regex(/^[A-Za-z0-9]{3,32}$/, "must be the 3–32 letters and digits of the console's message Token")
      .optional()
      .openapi({ description: `The message-verification Token. ${WRITE_ONLY}` }),
    encodingAESKey: z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, "must be the 43 letters and digits of the console's EncodingAESKey")
      .optional()
      .openapi({ description: `The message EncodingAESKey. ${WRITE_ONLY}` }),
    autoRegister: z.boolean().optional().openapi({
      description:
        "Every newly authorized appid gets the appKey equal to its appid (false when omitted the first time).",
    }),
  })
  .openapi("ComponentRegistration");

export const ComponentRecordSchema = z
  .object({
    componentKey: z.string(),
    componentAppId: z.string(),
    autoRegister: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Component");

export type ComponentRecord = z.infer<typeof ComponentRecordSchema>;

/**
 * The KV record: the platform as the admin API shows it, the id of its registration (a key counts
 * only for the registration it was made for) and the ids of its API keys.
 */
export type StoredComponent = ComponentRecord & {
  registration: string;
  keys: { id: string; createdAt: string }[];
};

export const ComponentDetailSchema = ComponentRecordSchema.extend({ keys: ApiKeyListSchema }).openapi(
  "ComponentDetail",
);

export const ComponentStatusSchema = z
  .object({
    componentKey: z.string(),
    componentAppId: z.string(),
    verify_ticket: z.object({
      held: z.boolean(),
      valid: z.boolean().openapi({ description: "Held and younger than 12 h: the token can be fetched." }),
      create_time: z
        .string()
        .nullable()
        .openapi({ description: "WeChat's CreateTime of the push that brought it" }),
      received_time: z.string().nullable(),
      age_seconds: z.number().int().nullable(),
    }),
    push_request: z
      .object({ time: z.string(), error: z.string().nullable() })
      .nullable()
      .openapi({ description: "The last api_start_push_ticket call (made when no valid ticket is held)." }),
    component_access_token: HealthSchema,
    authorizers: z.object({
      authorized: z.number().int(),
      unauthorized: z.number().int(),
      needs_reauthorization: z.number().int(),
    }),
    next_alarm_time: z.string().nullable(),
  })
  .openapi("ComponentStatus");

/** Platforms per page of GET /admin/components at most: each is one KV read besides the list. */
const COMPONENTS_PAGE_MAX = 100;
const COMPONENTS_LIMIT_RULE = `must be an integer from 1 to ${COMPONENTS_PAGE_MAX}`;

export const ListComponentsQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_+/=.-]{0,1024}$/, "must be the cursor of a previous page")
    .optional()
    .transform(noneIfEmpty)
    .openapi({ description: "The previous page's cursor; omitted or empty: the first page." }),
  limit: z
    .string()
    .regex(/^([0-9]{1,3})?$/, COMPONENTS_LIMIT_RULE)
    .optional()
    .transform(noneIfEmpty)
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(
      z
        .number()
        .int()
        .min(1, COMPONENTS_LIMIT_RULE)
        .max(COMPONENTS_PAGE_MAX, COMPONENTS_LIMIT_RULE)
        .optional(),
    )
    .openapi({
      type: "integer",
      minimum: 1,
      maximum: COMPONENTS_PAGE_MAX,
      default: 50,
      description: "Platforms per page.",
    }),
});

export const ComponentPageSchema = z
  .object({
    components: z.array(ComponentRecordSchema),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass it as ?cursor= for the next page; null on the last page." }),
  })
  .openapi("ComponentPage");

const AUTHORIZERS_LIMIT_RULE = "must be an integer from 1 to 500";

export const ListAuthorizersQuerySchema = z.object({
  cursor: z
    .string()
    .regex(/^(wx[A-Za-z0-9_-]{1,62})?$/, "must be the cursor of a previous page")
    .optional()
    .transform(noneIfEmpty)
    .openapi({ description: "The previous page's cursor; omitted or empty: the first page." }),
  limit: z
    .string()
    .regex(/^([0-9]{1,3})?$/, AUTHORIZERS_LIMIT_RULE)
    .optional()
    .transform(noneIfEmpty)
    .transform((value) => (value === undefined ? undefined : Number(value)))
    .pipe(z.number().int().min(1, AUTHORIZERS_LIMIT_RULE).max(500, AUTHORIZERS_LIMIT_RULE).optional())
    .openapi({
      type: "integer",
      minimum: 1,
      maximum: 500,
      default: 100,
      description: "Authorizers per page.",
    }),
});

export const AuthorizerPageSchema = z
  .object({
    authorizers: z.array(
      z.object({
        authorizerAppId: z.string(),
        state: z.enum(["authorized", "unauthorized", "needs_reauthorization"]),
        funcInfo: z
          .array(z.number().int())
          .openapi({ description: "The permission-set ids the merchant granted" }),
        authorizedAt: z.string().nullable(),
        appKeys: z.array(z.string()),
      }),
    ),
    cursor: z
      .string()
      .nullable()
      .openapi({ description: "Pass it as ?cursor= for the next page; null on the last page." }),
  })
  .openapi("AuthorizerPage");

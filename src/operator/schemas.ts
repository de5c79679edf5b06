// The answers of the operator tools (src/routes/operator-tools.ts), which the console reads too
// (types only), so this module imports zod alone.

import { z } from "@hono/zod-openapi";

export const ApiQuotaSchema = z
  .looseObject({
    daily_limit: z.number().int(),
    used: z.number().int(),
    remain: z.number().int(),
    rate_limit: z
      .looseObject({ call_count: z.number().int(), refresh_second: z.number().int() })
      .optional()
      .openapi({ description: "The API's per-interval limit, when WeChat reports one" }),
    component_rate_limit: z
      .looseObject({ call_count: z.number().int(), refresh_second: z.number().int() })
      .optional()
      .openapi({ description: "The limit for third-party platforms calling on the app's behalf" }),
  })
  .openapi("ApiQuota", {
    description: "WeChat's `quota` for the API today, with what WeChat sent beside it",
    example: { daily_limit: 500000, used: 2, remain: 499998 },
  });

export const RidRecordSchema = z
  .looseObject({
    invoke_time: z.number().int().openapi({ description: "Unix seconds" }),
    cost_in_ms: z.number().int(),
    request_url: z.string().openapi({ description: "The call's query parameters" }),
    request_body: z.string(),
    response_body: z.string(),
    client_ip: z.string(),
  })
  .openapi("RidRecord", {
    description: "WeChat's `request` record of the call; tokens and secrets in it read <redacted>",
  });

export const ClearAllowanceSchema = z
  .object({
    month: z.string().openapi({ example: "2026-11", description: "The China-time month counted" }),
    monthlyLimit: z.number().int().openapi({ description: "WeChat's limit: 10 resets a month" }),
    clearsThisMonth: z.number().int().openapi({ description: "Resets WeChat accepted through the gateway" }),
    clearsLeft: z.number().int(),
    usedUpAtWeChat: z
      .boolean()
      .openapi({ description: "WeChat answered 48006 this month: none left whatever the count" }),
    nextMonthStartsAt: z.string().openapi({ example: "2026-12-01T00:00:00+08:00" }),
  })
  .openapi("ClearQuotaAllowance");

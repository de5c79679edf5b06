// Field rules WeChat documents for the APIs behind the API v1 endpoints, as zod schemas. The gateway
// checks only what WeChat documents as required or bounded; everything else is passed through so
// new WeChat options keep working, and WeChat's own verdict (e.g. 47003) comes back as it is.

import { z } from "@hono/zod-openapi";

/** getwxacodeunlimit: "scene" is at most 32 visible characters... */
export const WXACODE_SCENE_MAX_CHARS = 32;
/** ...of digits, letters and these symbols (no `%`, so no URL-encoded Chinese). */
export const WXACODE_SCENE_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/;
/** QR-code width in pixels: WeChat accepts 280–1280 (default 430). */
const WXACODE_MIN_WIDTH = 280;
const WXACODE_MAX_WIDTH = 1280;
/** getwxacode "path": newer docs allow 1024 bytes (older ones said 128). */
export const WXACODE_PATH_MAX_BYTES = 1024;
/** URL Link / URL Scheme "query": at most 1024 characters of this set. */
const LINK_QUERY_MAX_CHARS = 1024;
const LINK_QUERY_PATTERN = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]*$/;
/** Links expire within 30 days since 2022-04-11. */
export const LINK_MAX_EXPIRE_DAYS = 30;
/** msg_sec_check v2: content of at most 2500 characters. */
export const MSG_SEC_CHECK_MAX_CHARS = 2500;
/** One-time subscribe message (official account): title ≤ 15 characters, content ≤ 200. */
export const ONE_TIME_TITLE_MAX_CHARS = 15;
export const ONE_TIME_CONTENT_MAX_CHARS = 200;
/** WeChat ids (openid, template_id...) are short ASCII; this only bounds abuse. */
const WECHAT_ID_MAX_CHARS = 128;

/** Characters as WeChat counts them (code points, not UTF-16 units). */
export function charCount(value: string): number {
  return [...value].length;
}

export const EnvVersionSchema = z
  .enum(["release", "trial", "develop"])
  .openapi({ description: "release (default), trial or develop" });

export const WeChatIdSchema = z.string().min(1, "is required").max(WECHAT_ID_MAX_CHARS);

export const OpenIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be an openid (letters, digits, _ and -)")
  .openapi({ example: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" });

/** A page inside the mini program: no leading `/` and no query, e.g. pages/index/index. */
export const PagePathSchema = z
  .string()
  .max(WXACODE_PATH_MAX_BYTES)
  .refine((v) => !v.startsWith("/"), "must not start with /")
  .refine((v) => !v.includes("?"), "must not carry a query (use the query field)")
  .openapi({ example: "pages/index/index" });

export const LinkQuerySchema = z
  .string()
  .max(LINK_QUERY_MAX_CHARS, `must be at most ${LINK_QUERY_MAX_CHARS} characters`)
  .regex(LINK_QUERY_PATTERN, "may contain only letters, digits and !#$&'()*+,/:;=?@-._~%")
  .openapi({ example: "id=42&from=mail" });

export const WidthSchema = z
  .number()
  .int()
  .min(WXACODE_MIN_WIDTH, `must be ${WXACODE_MIN_WIDTH}–${WXACODE_MAX_WIDTH}`)
  .max(WXACODE_MAX_WIDTH, `must be ${WXACODE_MIN_WIDTH}–${WXACODE_MAX_WIDTH}`)
  .openapi({ example: 430 });

export const LineColorSchema = z.looseObject({
  r: z.number().int().min(0).max(255),
  g: z.number().int().min(0).max(255),
  b: z.number().int().min(0).max(255),
});

/** Template data: `{"thing1": {"value": "..."}, ...}`; WeChat checks the values (47003). */
export const TemplateDataSchema = z
  .record(z.string(), z.looseObject({ value: z.unknown() }))
  .refine((data) => Object.keys(data).length > 0, "must name at least one template field")
  .openapi({ example: { thing1: { value: "Order shipped" }, time3: { value: "2026-11-21 10:00" } } });

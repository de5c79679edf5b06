// POST /wxa/getwxacodeunlimit and POST /wxa/getwxacode: mini-program codes as raw image bytes on
// success (image/jpeg, or image/png when is_hyaline), WeChat JSON errors otherwise (WECHAT.md §12).
// A body that is not JSON gets 40169 "...or the data is not json string" rather than 47001.

import { authenticateAccessToken } from "./access-token.ts";
import type { SimulatedApp } from "./app.ts";
import { type CodeImageRequest, imageResponse, renderCodeImage } from "./code-image.ts";
import {
  WXACODE_DEFAULT_WIDTH,
  WXACODE_MAX_WIDTH,
  WXACODE_MIN_WIDTH,
  WXACODE_PATH_MAX_BYTES,
  WXACODE_SCENE_MAX_LENGTH,
} from "./limits.ts";
import { ENV_VERSIONS } from "./link-endpoints.ts";
import { type JsonFields, objectField, parseJsonBodyOr, type WeChatCall } from "./request.ts";
import { WECHAT_ERRORS, type WeChatErrorSpec, wechatError } from "./responses.ts";
import type { SimulatorState } from "./state.ts";

/** Characters a scene may hold: digits, letters and !#$&'()*+,/:;=?@-._~ (no %, so no urlencoded text). */
const SCENE_CHARACTERS = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/;

/** How much of the request body the image file's comment repeats. */
const COMMENT_BODY_MAX_CHARS = 1000;

const BLACK = { r: 0, g: 0, b: 0 };

function isColorChannel(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255;
}

/** line_color applies when auto_color is not true; black otherwise or when it is malformed. */
function lineColor(fields: JsonFields): CodeImageRequest["lineColor"] {
  const color = objectField(fields, "line_color");
  if (fields.auto_color === true || !color) return BLACK;
  const { r, g, b } = color;
  return isColorChannel(r) && isColorChannel(g) && isColorChannel(b) ? { r, g, b } : BLACK;
}

/** Absent, null and "" all mean "use the default". */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || value === "";
}

/** width (280..1280, default 430) and env_version, which both APIs take. */
function imageOptionsProblem(fields: JsonFields): WeChatErrorSpec | null {
  const width = fields.width;
  if (!isAbsent(width)) {
    const valid =
      Number.isInteger(width) &&
      (width as number) >= WXACODE_MIN_WIDTH &&
      (width as number) <= WXACODE_MAX_WIDTH;
    if (!valid) return WECHAT_ERRORS.invalidWidth;
  }
  const envVersion = fields.env_version;
  if (!isAbsent(envVersion) && !ENV_VERSIONS.includes(envVersion)) return WECHAT_ERRORS.invalidArgs;
  return null;
}

async function codeImage(call: WeChatCall, fields: JsonFields): Promise<Response> {
  const image = await renderCodeImage({
    width: typeof fields.width === "number" ? fields.width : WXACODE_DEFAULT_WIDTH,
    hyaline: fields.is_hyaline === true,
    lineColor: lineColor(fields),
    seedText: `${call.path}\n${call.bodyText}`,
    comment: `wechat-simulator ${call.path} ${call.bodyText.slice(0, COMMENT_BODY_MAX_CHARS)}`,
  });
  return imageResponse(image);
}

/** scene: 1..32 allowed characters; page: a published page unless check_path is false. */
function unlimitedCodeProblem(app: SimulatedApp, fields: JsonFields): WeChatErrorSpec | null {
  const scene = fields.scene;
  if (typeof scene !== "string" || scene === "" || scene.length > WXACODE_SCENE_MAX_LENGTH) {
    return WECHAT_ERRORS.invalidSceneOrNotJson;
  }
  if (!SCENE_CHARACTERS.test(scene)) return WECHAT_ERRORS.invalidScene;
  const page = fields.page;
  const checkPath = fields.check_path !== false;
  if (!isAbsent(page) && (typeof page !== "string" || (checkPath && !app.settings.pages.includes(page)))) {
    return WECHAT_ERRORS.invalidPage;
  }
  return imageOptionsProblem(fields);
}

/** getwxacodeunlimit: no total cap, 5000 a minute (quota wxacodeUnlimitPerMinute). */
export async function getUnlimitedCode(state: SimulatorState, call: WeChatCall): Promise<Response> {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBodyOr(call.bodyText, WECHAT_ERRORS.invalidSceneOrNotJson);
  if (!body.ok) return body.error;
  const app = auth.app;
  const problem = unlimitedCodeProblem(app, body.fields);
  if (problem) return wechatError(problem);
  const now = app.now();
  if (app.issued.minuteCount("wxacodeUnlimit", now) >= app.settings.quotas.wxacodeUnlimitPerMinute) {
    return wechatError(WECHAT_ERRORS.dailyQuotaReached);
  }
  app.issued.record("wxacodeUnlimit", now);
  return codeImage(call, body.fields);
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** getwxacode: path (with its query) 1..1024 bytes; 10,000 a day (45009) and 100,000 ever (45029). */
export async function getLimitedCode(state: SimulatorState, call: WeChatCall): Promise<Response> {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBodyOr(call.bodyText, WECHAT_ERRORS.invalidSceneOrNotJson);
  if (!body.ok) return body.error;
  const app = auth.app;
  const path = body.fields.path;
  if (typeof path !== "string" || path === "" || utf8Length(path) > WXACODE_PATH_MAX_BYTES) {
    return wechatError(WECHAT_ERRORS.invalidWxacodePath);
  }
  const problem = imageOptionsProblem(body.fields);
  if (problem) return wechatError(problem);
  const now = app.now();
  if (app.issued.total.wxacode >= app.settings.quotas.wxacodeTotal) {
    return wechatError(WECHAT_ERRORS.qrcodeCountOutOfLimit);
  }
  if (app.issued.todayCount("wxacode", now) >= app.settings.quotas.wxacodeDaily) {
    return wechatError(WECHAT_ERRORS.dailyQuotaReached);
  }
  app.issued.record("wxacode", now);
  return codeImage(call, body.fields);
}

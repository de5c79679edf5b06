// Messages and users: mini-program subscribe/send, official-account one-time template/subscribe,
// and official-account user/info. Recipients must be users the app knows (see users.ts), and each
// message uses up one authorization the user gave (POST /__sim/apps/{appid}/users/{openid}/authorizations).

import { authenticateAccessToken } from "./access-token.ts";
import type { SimulatedApp } from "./app.ts";
import { ONE_TIME_CONTENT_MAX_LENGTH, ONE_TIME_TITLE_MAX_LENGTH } from "./limits.ts";
import {
  characterCount,
  type JsonFields,
  objectField,
  parseJsonBody,
  queryParam,
  textField,
  type WeChatCall,
} from "./request.ts";
import {
  argumentInvalid,
  WECHAT_ERRORS,
  type WeChatErrorSpec,
  wechatError,
  wechatJson,
  wechatJsonText,
  wechatOk,
} from "./responses.ts";
import type { SimulatorState } from "./state.ts";
import { checkTemplateData } from "./subscribe-data.ts";
import type { SimulatedUser } from "./users.ts";

/** The recipient named by `touser`, if the app knows them. */
function recipient(app: SimulatedApp, fields: JsonFields): SimulatedUser | undefined {
  const touser = textField(fields, "touser");
  return typeof touser === "string" ? app.users.get(touser) : undefined;
}

/** The template named by `template_id` and its keys, if it is one of the app's. */
function template(
  app: SimulatedApp,
  fields: JsonFields,
): { id: string; keys: readonly string[] } | undefined {
  const id = textField(fields, "template_id");
  if (typeof id !== "string" || !Object.hasOwn(app.settings.templates, id)) return undefined;
  const keys = app.settings.templates[id];
  return keys ? { id, keys } : undefined;
}

/** A page of the app's live version; a query after "?" is allowed (subscribe/send's `page`). */
function isPublishedPage(app: SimulatedApp, pageWithQuery: string): boolean {
  const page = pageWithQuery.split("?")[0] ?? "";
  return app.settings.pages.includes(page);
}

const MINIPROGRAM_STATES: readonly unknown[] = ["developer", "trial", "formal"];

/**
 * msgids are 19-digit integers ("msgid":1988810812324364291), beyond a double's 2^53: between 1e18
 * and 9e18 (inside int64), and odd, so a client parsing it as a double is always visibly wrong.
 */
const MSGID_MIN = 10n ** 18n;
const MSGID_SPAN = 8n * 10n ** 18n;

function newMsgid(): bigint {
  const [random = 0n] = crypto.getRandomValues(new BigUint64Array(1));
  const id = MSGID_MIN + (random % MSGID_SPAN);
  return id % 2n === 0n ? id + 1n : id;
}

/** Format problems of a subscribe/send body other than touser and template_id. */
function subscribeSendProblem(
  app: SimulatedApp,
  fields: JsonFields,
  keys: readonly string[],
): Response | null {
  const page = fields.page;
  if (page !== undefined && page !== null && page !== "") {
    if (typeof page !== "string" || !isPublishedPage(app, page))
      return wechatError(WECHAT_ERRORS.invalidPage);
  }
  const state = fields.miniprogram_state;
  if (state !== undefined && state !== null && !MINIPROGRAM_STATES.includes(state)) {
    return wechatError(argumentInvalid("miniprogram_state invalid"));
  }
  const dataProblem = checkTemplateData(fields.data, keys);
  return dataProblem ? wechatError(dataProblem) : null;
}

/**
 * POST /cgi-bin/message/subscribe/send. Checks touser (40003), template_id (40037), page (41030),
 * miniprogram_state and data (47003), then uses up one of the user's authorizations for the
 * template (43101 when none is left). The msgid is written by hand so it keeps all 19 digits.
 */
export function sendSubscribeMessage(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const app = auth.app;
  const fields = body.fields;
  const user = recipient(app, fields);
  if (!user) return wechatError(WECHAT_ERRORS.invalidOpenid);
  const tmpl = template(app, fields);
  if (!tmpl) return wechatError(WECHAT_ERRORS.invalidTemplateId);
  const problem = subscribeSendProblem(app, fields, tmpl.keys);
  if (problem) return problem;
  if (!app.users.consumeAuthorization(user.openid, tmpl.id, null)) {
    return wechatError(WECHAT_ERRORS.userRefusedMessage);
  }
  const msgid = newMsgid();
  app.messages.add({
    path: call.path,
    msgid: msgid.toString(),
    touser: user.openid,
    template_id: tmpl.id,
    data: fields.data,
    page: typeof fields.page === "string" && fields.page !== "" ? fields.page : null,
    scene: null,
    sentAt: app.now(),
    body: fields,
  });
  return wechatJsonText(`{"errcode":0,"errmsg":"ok","msgid":${msgid}}`);
}

/** template/subscribe's scene: a string or a number, compared as text. */
function sceneText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A required text field of at most `max` characters: "<name> is empty" / "<name> invalid". */
function limitedText(value: unknown, name: string, max: number): WeChatErrorSpec | null {
  if (typeof value !== "string" || value === "") return argumentInvalid(`${name} is empty`);
  return characterCount(value) > max ? argumentInvalid(`${name} invalid`) : null;
}

/** Format problems of a template/subscribe body other than touser and template_id. */
function oneTimeMessageProblem(fields: JsonFields): WeChatErrorSpec | null {
  if (sceneText(fields.scene) === undefined) return argumentInvalid("scene is empty");
  const titleProblem = limitedText(fields.title, "title", ONE_TIME_TITLE_MAX_LENGTH);
  if (titleProblem) return titleProblem;
  const content = objectField(objectField(fields, "data") ?? {}, "content");
  const contentProblem = limitedText(content?.value, "data.content.value", ONE_TIME_CONTENT_MAX_LENGTH);
  if (contentProblem) return contentProblem;
  if (fields.miniprogram !== undefined) {
    const miniprogram = objectField(fields, "miniprogram") ?? {};
    for (const name of ["appid", "pagepath"]) {
      const value = miniprogram[name];
      if (typeof value !== "string" || value === "") return argumentInvalid(`miniprogram.${name} is empty`);
    }
  }
  return null;
}

/**
 * POST /cgi-bin/message/template/subscribe (official-account one-time subscribe message). Checks
 * touser (40003), template_id (40037), then scene, title (≤ 15), data.content.value (≤ 200) and
 * miniprogram.{appid,pagepath} (47003), then uses up the authorization the user gave for that
 * template under that scene (43101 when none is left).
 */
export function sendOneTimeSubscribeMessage(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const app = auth.app;
  const fields = body.fields;
  const user = recipient(app, fields);
  if (!user) return wechatError(WECHAT_ERRORS.invalidOpenid);
  const tmpl = template(app, fields);
  if (!tmpl) return wechatError(WECHAT_ERRORS.invalidTemplateId);
  const problem = oneTimeMessageProblem(fields);
  if (problem) return wechatError(problem);
  const scene = sceneText(fields.scene) ?? "";
  if (!app.users.consumeAuthorization(user.openid, tmpl.id, scene)) {
    return wechatError(WECHAT_ERRORS.userRefusedMessage);
  }
  const miniprogram = objectField(fields, "miniprogram");
  app.messages.add({
    path: call.path,
    msgid: null,
    touser: user.openid,
    template_id: tmpl.id,
    data: fields.data,
    page: typeof miniprogram?.pagepath === "string" ? miniprogram.pagepath : null,
    scene,
    sentAt: app.now(),
    body: fields,
  });
  return wechatOk();
}

/** What user/info says about every follower; the simulator does not model tags, remarks or QR scenes. */
const FOLLOWER_DEFAULTS = {
  language: "zh_CN",
  remark: "",
  groupid: 0,
  tagid_list: [],
  subscribe_scene: "ADD_SCENE_QR_CODE",
  qr_scene: 0,
  qr_scene_str: "",
} as const;

/**
 * GET /cgi-bin/user/info?openid=&lang=: a plain user object, no errcode. A user who does not
 * follow the account gets only subscribe, openid and (if bound) unionid.
 */
export function getUserInfo(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "GET") return wechatError(WECHAT_ERRORS.requireGet);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const openid = queryParam(call.query, "openid");
  const user = openid === undefined ? undefined : auth.app.users.get(openid);
  if (!user) return wechatError(WECHAT_ERRORS.invalidOpenid);
  const unionid = user.unionid === null ? {} : { unionid: user.unionid };
  if (user.subscribe === 0) return wechatJson({ subscribe: 0, openid: user.openid, ...unionid });
  const { language, ...rest } = FOLLOWER_DEFAULTS;
  return wechatJson({
    subscribe: 1,
    openid: user.openid,
    language,
    subscribe_time: user.subscribeTime,
    ...unionid,
    ...rest,
  });
}

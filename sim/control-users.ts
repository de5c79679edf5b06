// Control API for an app's users (see control.ts for the route list): login codes as if a user had
// just called wx.login, phone codes as if they had just tapped a getPhoneNumber button, users and
// their unionid / follow state / phone number, and one-time subscribe authorizations.

import type { SimulatedApp } from "./app.ts";
import {
  type Body,
  ControlError,
  isObject,
  json,
  optionalBoolean,
  optionalInteger,
  optionalNullableString,
  optionalString,
} from "./control-body.ts";
import { LOGIN_CODE_LIFETIME_SECONDS, PHONE_CODE_LIFETIME_SECONDS } from "./limits.ts";
import {
  MAINLAND_COUNTRY_CODE,
  newMainlandPhone,
  type SimulatedPhone,
  type SimulatedUser,
  simulatedPhone,
} from "./users.ts";

/** openids in control paths: 1..64 of WeChat's id alphabet (generated ones are 28 long). */
const OPENID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function checkOpenid(openid: string, name = "openid"): string {
  if (!OPENID_PATTERN.test(openid)) throw new ControlError(400, `${name} must be 1-64 of [A-Za-z0-9_-]`);
  return openid;
}

/** A subscriber number: digits only, as purePhoneNumber has it. */
const PURE_PHONE_PATTERN = /^[0-9]{4,20}$/;
/** A country calling code without "+": 1 to 4 digits. */
const COUNTRY_CODE_PATTERN = /^[0-9]{1,4}$/;

/** `phone`: {purePhoneNumber, countryCode?: "86"}, or null for a user without a number. */
function optionalPhone(body: Body): SimulatedPhone | null | undefined {
  const value = body.phone;
  if (value === undefined || value === null) return value;
  if (!isObject(value)) throw new ControlError(400, "phone must be {purePhoneNumber, countryCode?} or null");
  const pure = optionalString(value, "purePhoneNumber");
  if (pure === undefined || !PURE_PHONE_PATTERN.test(pure)) {
    throw new ControlError(400, "phone.purePhoneNumber must be 4-20 digits");
  }
  const countryCode = optionalString(value, "countryCode") ?? MAINLAND_COUNTRY_CODE;
  if (!COUNTRY_CODE_PATTERN.test(countryCode)) {
    throw new ControlError(400, 'phone.countryCode must be 1-4 digits, as a string ("86")');
  }
  return simulatedPhone(pure, countryCode);
}

function optionalSubscribe(body: Body): 0 | 1 | undefined {
  const value = body.subscribe;
  if (value === undefined) return undefined;
  if (value !== 0 && value !== 1) throw new ControlError(400, "subscribe must be 0 or 1");
  return value;
}

export function describeUser(app: SimulatedApp, user: SimulatedUser) {
  return {
    openid: user.openid,
    unionid: user.unionid,
    subscribe: user.subscribe,
    subscribeTime: user.subscribeTime,
    session_key: user.sessionKey,
    lastLoginAt: user.lastLoginAt,
    phone: user.phone,
    authorizations: app.users.authorizationsOf(user.openid),
  };
}

/** POST login-codes {openid?, unionid?, blocked?} -> {code, openid, session_key, unionid, expiresAt}. */
export function issueLoginCode(app: SimulatedApp, body: Body): Response {
  const openid = optionalString(body, "openid");
  const unionid = optionalNullableString(body, "unionid");
  const blocked = optionalBoolean(body, "blocked") ?? false;
  const now = app.now();
  const user = app.users.upsert(
    openid === undefined ? undefined : checkOpenid(openid),
    unionid === undefined ? {} : { unionid },
    now,
  );
  const code = app.users.issueLoginCode(user, blocked, now);
  return json({
    code: code.code,
    openid: user.openid,
    session_key: code.sessionKey,
    unionid: user.unionid,
    blocked,
    expiresAt: code.issuedAt + LOGIN_CODE_LIFETIME_SECONDS * 1000,
  });
}

/**
 * POST phone-codes {openid?, phone?} -> {code, openid, phone, expiresAt}. The user (created if
 * unknown) shares `phone` if given, else their current number, else a generated mainland one.
 */
export function issuePhoneCode(app: SimulatedApp, body: Body): Response {
  const openid = optionalString(body, "openid");
  const phone = optionalPhone(body);
  if (phone === null) throw new ControlError(400, "phone must be {purePhoneNumber, countryCode?}");
  const now = app.now();
  const user = app.users.upsert(openid === undefined ? undefined : checkOpenid(openid), {}, now);
  const code = app.users.issuePhoneCode(user, phone ?? user.phone ?? newMainlandPhone(), now);
  return json({
    code: code.code,
    openid: user.openid,
    phone: code.phone,
    expiresAt: code.issuedAt + PHONE_CODE_LIFETIME_SECONDS * 1000,
  });
}

/** /users, /users/{openid}, /users/{openid}/authorizations. */
export async function routeUsers(
  app: SimulatedApp,
  method: string,
  rest: readonly string[],
  readBody: () => Promise<Body>,
): Promise<Response> {
  const [rawOpenid, sub, ...extra] = rest;
  if (rawOpenid === undefined) {
    if (method !== "GET") throw new ControlError(405, "method not allowed");
    return json({ users: app.users.all().map((u) => describeUser(app, u)) });
  }
  if (extra.length > 0) throw new ControlError(404, "no such control route");
  const openid = checkOpenid(decodeURIComponent(rawOpenid));
  switch (`${method} ${sub ?? ""}`) {
    case "PUT ":
      return putUser(app, openid, await readBody());
    case "GET ":
      return json(describeUser(app, knownUser(app, openid)));
    case "POST authorizations":
      return grantAuthorization(app, knownUser(app, openid), await readBody());
    case "POST encrypted-data":
      return encryptForUser(app, knownUser(app, openid), await readBody());
    default:
      throw new ControlError(
        sub === undefined ? 405 : 404,
        `no such control route ${method} users/${sub ?? ""}`,
      );
  }
}

function knownUser(app: SimulatedApp, openid: string): SimulatedUser {
  const user = app.users.get(openid);
  if (!user) throw new ControlError(404, `user ${openid} is not known to app ${app.settings.appid}`);
  return user;
}

function putUser(app: SimulatedApp, openid: string, body: Body): Response {
  const changes: { unionid?: string | null; subscribe?: 0 | 1; phone?: SimulatedPhone | null } = {};
  const unionid = optionalNullableString(body, "unionid");
  const subscribe = optionalSubscribe(body);
  const phone = optionalPhone(body);
  if (unionid !== undefined) changes.unionid = unionid;
  if (subscribe !== undefined) changes.subscribe = subscribe;
  if (phone !== undefined) changes.phone = phone;
  return json(describeUser(app, app.users.upsert(openid, changes, app.now())));
}

/** {template_id, scene?, count?}: scene (string or number) makes it an official-account one-time authorization. */
function grantAuthorization(app: SimulatedApp, user: SimulatedUser, body: Body): Response {
  const templateId = optionalString(body, "template_id");
  if (templateId === undefined) throw new ControlError(400, "template_id is required");
  if (!Object.hasOwn(app.settings.templates, templateId)) {
    throw new ControlError(400, `template_id ${templateId} is not a template of app ${app.settings.appid}`);
  }
  const scene = body.scene;
  if (scene !== undefined && typeof scene !== "string" && typeof scene !== "number") {
    throw new ControlError(400, "scene must be a string or a number");
  }
  const count = optionalInteger(body, "count", 1) ?? 1;
  app.users.grantAuthorization(user.openid, templateId, scene === undefined ? null : String(scene), count);
  return json({ openid: user.openid, authorizations: app.users.authorizationsOf(user.openid) });
}

/**
 * {data?}: what wx.getUserInfo / getPhoneNumber hand a mini program: `data` (default: a profile)
 * plus a watermark, AES-128-CBC encrypted with the user's current session_key (WECHAT.md §7).
 */
async function encryptForUser(app: SimulatedApp, user: SimulatedUser, body: Body): Promise<Response> {
  if (user.sessionKey === null) {
    throw new ControlError(409, `user ${user.openid} has no session_key yet: issue a login code first`);
  }
  const data = body.data ?? {
    openId: user.openid,
    nickName: "Simulated user",
    gender: 0,
    language: "zh_CN",
    avatarUrl: "",
    ...(user.unionid ? { unionId: user.unionid } : {}),
  };
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ControlError(400, "data must be a JSON object");
  }
  const plaintext = JSON.stringify({
    ...data,
    watermark: { timestamp: Math.floor(app.now() / 1000), appid: app.settings.appid },
  });
  const key = Uint8Array.from(atob(user.sessionKey), (ch) => ch.charCodeAt(0));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const aes = await crypto.subtle.importKey("raw", key, { name: "AES-CBC" }, false, ["encrypt"]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-CBC", iv }, aes, new TextEncoder().encode(plaintext)),
  );
  const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  return json({ encryptedData: base64(sealed), iv: base64(iv), plaintext });
}

// POST /wxa/business/getuserphonenumber (WECHAT.md §18): the code a mini program's getPhoneNumber
// button hands over, exchanged for the user's phone number. Codes come from the control API
// (POST /__sim/apps/{appid}/phone-codes), as if the user had just tapped the button and agreed.

import { authenticateAccessToken } from "./access-token.ts";
import { parseJsonBody, textField, type WeChatCall, WRONG_TYPE } from "./request.ts";
import { WECHAT_ERRORS, wechatError, wechatOk } from "./responses.ts";
import type { SimulatorState } from "./state.ts";

/**
 * Checks, in order: POST, a working access_token, a JSON body, `code` (and `openid`) strings,
 * then a code of this app that is unused and younger than 5 minutes. WeChat documents one
 * errcode for a bad code, 40029, whatever is wrong with it. An `openid` binds the code to that
 * user, so another user's code is refused the same way (and is not used up by the attempt).
 */
export function getUserPhoneNumber(state: SimulatorState, call: WeChatCall): Response {
  if (call.method !== "POST") return wechatError(WECHAT_ERRORS.requirePost);
  const auth = authenticateAccessToken(state, call.query);
  if (!auth.ok) return auth.error;
  const body = parseJsonBody(call.bodyText);
  if (!body.ok) return body.error;
  const code = textField(body.fields, "code");
  const openid = textField(body.fields, "openid");
  if (code === WRONG_TYPE || openid === WRONG_TYPE) return wechatError(WECHAT_ERRORS.dataFormatError);
  if (code === undefined) return wechatError(WECHAT_ERRORS.codeMissing);

  const app = auth.app;
  const check = app.users.checkPhoneCode(code, app.now());
  if (!check.ok) return wechatError(WECHAT_ERRORS.invalidCode);
  const issued = check.code;
  if (openid !== undefined && openid !== issued.openid) return wechatError(WECHAT_ERRORS.invalidCode);
  issued.used = true;
  return wechatOk({
    phone_info: {
      ...issued.phone,
      // When the user agreed to share the number, as WeChat stamps it.
      watermark: { timestamp: Math.floor(issued.issuedAt / 1000), appid: app.settings.appid },
    },
  });
}

// access_token check shared by every business API (anything called with ?access_token=).

import type { SimulatedApp } from "./app.ts";
import { WECHAT_ERRORS, wechatError } from "./responses.ts";
import type { SimulatorState } from "./state.ts";
import { type IssuedToken, tokenStatus } from "./tokens.ts";

export type AccessTokenCheck =
  | { ok: true; app: SimulatedApp; token: IssuedToken }
  | { ok: false; error: Response };

/** The app that owns the token in the query, if the token was ever issued (whether or not it still works). */
export function findTokenOwner(state: SimulatorState, query: URLSearchParams): SimulatedApp | undefined {
  const value = query.get("access_token");
  const token = value ? state.tokens.find(value) : undefined;
  return token ? state.apps.get(token.appid) : undefined;
}

/**
 * A token works if it is the current one of its slot (classic or stable) and not expired, or the one
 * previous token still inside its overlap. Missing -> 41001; unknown, garbled or replaced -> 40001
 * ("not latest"); past its natural lifetime -> 42001.
 */
export function authenticateAccessToken(state: SimulatorState, query: URLSearchParams): AccessTokenCheck {
  const value = query.get("access_token");
  if (!value) return { ok: false, error: wechatError(WECHAT_ERRORS.accessTokenMissing) };
  const token = state.tokens.find(value);
  const app = token ? state.apps.get(token.appid) : undefined;
  if (!token || !app) return { ok: false, error: wechatError(WECHAT_ERRORS.invalidCredential) };
  switch (tokenStatus(token, app.now())) {
    case "valid":
      return { ok: true, app, token };
    case "expired":
      return { ok: false, error: wechatError(WECHAT_ERRORS.accessTokenExpired) };
    case "not_latest":
      return { ok: false, error: wechatError(WECHAT_ERRORS.invalidCredential) };
  }
}

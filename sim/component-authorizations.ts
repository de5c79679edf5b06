// A merchant authorizing a third-party platform, or revoking it, as the Open Platform carries it
// out: shared by the control API (POST /__sim/components/{appid}/authorize | revoke) and the
// stand-in authorization page (component-pages.ts).

import type { AuthorizationCode, AuthorizerType, SimulatedComponent } from "./component.ts";
import { pushEvent, type SentPush } from "./component-push.ts";
import type { SimulatorState } from "./state.ts";

export interface AuthorizationGrant {
  authorizerAppid: string;
  type: AuthorizerType;
  /** Permission-set ids; omitted = the ones granted before, else a default set for the type. */
  funcInfo: number[] | undefined;
  /** updateauthorized (the merchant changed the permissions) rather than authorized. */
  update: boolean;
  /** The pre-auth code the merchant came with, already checked and used up; else one is made. */
  preAuthCode: string | undefined;
}

export interface Authorized {
  code: AuthorizationCode;
  infoType: "authorized" | "updateauthorized";
  sent: SentPush;
}

/**
 * Authorizes: the authorizer becomes a simulated app if it is not one, a single-use authorization
 * code is minted, and the authorized/updateauthorized event is pushed.
 */
export function authorizeAndPush(
  state: SimulatorState,
  component: SimulatedComponent,
  grant: AuthorizationGrant,
): Authorized {
  state.ensureApp(grant.authorizerAppid);
  const now = component.now();
  const preAuthCode = grant.preAuthCode ?? usedPreAuthCode(component, now);
  const code = component.authorize(
    grant.authorizerAppid,
    { type: grant.type, funcInfo: grant.funcInfo, preAuthCode },
    now,
  );
  const infoType = grant.update ? "updateauthorized" : "authorized";
  const sent = pushEvent(
    state,
    component,
    infoType,
    [
      ["AuthorizerAppid", grant.authorizerAppid],
      ["AuthorizationCode", code.value],
      ["AuthorizationCodeExpiredTime", Math.floor(code.expiresAt / 1000)],
      ["PreAuthCode", preAuthCode],
    ],
    { authorizerAppid: grant.authorizerAppid },
  );
  return { code, infoType, sent };
}

function usedPreAuthCode(component: SimulatedComponent, now: number): string {
  const code = component.newPreAuthCode(now);
  component.consumePreAuthCode(code.value, now);
  return code.value;
}

/**
 * Revokes: the refresh token and the authorizer's tokens stop working at once, and the
 * unauthorized event is pushed. undefined if the app never authorized the component.
 */
export function revokeAndPush(
  state: SimulatorState,
  component: SimulatedComponent,
  authorizerAppid: string,
): SentPush | undefined {
  if (!component.revoke(authorizerAppid)) return undefined;
  const app = state.apps.get(authorizerAppid);
  app?.tokens.authorizer.invalidate(app.now());
  return pushEvent(state, component, "unauthorized", [["AuthorizerAppid", authorizerAppid]], {
    authorizerAppid,
  });
}

// What follows an authorization code, wherever it arrived (WeChat's authorized push, or the
// /authorized redirect): the platform's keeper exchanges it once, and a platform with autoRegister
// gets an appKey equal to the new authorizer's appid.

import { GatewayError } from "../platform/errors.ts";
import { keeperFor } from "../tokens/keeper.ts";
import type { ExchangeResult } from "../tokens/results.ts";
import { findApp } from "./apps.ts";
import { registerApp } from "./registration.ts";
import type { StoredComponent } from "./schemas.ts";

function log(event: string, fields: Record<string, unknown>): void {
  // Identifiers and outcomes only: never a code or token.
  console.log(JSON.stringify({ event, ...fields }));
}

/**
 * Exchanges `code` (once, however often it arrives) and, for an autoRegister platform, binds the
 * appKey equal to the authorizer's appid when no app holds that appKey yet. Its type is
 * miniprogram (api_query_auth does not say; the admin may change it with PUT /admin/apps).
 */
export async function completeAuthorization(
  env: Env,
  component: StoredComponent,
  code: string,
): Promise<ExchangeResult> {
  const result = await keeperFor(env, component.componentAppId).exchangeAuthorization(code);
  if (!result.ok || !component.autoRegister) return result;
  const appKey = result.authorizerAppId;
  if (await findApp(env.REGISTRY, appKey, true)) return result;
  try {
    await registerApp(env, appKey, { appId: appKey, component: component.componentKey, type: "miniprogram" });
    log("authorizer_auto_registered", { componentKey: component.componentKey, appKey });
  } catch (error) {
    log("authorizer_auto_register_failed", {
      componentKey: component.componentKey,
      appKey,
      reason: error instanceof GatewayError ? error.message : "unexpected error",
    });
  }
  return result;
}

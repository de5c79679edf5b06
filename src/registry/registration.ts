// Registering an appKey: what PUT /admin/apps/{appKey} does, and what a platform with autoRegister
// does for every newly authorized app. The secret (if any) goes to the appid's keeper; an appKey
// bound to a third-party platform's authorizer names the platform instead and has no secret.

import { GatewayError, orThrow } from "../platform/errors.ts";
import { inboxFor, type PushState } from "../pushes/inbox.ts";
import { DEFAULT_QR_AUTH } from "../qrauth/settings.ts";
import { usersOf } from "../qrauth/web-side.ts";
import { keeperFor } from "../tokens/keeper.ts";
import { findApp, saveApp } from "./apps.ts";
import { findComponent } from "./components.ts";
import { directoryOf, summaryOf } from "./directory.ts";
import { type AppRecord, type AppRegistration, DEFAULT_PROXY } from "./schemas.ts";

/** The platform an appKey is bound to, checked before the keeper is asked. */
async function componentAppIdOf(env: Env, body: AppRegistration): Promise<string | undefined> {
  if (body.component === undefined) return undefined;
  if (body.appSecret !== undefined) {
    throw new GatewayError(400, "appSecret: an app bound to a platform (component) has none");
  }
  if (body.tokenMode !== undefined) {
    throw new GatewayError(
      400,
      "tokenMode: an app bound to a platform (component) gets its token from the platform",
    );
  }
  const component = await findComponent(env.REGISTRY, body.component, true);
  if (!component) throw new GatewayError(400, `component: no platform is registered as ${body.component}`);
  return component.componentAppId;
}

/**
 * Registers or updates an appKey; answers the record, whether it was new, and its push settings
 * (without secrets; with the delivery secret once, when push is first set).
 */
export async function registerApp(
  env: Env,
  appKey: string,
  body: AppRegistration,
): Promise<{ record: AppRecord; created: boolean; push: PushState | null }> {
  const previous = await findApp(env.REGISTRY, appKey, true);
  const inbox = inboxFor(env, appKey);
  // Push settings that cannot be stored refuse the registration before anything changes.
  if (body.push) orThrow(await inbox.check(body.push));
  // An update of a bound app that names neither a platform nor a secret stays bound.
  const keepsPlatform =
    body.component === undefined &&
    body.appSecret === undefined &&
    body.tokenMode === undefined &&
    previous?.appId === body.appId &&
    previous.component !== undefined;
  if (keepsPlatform) body = { ...body, component: previous.component };
  const componentAppId = await componentAppIdOf(env, body);
  const configured = orThrow(
    await keeperFor(env, body.appId).configure({
      appKey,
      appId: body.appId,
      appSecret: body.appSecret,
      tokenMode: body.tokenMode,
      appType: body.type ?? previous?.type,
      componentAppId,
    }),
  );
  const now = new Date().toISOString();
  const record: AppRecord = {
    appKey,
    appId: body.appId,
    type: body.type ?? previous?.type ?? configured.appType,
    tokenMode: configured.tokenMode,
    profile: body.profile ?? previous?.profile ?? {},
    qrAuth: body.qrAuth ?? previous?.qrAuth ?? DEFAULT_QR_AUTH,
    proxy: body.proxy ?? previous?.proxy ?? DEFAULT_PROXY,
    ...(body.component === undefined ? {} : { component: body.component }),
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
  const directory = directoryOf(env);
  const recorded = await directory.record(summaryOf(record));
  if (!recorded.ok && !previous) {
    // Refused (a deletion of this appKey is unfinished): undo the attachment made above.
    await keeperFor(env, body.appId).detach(appKey);
  }
  const { registration, created, sealed } = orThrow(recorded);
  if (sealed) {
    // The appKey was deleted before: its QR-Auth directory takes users and sessions again.
    await usersOf(env, appKey).reopen();
    await directory.unsealed(appKey);
  }
  await saveApp(env.REGISTRY, { ...record, registration });
  if (previous && previous.appId !== body.appId) await keeperFor(env, previous.appId).detach(appKey);
  // The latest registration sets the token mode for every appKey of the appid: keep
  // the other appKeys' records in step with the keeper. The directory answers those whose mode
  // changed, so an appid with thousands of appKeys costs nothing when the mode stays.
  for (const sibling of await directory.followTokenMode(body.appId, configured.tokenMode, now)) {
    if (sibling === appKey) continue;
    const other = await findApp(env.REGISTRY, sibling, true);
    if (other && other.appId === body.appId && other.tokenMode !== configured.tokenMode) {
      await saveApp(env.REGISTRY, { ...other, tokenMode: configured.tokenMode, updatedAt: now });
    }
  }
  // The inbox follows the appKey's appid (its pushes are decrypted for it) and takes new settings.
  const { state: push } = orThrow(await inbox.configure(appKey, body.appId, body.push));
  return { record, created, push };
}

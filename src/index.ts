import { consumeDeliveries } from "./pushes/delivery.ts";
import type { QueuedDelivery } from "./pushes/schemas.ts";
import { app } from "./routes/app.ts";
import { runCronTick } from "./tokens/cron.ts";

export { PushInbox } from "./pushes/inbox.ts";
export { QrSession } from "./qrauth/session.ts";
export { SigningKeys } from "./qrauth/signing.ts";
export { QrUserDirectory } from "./qrauth/users.ts";
export { AppDirectory } from "./registry/directory.ts";
export { TokenKeeper } from "./tokens/keeper.ts";
export { RefreshSchedule } from "./tokens/schedule.ts";

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runCronTick(env, controller.scheduledTime));
  },
  queue: (batch, env) => consumeDeliveries(batch, env),
} satisfies ExportedHandler<Env, QueuedDelivery>;

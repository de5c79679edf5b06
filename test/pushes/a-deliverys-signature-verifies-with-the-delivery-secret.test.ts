// Every delivery carries X-Gateway-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(delivery
// secret, "<t>.<body>")>. The secret is shown once (when push is first set, or rotated), never by
// a later answer, and a rotated secret signs everything from then on.

import { describe, expect, it } from "vitest";
import { admin } from "../support/gateway.ts";
import {
  deliverPush,
  type PushView,
  registerPushApp,
  waitForDeliveries,
  wechatPush,
} from "../support/pushes.ts";

async function verifies(secret: string, header: string, body: string): Promise<boolean> {
  const match = /^t=([0-9]+),v1=([0-9a-f]{64})$/.exec(header);
  if (!match) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const mac = Uint8Array.from(match[2]!.match(/../g)!.map((h) => Number.parseInt(h, 16)));
  const fresh = Math.abs(Date.now() / 1000 - Number(match[1])) < 300;
  return fresh && crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${match[1]}.${body}`));
}

describe("delivery signatures", () => {
  it("verify with the secret shown once, and with the rotated one after rotation", async () => {
    const app = await registerPushApp("push-signed", "wxpushsigned0001", { targets: ["push-signed"] });
    const secret = app.push.deliverySecret!;
    expect(secret).toMatch(/^wgd_[0-9a-f]{64}$/);
    expect(app.push).toMatchObject({
      url: "https://gateway.test/push/push-signed",
      tokenSet: true,
      encodingAESKeySet: false,
    });

    // Never shown again, nor the token: not by an update, nor by GET.
    const update = await admin<{ push: PushView }>("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      push: {},
    });
    expect(update.status).toBe(200);
    const read = await admin<{ push: PushView }>("GET", `/apps/${app.appKey}`);
    for (const answer of [update, read]) {
      expect(answer.body.data.push.deliverySecret).toBeUndefined();
      expect(JSON.stringify(answer.body)).not.toContain(secret);
      expect(JSON.stringify(answer.body)).not.toContain("pushtesttoken");
    }

    const push = await wechatPush(app.appId, { type: "text", content: "signed" });
    expect((await deliverPush(app.appKey, push)).status).toBe(200);
    const [delivery] = await waitForDeliveries("push-signed", 1);
    expect(await verifies(secret, delivery!.headers["x-gateway-signature"]!, delivery!.body)).toBe(true);
    expect(await verifies("wgd_other", delivery!.headers["x-gateway-signature"]!, delivery!.body)).toBe(
      false,
    );

    const rotated = await admin<{ deliverySecret: string }>("POST", `/apps/${app.appKey}/push/secret`);
    expect(rotated.status).toBe(200);
    const next = rotated.body.data.deliverySecret;
    expect(next).not.toBe(secret);
    const later = await wechatPush(app.appId, { type: "text", content: "signed again" });
    expect((await deliverPush(app.appKey, later)).status).toBe(200);
    const [, second] = await waitForDeliveries("push-signed", 2);
    expect(await verifies(next, second!.headers["x-gateway-signature"]!, second!.body)).toBe(true);
    expect(await verifies(secret, second!.headers["x-gateway-signature"]!, second!.body)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import type { AppRecord } from "../../src/registry/schemas.ts";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

describe("PUT /admin/apps/{appKey} on an existing app", () => {
  it("keeps the token mode, type, profile and QR-Auth settings it does not mention", async () => {
    const app = await registerApp("adm-partial", "wxadmpartial001", {
      tokenMode: "classic",
      type: "officialaccount",
    });
    await admin("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      profile: { name: "Shop" },
      qrAuth: { requireEmailCode: true, requirePhoneCode: false, tokenTtlSeconds: 3600 },
    });

    const update = await admin<AppRecord>("PUT", `/apps/${app.appKey}`, { appId: app.appId });

    expect(update.status).toBe(200);
    expect(update.body.data).toMatchObject({
      tokenMode: "classic",
      type: "officialaccount",
      profile: { name: "Shop" },
      qrAuth: { requireEmailCode: true, tokenTtlSeconds: 3600 },
    });
    expect((await getToken(app)).status).toBe(200);
    expect((await sim.state(app.appId)).calls.token).toBe(1);
  });

  it("a new appKey for a known appId joins its current token mode unless it names one", async () => {
    const first = await registerApp("adm-join-a", "wxadmjoin000001", { tokenMode: "classic" });
    const joined = await admin<AppRecord>("PUT", "/apps/adm-join-b", { appId: first.appId });
    expect(joined.status).toBe(201);
    expect(joined.body.data.tokenMode).toBe("classic");
    expect(joined.body.data.type).toBe("miniprogram");
  });
});

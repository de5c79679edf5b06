import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, webBackend } from "../support/qrauth.ts";

// Issue 4: a session lives in KV with its TTL (default 300 s) and its object expires it with an
// alarm; nothing about the user or the token outlives the TTL. The clock is driven by rewriting
// the stored expiry, never by sleeping.

const sessionObject = (signInKey: number) => env.QR_SESSION.getByName(String(signInKey));

/** As if the TTL had run out: the stored expiry moves into the past. */
async function runOutTtl(signInKey: number) {
  await runInDurableObject(sessionObject(signInKey), async (_instance, state) => {
    const record = await state.storage.get<{ expiresAt: number }>("session");
    await state.storage.put("session", { ...record, expiresAt: Date.now() - 1 });
  });
}

describe("TTL", () => {
  it("Initiate writes the KV record with the session's TTL (300 s by default)", async () => {
    const app = await registerApp("qr-ttl-kv", "wxqrttl000000001");
    const before = Math.floor(Date.now() / 1000);
    const signInKey = await webBackend(app).initiate({ scopes: "profile" });
    const listed = await env.REGISTRY.list({ prefix: `qr:${signInKey}` });
    expect(listed.keys).toHaveLength(1);
    expect(listed.keys[0]!.expiration).toBeGreaterThanOrEqual(before + 300);
    expect(listed.keys[0]!.expiration).toBeLessThanOrEqual(before + 302);
    const record = await env.REGISTRY.get<{ status: string; appKey: string }>(`qr:${signInKey}`, "json");
    expect(record).toMatchObject({ status: "pending", appKey: "qr-ttl-kv" });
    expect((await webBackend(app).status(signInKey)).body.data.expires_in).toBeLessThanOrEqual(300);
  });

  it("the app's sessionTtlSeconds sets the TTL; under KV's 60 s minimum is refused", async () => {
    const app = await registerApp("qr-ttl-config", "wxqrttl000000002");
    const updated = await admin("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      qrAuth: { sessionTtlSeconds: 120 },
    });
    expect(updated.status).toBe(200);
    const signInKey = await webBackend(app).initiate();
    const left = (await webBackend(app).status(signInKey)).body.data.expires_in;
    expect(left).toBeGreaterThan(110);
    expect(left).toBeLessThanOrEqual(120);
    const tooShort = await admin("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      qrAuth: { sessionTtlSeconds: 59 },
    });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body).toMatchObject({ error: expect.stringMatching(/^qrAuth\.sessionTtlSeconds: /) });
  });

  it("the alarm expires a scanned session: Status says expired, the KV record is gone, the user can no longer act", async () => {
    const app = await registerApp("qr-ttl-alarm", "wxqrttl000000003");
    const web = webBackend(app);
    const phone = miniProgram(app, await miniProgramLogin(app));
    const signInKey = await web.initiate();
    expect((await phone.scan(signInKey)).status).toBe(200);

    await runOutTtl(signInKey);
    expect(await runDurableObjectAlarm(sessionObject(signInKey))).toBe(true);

    expect((await web.status(signInKey)).body.data).toEqual({ status: "expired", expires_in: 0 });
    expect(await env.REGISTRY.get(`qr:${signInKey}`)).toBeNull();
    const stored = await runInDurableObject(sessionObject(signInKey), (_i, state) =>
      state.storage.get("session"),
    );
    expect(stored).toMatchObject({ status: "expired", user: null, token: null });
    const confirm = await phone.confirmRegister(signInKey);
    expect(confirm.status).toBe(409);
    expect(confirm.body.error).toMatch(/expired/);
  });

  it("a confirmed token not picked up before the TTL is gone with it", async () => {
    const app = await registerApp("qr-ttl-token", "wxqrttl000000004");
    const web = webBackend(app);
    const phone = miniProgram(app, await miniProgramLogin(app));
    const signInKey = await web.initiate();
    await phone.scan(signInKey);
    expect((await phone.confirmRegister(signInKey)).status).toBe(200);
    await runOutTtl(signInKey);
    // Even before the alarm runs, a read after the TTL sees the session expired.
    const answer = await web.status(signInKey);
    expect(answer.body.data).toEqual({ status: "expired", expires_in: 0 });
  });

  it("after showing 'expired' for a while the object forgets the session entirely", async () => {
    const app = await registerApp("qr-ttl-forget", "wxqrttl000000005");
    const web = webBackend(app);
    const signInKey = await web.initiate();
    await runOutTtl(signInKey);
    await runDurableObjectAlarm(sessionObject(signInKey));
    expect((await web.status(signInKey)).body.data.status).toBe("expired");
    expect(await runDurableObjectAlarm(sessionObject(signInKey))).toBe(true);
    const gone = await web.status(signInKey);
    expect(gone.status).toBe(404);
    const keys = await runInDurableObject(sessionObject(signInKey), (_i, state) => state.storage.list());
    expect(keys.size).toBe(0);
  });
});

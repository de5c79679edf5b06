import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, said, webBackend } from "../support/qrauth.ts";
import { deleteAndRegisterAgain } from "../support/registry.ts";

// SPEC §4: DELETE /admin/apps/{appKey} removes its QR-Auth sign-in sessions (each a QrSession object
// with a `qr:{signInKey}` KV mirror); an appKey registered again later cannot see or pick up any of
// them, not even a confirmed one still holding its token.

describe("a deleted appKey registered again", () => {
  it("knows none of the sign-in sessions opened before, and their objects and KV mirrors are gone", async () => {
    const app = await registerApp("qr-del-sessions", "wxqrdelsession01");
    const user = await miniProgramLogin(app, { unionid: "oUnionQrDelSessions0000000001" });
    const mini = miniProgram(app, user);
    const pending = await webBackend(app).initiate();
    const scanned = await webBackend(app).initiate();
    expect((await mini.scan(scanned)).status).toBe(200);
    const confirmed = await webBackend(app).initiate();
    expect((await mini.scan(confirmed)).status).toBe(200);
    expect((await mini.confirmRegister(confirmed)).status).toBe(200);
    const signInKeys = [pending, scanned, confirmed];
    for (const signInKey of signInKeys) expect(await env.REGISTRY.get(`qr:${signInKey}`)).not.toBeNull();

    const next = await deleteAndRegisterAgain(app);

    for (const signInKey of signInKeys) {
      const status = await webBackend(next).status(signInKey);
      expect(status.status, said(status)).toBe(404);
      expect(status.body.error).toBe("no sign-in session has this signInKey");
      expect(await env.REGISTRY.get(`qr:${signInKey}`)).toBeNull();
      const stored = await runInDurableObject(
        env.QR_SESSION.getByName(String(signInKey)),
        (_instance, state) => state.storage.list(),
      );
      expect(stored.size).toBe(0);
    }
    // New sessions work as before.
    const fresh = await webBackend(next).initiate();
    expect((await webBackend(next).status(fresh)).body.data).toMatchObject({ status: "pending" });
  });

  it("erases sessions past one call's batch", async () => {
    const app = await registerApp("qr-del-many", "wxqrdelmany00001");
    // More sessions than one erase call takes (ERASE_SESSIONS_PER_CALL), opened directly: Initiate
    // allows 60 a minute per key.
    const signInKeys = Array.from({ length: 230 }, (_, i) => 9_000_000_000_000 + i);
    const users = env.QR_USERS.getByName(app.appKey);
    for (const signInKey of signInKeys) {
      expect(await users.trackSession(signInKey, 300)).toBe(true);
      const opened = await env.QR_SESSION.getByName(String(signInKey)).open({
        signInKey,
        appKey: app.appKey,
        scopes: "profile",
        remark: "",
        scheme: "https",
        ttlSeconds: 300,
      });
      expect(opened.ok).toBe(true);
    }

    const next = await deleteAndRegisterAgain(app);

    for (const signInKey of [signInKeys[0]!, signInKeys[199]!, signInKeys[200]!, signInKeys[229]!]) {
      expect((await webBackend(next).status(signInKey)).status).toBe(404);
      expect(await env.REGISTRY.get(`qr:${signInKey}`)).toBeNull();
    }
  });
});

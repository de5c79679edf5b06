import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, miniProgramLogin, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { miniProgram, said, setQrAuth, webBackend } from "../support/qrauth.ts";
import { deleteAndRegisterAgain } from "../support/registry.ts";
import { sim } from "../support/simulator.ts";

// SPEC §4: DELETE /admin/apps/{appKey} removes its QR-Auth users and verification codes, and an
// appKey registered again later starts empty: the previous owner's users are strangers to it.

const UNION_ID = "oUnionAdmDelUsers000000000001";

/** Rows left in the appKey's QR-Auth user directory. */
function rowsOf(appKey: string) {
  return runInDurableObject(env.QR_USERS.getByName(appKey), (_instance, state) => ({
    users: state.storage.sql.exec("SELECT COUNT(*) AS n FROM users").one().n,
    codes: state.storage.sql.exec("SELECT COUNT(*) AS n FROM verification_codes").one().n,
  }));
}

/** `app`'s user signs in with WeChat and scans a new session of `app`. */
async function scanned(app: RegisteredApp) {
  const user = await miniProgramLogin(app, { unionid: UNION_ID });
  const signInKey = await webBackend(app).initiate();
  const mini = miniProgram(app, user);
  expect((await mini.scan(signInKey)).status).toBe(200);
  return { mini, signInKey };
}

describe("a deleted appKey registered again", () => {
  it("does not know the users registered before: Confirm-Login answers 404, and they register anew", async () => {
    const app = await registerApp("qr-del-users", "wxqrdelusers0001");
    const before = await scanned(app);
    const registered = await before.mini.confirmRegister(before.signInKey, { nickName: "Alice" });
    expect(registered.status, said(registered)).toBe(200);
    expect(await rowsOf(app.appKey)).toEqual({ users: 1, codes: 0 });

    const next = await deleteAndRegisterAgain(app);
    expect(await rowsOf(app.appKey)).toEqual({ users: 0, codes: 0 });

    const after = await scanned(next);
    const status = await webBackend(next).status(after.signInKey);
    expect(status.body.data).toMatchObject({ status: "scanned", scanner: { registered: false } });
    const login = await after.mini.confirmLogin(after.signInKey);
    expect(login.status, said(login)).toBe(404);
    expect(login.body.error).toMatch(/not registered/);
    // The new registration takes users again.
    const again = await after.mini.confirmRegister(after.signInKey, { nickName: "Bob" });
    expect(again.status, said(again)).toBe(200);
  });

  it("does not accept a verification code sent before, and does not hold its sender to the resend wait", async () => {
    const app = await registerApp("qr-del-codes", "wxqrdelcodes0001");
    await setQrAuth(app, { requireEmailCode: true });
    const email = `qr-del-codes-${crypto.randomUUID().slice(0, 8)}@example.com`;
    const before = await scanned(app);
    expect((await before.mini.sendCode("email", email)).status).toBe(200);
    const code = (await sim.codes(email)).at(-1)?.body?.code;
    expect(code).toMatch(/^\d{6}$/);
    expect(await rowsOf(app.appKey)).toEqual({ users: 0, codes: 1 });

    const next = await deleteAndRegisterAgain(app);
    expect(await rowsOf(app.appKey)).toEqual({ users: 0, codes: 0 });
    await setQrAuth(next, { requireEmailCode: true });

    const after = await scanned(next);
    const refused = await after.mini.confirmRegister(after.signInKey, { email, emailCode: code });
    expect(refused.status, said(refused)).toBe(400);
    expect(refused.body.error).toBe("emailCode: no valid code was sent: request one with SendCode");
    // The 60-second resend wait belonged to the deleted registration too.
    expect((await after.mini.sendCode("email", email)).status).toBe(200);
  });

  it("while its deletion is unfinished, takes no new user, code or session", async () => {
    const app = await registerApp("qr-del-sealed", "wxqrdelsealed001");
    const before = await scanned(app);
    // The deletion has erased QR-Auth (the directory's first steps) and stops there, as if the
    // request had died: requests admitted a moment before still arrive.
    const directory = env.APP_DIRECTORY.getByName("apps");
    expect(await directory.beginDelete(app.appKey)).toMatchObject({ ok: true });
    expect(await env.QR_USERS.getByName(app.appKey).erase(app.appKey)).toEqual({ left: 0 });

    const register = await before.mini.confirmRegister(before.signInKey, { nickName: "Late" });
    expect(register.status, said(register)).toBe(404);
    expect((await before.mini.sendCode("email", "late@example.com")).status).toBe(404);
    expect((await webBackend(app).initiateAnswer()).status).toBe(404);
    expect(await rowsOf(app.appKey)).toEqual({ users: 0, codes: 0 });

    expect((await admin("DELETE", `/apps/${app.appKey}`)).status).toBe(200);
  });
});

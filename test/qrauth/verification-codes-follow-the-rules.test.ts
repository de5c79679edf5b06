import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  fetchGateway,
  type MiniProgramLogin,
  miniProgramLogin,
  type RegisteredApp,
  registerApp,
} from "../support/gateway.ts";
import { miniProgram, qrPath, said, setQrAuth, webBackend } from "../support/qrauth.ts";
import { type ReceivedCode, sim } from "../support/simulator.ts";

// SPEC §7.5 and the QR-Auth issue: an app may require an email and/or phone code at registration.
// SendCode draws a 6-digit code, delivers it through the operator's signed webhook (the simulator
// receives it here) and never shows it; a code lives 10 minutes, allows 5 tries, is bound to the
// user and the target it went to, a new one can be sent every 60 s, and registering spends it.

let emailApp: RegisteredApp;
let phoneApp: RegisteredApp;

beforeAll(async () => {
  emailApp = await registerApp("qr-vc-email", "wxqrvcemail00001");
  await setQrAuth(emailApp, { requireEmailCode: true });
  phoneApp = await registerApp("qr-vc-phone", "wxqrvcphone00001");
  await setQrAuth(phoneApp, { requirePhoneCode: true });
});

/** An address or number no other test (or test file) sends codes to. */
const newEmail = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@example.com`;
const newPhone = () => `139${String(crypto.getRandomValues(new Uint32Array(1))[0]! % 1e8).padStart(8, "0")}`;

/** Every code the webhook delivered to `target`, oldest first. */
const received = (target: string): Promise<ReceivedCode[]> => sim.codes(target);

async function lastCodeTo(target: string): Promise<string> {
  const codes = await received(target);
  const code = codes.at(-1)?.body?.code;
  if (!code) throw new Error(`no code was delivered to ${target}`);
  return code;
}

/** A code that is not `code`. */
const wrong = (code: string) => (code === "000000" ? "111111" : "000000");

/** The user's subject (what codes and registrations are keyed by). */
const subjectOf = (user: MiniProgramLogin) => user.unionid ?? user.openid;

/** Runs SQL in the app's QrUserDirectory, as time passing would change its rows. */
function directorySql(app: RegisteredApp, statement: string, ...bindings: (string | number)[]) {
  return runInDurableObject(env.QR_USERS.getByName(app.appKey), (_instance, state) =>
    state.storage.sql.exec(statement, ...bindings).toArray(),
  );
}

/** A user of `app` who has scanned a new session. */
async function scanningUser(app: RegisteredApp) {
  const user = await miniProgramLogin(app);
  const signInKey = await webBackend(app).initiate();
  const mini = miniProgram(app, user);
  const scanned = await mini.scan(signInKey);
  expect(scanned.status, said(scanned)).toBe(200);
  return { user, mini, signInKey };
}

function expectRefused(answer: { status: number; body: { error: string } }, status: number, error: string) {
  expect(answer.status, said(answer)).toBe(status);
  expect(answer.body.error).toBe(error);
}

describe("an app that requires an email code", () => {
  it("refuses a registration without email or emailCode, naming the field", async () => {
    const { mini, signInKey } = await scanningUser(emailApp);
    const email = newEmail("missing");
    expectRefused(await mini.confirmRegister(signInKey), 400, "email: is required by this app");
    expectRefused(
      await mini.confirmRegister(signInKey, { emailCode: "123456" }),
      400,
      "email: is required by this app",
    );
    const noCode = await mini.confirmRegister(signInKey, { email });
    expect(noCode.status, said(noCode)).toBe(400);
    expect(noCode.body.error).toMatch(/^emailCode: is required by this app/);
    // A phone code is not what this app asks for.
    expectRefused(
      await mini.confirmRegister(signInKey, { phone: "13800138000", phoneCode: "123456" }),
      400,
      "email: is required by this app",
    );
    expect((await webBackend(emailApp).status(signInKey)).body.data.status).toBe("scanned");
  });

  it("SendCode delivers a 6-digit code through the signed webhook and never answers it", async () => {
    const { user, mini, signInKey } = await scanningUser(emailApp);
    const email = newEmail("deliver");
    const before = Date.now();
    const sent = await fetchGateway("POST", qrPath(emailApp.appKey, "SendCode"), {
      token: user.session,
      body: { channel: "email", target: email },
    });
    const sentText = await sent.text();
    expect(sent.status, sentText).toBe(200);
    expect(JSON.parse(sentText)).toEqual({
      code: 200,
      data: { channel: "email", target: email, expires_in: 600 },
      error: "",
    });

    const delivered = await received(email);
    expect(delivered).toHaveLength(1);
    const [webhook] = delivered;
    expect(webhook).toMatchObject({ event: "verification-code", signatureValid: true });
    expect(webhook!.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(webhook!.body).toMatchObject({
      appKey: emailApp.appKey,
      channel: "email",
      target: email,
      ttlSeconds: 600,
    });
    const code = webhook!.body!.code;
    expect(code).toMatch(/^[0-9]{6}$/);
    const expiresAt = Date.parse(webhook!.body!.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);
    expect(sentText).not.toContain(code);

    const registered = await mini.confirmRegister(signInKey, { email, emailCode: code });
    expect(registered.status, said(registered)).toBe(200);
    expect(JSON.stringify(registered.body)).not.toContain(code);
    const picked = await webBackend(emailApp).status(signInKey);
    expect(picked.body.data.status).toBe("confirmed");
    expect(JSON.stringify(picked.body)).not.toContain(code);
    // The gateway keeps only a salted hash, and not even that once the code is spent.
    expect(
      await directorySql(emailApp, "SELECT * FROM verification_codes WHERE subject = ?", subjectOf(user)),
    ).toEqual([]);
    expect(
      await directorySql(emailApp, "SELECT email FROM users WHERE union_id = ?", subjectOf(user)),
    ).toEqual([{ email }]);
  });

  it("a second SendCode within 60 s is 429 with Retry-After and leaves the first code working", async () => {
    const { mini, signInKey } = await scanningUser(emailApp);
    const email = newEmail("cooldown");
    expect((await mini.sendCode("email", email)).status).toBe(200);
    const code = await lastCodeTo(email);

    for (const target of [email, newEmail("cooldown-other")]) {
      const again = await mini.sendCode("email", target);
      expect(again.status, said(again)).toBe(429);
      expect(again.body.error).toMatch(/^channel: /);
      const retryAfter = Number(again.headers.get("Retry-After"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    expect(await received(email)).toHaveLength(1);
    // The wait is per channel: a phone code can be sent meanwhile.
    const phoneNumber = newPhone();
    expect((await mini.sendCode("phone", phoneNumber)).status).toBe(200);
    expect(await received(phoneNumber)).toHaveLength(1);
    // Another user is not held by this user's wait.
    const other = await miniProgramLogin(emailApp);
    expect((await miniProgram(emailApp, other).sendCode("email", newEmail("cooldown-user"))).status).toBe(
      200,
    );

    const registered = await mini.confirmRegister(signInKey, { email, emailCode: code });
    expect(registered.status, said(registered)).toBe(200);
  });

  it("a wrong code counts down 5 tries; then even the right code needs a new one", async () => {
    const { user, mini, signInKey } = await scanningUser(emailApp);
    const email = newEmail("tries");
    expect((await mini.sendCode("email", email)).status).toBe(200);
    const code = await lastCodeTo(email);

    for (const left of [4, 3, 2, 1]) {
      expectRefused(
        await mini.confirmRegister(signInKey, { email, emailCode: wrong(code) }),
        400,
        `emailCode: is wrong (${left} tries left)`,
      );
    }
    expectRefused(
      await mini.confirmRegister(signInKey, { email, emailCode: wrong(code) }),
      400,
      "emailCode: is wrong, and that was the last try: request a new code",
    );
    expectRefused(
      await mini.confirmRegister(signInKey, { email, emailCode: code }),
      400,
      "emailCode: too many wrong tries: request a new code",
    );
    expect((await webBackend(emailApp).status(signInKey)).body.data.status).toBe("scanned");

    // A minute later a new code can be sent, and it works.
    await directorySql(
      emailApp,
      "UPDATE verification_codes SET sent_at = sent_at - 61000 WHERE subject = ?",
      subjectOf(user),
    );
    expect((await mini.sendCode("email", email)).status).toBe(200);
    const fresh = await lastCodeTo(email);
    const registered = await mini.confirmRegister(signInKey, { email, emailCode: fresh });
    expect(registered.status, said(registered)).toBe(200);
  });

  it("a code works only for the address it was sent to", async () => {
    const { mini, signInKey } = await scanningUser(emailApp);
    const email = newEmail("target");
    expect((await mini.sendCode("email", email)).status).toBe(200);
    const code = await lastCodeTo(email);

    expectRefused(
      await mini.confirmRegister(signInKey, { email: newEmail("elsewhere"), emailCode: code }),
      400,
      "email: is not where the code was sent",
    );
    const registered = await mini.confirmRegister(signInKey, { email, emailCode: code });
    expect(registered.status, said(registered)).toBe(200);
  });

  it("a code belongs to the user it was sent for and is spent by registering", async () => {
    const alice = await scanningUser(emailApp);
    const bob = await scanningUser(emailApp);
    const email = newEmail("spent");
    expect((await alice.mini.sendCode("email", email)).status).toBe(200);
    const code = await lastCodeTo(email);

    const noCode = "emailCode: no valid code was sent: request one with SendCode";
    expectRefused(await bob.mini.confirmRegister(bob.signInKey, { email, emailCode: code }), 400, noCode);
    const registered = await alice.mini.confirmRegister(alice.signInKey, { email, emailCode: code });
    expect(registered.status, said(registered)).toBe(200);
    expectRefused(await bob.mini.confirmRegister(bob.signInKey, { email, emailCode: code }), 400, noCode);
    expect(
      await directorySql(
        emailApp,
        "SELECT * FROM verification_codes WHERE subject = ?",
        subjectOf(alice.user),
      ),
    ).toEqual([]);
  });

  it("a code expires after 10 minutes", async () => {
    const { user, mini, signInKey } = await scanningUser(emailApp);
    const email = newEmail("expiry");
    expect((await mini.sendCode("email", email)).status).toBe(200);
    const code = await lastCodeTo(email);

    await directorySql(
      emailApp,
      "UPDATE verification_codes SET expires_at = ? WHERE subject = ?",
      Date.now() - 1,
      subjectOf(user),
    );
    expectRefused(
      await mini.confirmRegister(signInKey, { email, emailCode: code }),
      400,
      "emailCode: no valid code was sent: request one with SendCode",
    );
    expect((await webBackend(emailApp).status(signInKey)).body.data.status).toBe("scanned");
  });
});

describe("a user WeChat gave no unionid", () => {
  it("receives and spends codes as their openid, which they register with", async () => {
    const user = await miniProgramLogin(emailApp, { unionid: null });
    const signInKey = await webBackend(emailApp).initiate();
    const mini = miniProgram(emailApp, user);
    expect((await mini.scan(signInKey)).status).toBe(200);
    const email = newEmail("openid");
    expect((await mini.sendCode("email", email)).status).toBe(200);
    const registered = await mini.confirmRegister(signInKey, {
      unionID: user.openid,
      email,
      emailCode: await lastCodeTo(email),
    });
    expect(registered.status, said(registered)).toBe(200);
    expect(await directorySql(emailApp, "SELECT email FROM users WHERE union_id = ?", user.openid)).toEqual([
      { email },
    ]);
  });
});

describe("an app that requires a phone code", () => {
  it("needs phone and phoneCode, and registers with the code sent by SMS", async () => {
    const { user, mini, signInKey } = await scanningUser(phoneApp);
    const number = newPhone();
    expectRefused(await mini.confirmRegister(signInKey), 400, "phone: is required by this app");
    const noCode = await mini.confirmRegister(signInKey, { phone: number });
    expect(noCode.status, said(noCode)).toBe(400);
    expect(noCode.body.error).toMatch(/^phoneCode: is required by this app/);

    const sent = await mini.sendCode("phone", number);
    expect(sent.status, said(sent)).toBe(200);
    expect(sent.body.data).toEqual({ channel: "phone", target: number, expires_in: 600 });
    const [webhook] = await received(number);
    expect(webhook).toMatchObject({
      event: "verification-code",
      signatureValid: true,
      body: { appKey: phoneApp.appKey, channel: "phone", target: number, ttlSeconds: 600 },
    });
    const code = webhook!.body!.code;
    expect(code).toMatch(/^[0-9]{6}$/);
    expect(JSON.stringify(sent.body)).not.toContain(code);

    expectRefused(
      await mini.confirmRegister(signInKey, { phone: number, phoneCode: wrong(code) }),
      400,
      "phoneCode: is wrong (4 tries left)",
    );
    expectRefused(
      await mini.confirmRegister(signInKey, { phone: newPhone(), phoneCode: code }),
      400,
      "phone: is not where the code was sent",
    );
    const registered = await mini.confirmRegister(signInKey, { phone: number, phoneCode: code });
    expect(registered.status, said(registered)).toBe(200);
    expect(
      await directorySql(phoneApp, "SELECT phone FROM users WHERE union_id = ?", subjectOf(user)),
    ).toEqual([{ phone: number }]);
  });
});

import { beforeAll, describe, expect, it } from "vitest";
import {
  admin,
  fetchGateway,
  type MiniProgramLogin,
  miniProgramLogin,
  type RegisteredApp,
  registerApp,
} from "../support/gateway.ts";
import { miniProgram, qrPath, said, webBackend } from "../support/qrauth.ts";
import { sim } from "../support/simulator.ts";

// SPEC §7: a session moves forward only (pending → scanned → confirmed → consumed), is bound to the
// user who scans it first, and is single use. A signInKey the app does not own is answered exactly
// like one that never existed.

let app: RegisteredApp;
/** Registered for `app` in beforeAll, so Confirm-Login works for them. */
let alice: MiniProgramLogin;
let bob: MiniProgramLogin;

beforeAll(async () => {
  app = await registerApp("qr-fwd", "wxqrfwd000000001", {
    simulator: { pages: ["pages/index/index", "pages/login/login"] },
  });
  const profiled = await admin("PUT", `/apps/${app.appKey}`, {
    appId: app.appId,
    profile: {
      appID: 42,
      name: "Forward Shop",
      logo: "https://shop.test/logo.png",
      website: "https://shop.test",
      description: "Sign in to the forward shop",
      tags: ["shop", "test"],
    },
    qrAuth: { page: "pages/login/login" },
  });
  if (profiled.status !== 200) throw new Error(`profile: ${said(profiled)}`);
  alice = await miniProgramLogin(app);
  bob = await miniProgramLogin(app);
  for (const user of [alice, bob]) {
    const signInKey = await webBackend(app).initiate();
    await miniProgram(app, user).scan(signInKey);
    const registered = await miniProgram(app, user).confirmRegister(signInKey);
    if (registered.status !== 200) throw new Error(`register: ${said(registered)}`);
  }
});

/** A new session that `user` has scanned. */
async function scannedBy(user: MiniProgramLogin): Promise<number> {
  const signInKey = await webBackend(app).initiate({ scopes: "profile", remark: "Hello", scheme: "shop" });
  const scanned = await miniProgram(app, user).scan(signInKey);
  expect(scanned.status, said(scanned)).toBe(200);
  return signInKey;
}

const statusOf = async (signInKey: number) => (await webBackend(app).status(signInKey)).body.data.status;

describe("scanning", () => {
  it("answers the app's profile and the session's request, and marks the session scanned", async () => {
    const signInKey = await webBackend(app).initiate({
      scopes: "profile,phone",
      remark: "Pay",
      scheme: "shop2",
    });
    expect(await statusOf(signInKey)).toBe("pending");
    const scanned = await miniProgram(app, alice).scan(signInKey);
    expect(scanned.status, said(scanned)).toBe(200);
    expect(scanned.body.data).toEqual({
      appID: 42,
      name: "Forward Shop",
      logo: "https://shop.test/logo.png",
      website: "https://shop.test",
      description: "Sign in to the forward shop",
      tags: ["shop", "test"],
      scopes: "profile,phone",
      remark: "Pay",
      scheme: "shop2",
    });
    expect(await statusOf(signInKey)).toBe("scanned");
  });

  it("the same user may scan again; anyone else is refused (403) and cannot confirm it either", async () => {
    const signInKey = await scannedBy(alice);
    const again = await miniProgram(app, alice).scan(signInKey);
    expect(again.status, said(again)).toBe(200);
    expect(again.body.data).toMatchObject({ scopes: "profile", remark: "Hello", scheme: "shop" });

    const intruder = miniProgram(app, bob);
    const scan = await intruder.scan(signInKey);
    expect(scan.status, said(scan)).toBe(403);
    expect(scan.body.error).toMatch(/scanned by another user/);
    expect((await intruder.confirmLogin(signInKey)).status).toBe(403);
    expect((await intruder.confirmRegister(signInKey)).status).toBe(403);
    const newcomer = await miniProgramLogin(app);
    expect((await miniProgram(app, newcomer).confirmRegister(signInKey)).status).toBe(403);

    // The scanner is still the one who confirms.
    expect(await statusOf(signInKey)).toBe("scanned");
    const confirmed = await miniProgram(app, alice).confirmLogin(signInKey);
    expect(confirmed.status, said(confirmed)).toBe(200);
  });

  it("a newcomer refused on someone else's session can still register on their own", async () => {
    const newcomer = await miniProgramLogin(app);
    const taken = await scannedBy(alice);
    expect((await miniProgram(app, newcomer).confirmRegister(taken)).status).toBe(403);
    const own = await scannedBy(newcomer);
    const registered = await miniProgram(app, newcomer).confirmRegister(own);
    expect(registered.status, said(registered)).toBe(200);
  });
});

describe("confirming", () => {
  it("is refused before the scan (409), and the session stays pending", async () => {
    const signInKey = await webBackend(app).initiate();
    const login = await miniProgram(app, alice).confirmLogin(signInKey);
    expect(login.status, said(login)).toBe(409);
    expect(login.body.error).toMatch(/not been scanned/);
    expect((await miniProgram(app, bob).confirmLogin(signInKey)).status).toBe(409);
    expect(await statusOf(signInKey)).toBe("pending");
  });

  it("registering before the scan is refused (409) and registers nobody", async () => {
    const newcomer = await miniProgramLogin(app);
    const signInKey = await webBackend(app).initiate();
    const early = await miniProgram(app, newcomer).confirmRegister(signInKey);
    expect(early.status, said(early)).toBe(409);
    expect(await statusOf(signInKey)).toBe("pending");
    await miniProgram(app, newcomer).scan(signInKey);
    // Not registered by the refused attempt: Confirm-Login does not know them, Confirm-Register works.
    expect((await miniProgram(app, newcomer).confirmLogin(signInKey)).status).toBe(404);
    const registered = await miniProgram(app, newcomer).confirmRegister(signInKey);
    expect(registered.status, said(registered)).toBe(200);
  });

  it("happens once: a second confirmation or registration is 409, confirmed or consumed", async () => {
    const signInKey = await scannedBy(alice);
    const first = await miniProgram(app, alice).confirmLogin(signInKey);
    expect(first.status, said(first)).toBe(200);

    const again = await miniProgram(app, alice).confirmLogin(signInKey);
    expect(again.status, said(again)).toBe(409);
    expect(again.body.error).toMatch(/already confirmed/);
    expect((await miniProgram(app, alice).confirmRegister(signInKey)).status).toBe(409);
    expect((await miniProgram(app, bob).confirmLogin(signInKey)).status).toBe(409);

    const picked = await webBackend(app).status(signInKey);
    expect(picked.body.data).toMatchObject({ status: "confirmed", token: first.body.data });
    expect((await miniProgram(app, alice).confirmLogin(signInKey)).status).toBe(409);
    expect(await statusOf(signInKey)).toBe("consumed");
  });

  it("a confirmed or consumed session cannot be scanned again (409), by anyone", async () => {
    const signInKey = await scannedBy(alice);
    expect((await miniProgram(app, alice).confirmLogin(signInKey)).status).toBe(200);
    for (const user of [alice, bob]) {
      const scan = await miniProgram(app, user).scan(signInKey);
      expect(scan.status, said(scan)).toBe(409);
      expect(scan.body.error).toMatch(/already confirmed/);
    }
    expect(await statusOf(signInKey)).toBe("confirmed");
    await webBackend(app).status(signInKey);
    expect(await statusOf(signInKey)).toBe("consumed");
    expect((await miniProgram(app, alice).scan(signInKey)).status).toBe(409);
    expect(await statusOf(signInKey)).toBe("consumed");
  });
});

describe("the code image", () => {
  it("is a JPEG while the session is pending, for the signInKey as scene and qrAuth.page", async () => {
    const signInKey = await webBackend(app).initiate();
    const image = await fetchGateway("GET", qrPath(app.appKey, `Code?signInKey=${signInKey}`), {
      token: app.apiKey,
    });
    expect(image.status).toBe(200);
    expect(image.headers.get("Content-Type")).toBe("image/jpeg");
    const bytes = new Uint8Array(await image.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    const asked = (await sim.requests(app.appId)).filter((r) => r.path === "/wxa/getwxacodeunlimit");
    expect(JSON.parse(asked.at(-1)!.bodyText)).toMatchObject({
      scene: String(signInKey),
      page: "pages/login/login",
    });
  });

  it("is refused (409) once the session is scanned, confirmed or consumed", async () => {
    const signInKey = await scannedBy(alice);
    const scanned = await webBackend(app).code(signInKey);
    expect(scanned.status, said(scanned)).toBe(409);
    expect(scanned.body.error).toMatch(/scanned/);
    await miniProgram(app, alice).confirmLogin(signInKey);
    expect((await webBackend(app).code(signInKey)).status).toBe(409);
    await webBackend(app).status(signInKey);
    expect((await webBackend(app).code(signInKey)).status).toBe(409);
  });
});

describe("a signInKey the app does not own", () => {
  const NEVER_ISSUED = 123_456_789;

  it("is 404 on Scan, Status, Code and the confirmations", async () => {
    const answers = [
      await miniProgram(app, alice).scan(NEVER_ISSUED),
      await webBackend(app).status(NEVER_ISSUED),
      await webBackend(app).code(NEVER_ISSUED),
      await miniProgram(app, alice).confirmLogin(NEVER_ISSUED),
      await miniProgram(app, alice).confirmRegister(NEVER_ISSUED),
    ];
    for (const answer of answers) {
      expect(answer.status, said(answer)).toBe(404);
      expect(answer.body.error).toBe("no sign-in session has this signInKey");
    }
  });

  it("another appKey's session is answered exactly like one that never existed", async () => {
    const other = await registerApp("qr-fwd-other", "wxqrfwdother0001");
    const otherUser = await miniProgramLogin(other);
    const signInKey = await webBackend(app).initiate();

    const foreign = [
      await webBackend(other).status(signInKey),
      await webBackend(other).code(signInKey),
      await miniProgram(other, otherUser).scan(signInKey),
      await miniProgram(other, otherUser).confirmLogin(signInKey),
    ];
    const unknown = [
      await webBackend(other).status(NEVER_ISSUED),
      await webBackend(other).code(NEVER_ISSUED),
      await miniProgram(other, otherUser).scan(NEVER_ISSUED),
      await miniProgram(other, otherUser).confirmLogin(NEVER_ISSUED),
    ];
    for (const [i, answer] of foreign.entries()) {
      expect(answer.status, said(answer)).toBe(404);
      expect(answer.body).toEqual(unknown[i]!.body);
    }
    // Nothing the other app tried moved the session.
    expect(await statusOf(signInKey)).toBe("pending");
  });
});

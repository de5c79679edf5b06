import { beforeAll, describe, expect, it } from "vitest";
import {
  type MiniProgramLogin,
  miniProgramLogin,
  type RegisteredApp,
  registerApp,
} from "../support/gateway.ts";
import { miniProgram, said, type TokenModel, webBackend } from "../support/qrauth.ts";

// SPEC §7.5: Confirm-Register takes the session user's own unionid (their openid when WeChat gave
// none), registers a unionID once per app, and is where an unregistered user goes after
// Confirm-Login answered 404.

let app: RegisteredApp;

beforeAll(async () => {
  app = await registerApp("qr-reg", "wxqrreg000000001");
});

/** A new session that `user` has scanned. */
async function scannedBy(user: MiniProgramLogin, target = app): Promise<number> {
  const signInKey = await webBackend(target).initiate();
  const scanned = await miniProgram(target, user).scan(signInKey);
  expect(scanned.status, said(scanned)).toBe(200);
  return signInKey;
}

const subjectOf = (token: TokenModel) =>
  JSON.parse(atob(token.access_token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"))).sub as string;

const statusOf = async (signInKey: number) => (await webBackend(app).status(signInKey)).body.data.status;

describe("who registers", () => {
  it("a unionID other than the session user's is refused (403), and the session stays open", async () => {
    const user = await miniProgramLogin(app);
    const someoneElse = await miniProgramLogin(app);
    const signInKey = await scannedBy(user);

    for (const unionID of [someoneElse.unionid, "oSomebodyElseEntirely", user.openid]) {
      const refused = await miniProgram(app, user).confirmRegister(signInKey, { unionID });
      expect(refused.status, `${unionID}: ${said(refused)}`).toBe(403);
      expect(refused.body.error.startsWith("unionID: "), said(refused)).toBe(true);
    }
    expect(await statusOf(signInKey)).toBe("scanned");
    // Nobody was registered by the refusals: the other user still registers as themself.
    const other = await miniProgram(app, someoneElse).confirmRegister(await scannedBy(someoneElse));
    expect(other.status, said(other)).toBe(200);

    const registered = await miniProgram(app, user).confirmRegister(signInKey, { unionID: user.unionid });
    expect(registered.status, said(registered)).toBe(200);
  });

  it("a user WeChat gave no unionid registers with their openid, and only with it", async () => {
    const user = await miniProgramLogin(app, { unionid: null });
    expect(user.unionid).toBeNull();
    const signInKey = await scannedBy(user);

    const asOther = await miniProgram(app, user).confirmRegister(signInKey, {
      unionID: "oUnionTheyDoNotHave",
    });
    expect(asOther.status, said(asOther)).toBe(403);
    const registered = await miniProgram(app, user).confirmRegister(signInKey, { unionID: user.openid });
    expect(registered.status, said(registered)).toBe(200);

    // They are now known: the next session logs them in as the same subject.
    const login = await miniProgram(app, user).confirmLogin(await scannedBy(user));
    expect(login.status, said(login)).toBe(200);
    expect(subjectOf(login.body.data)).toBe(subjectOf(registered.body.data));
  });
});

describe("an unregistered user", () => {
  it("gets 404 from Confirm-Login; the session stays scanned and Confirm-Register follows", async () => {
    const user = await miniProgramLogin(app);
    const signInKey = await scannedBy(user);

    const login = await miniProgram(app, user).confirmLogin(signInKey);
    expect(login.status, said(login)).toBe(404);
    expect(login.body.error).toMatch(/not registered.*Confirm-Register/);
    expect(await webBackend(app).status(signInKey)).toMatchObject({
      status: 200,
      body: { data: { status: "scanned" } },
    });

    const registered = await miniProgram(app, user).confirmRegister(signInKey, {
      nickName: "Carol",
      avatar: "https://img.test/carol.png",
      data: { plan: "gold", seats: [1, 2] },
    });
    expect(registered.status, said(registered)).toBe(200);
    expect(registered.body.data).toMatchObject({ token_type: "Bearer", expires_in: 7200 });
    const picked = await webBackend(app).status(signInKey);
    expect(picked.body.data).toMatchObject({ status: "confirmed", token: registered.body.data });
  });
});

describe("once per unionID", () => {
  it("registering the same unionID again is 409; that session can then log in instead", async () => {
    const user = await miniProgramLogin(app);
    const first = await miniProgram(app, user).confirmRegister(await scannedBy(user));
    expect(first.status, said(first)).toBe(200);

    // A new session, and a new login of the same WeChat user (a new session token).
    const again = await miniProgramLogin(app, { openid: user.openid });
    expect(again.unionid).toBe(user.unionid);
    const signInKey = await scannedBy(again);
    const twice = await miniProgram(app, again).confirmRegister(signInKey, { nickName: "Second" });
    expect(twice.status, said(twice)).toBe(409);
    expect(twice.body.error).toBe("unionID: is already registered for this app");
    expect(await statusOf(signInKey)).toBe("scanned");

    const login = await miniProgram(app, again).confirmLogin(signInKey);
    expect(login.status, said(login)).toBe(200);
    expect(subjectOf(login.body.data)).toBe(subjectOf(first.body.data));
  });

  it("is per app: the same unionID (another mini program of the same account) registers with another appKey", async () => {
    const other = await registerApp("qr-reg-other", "wxqrregother0001");
    const user = await miniProgramLogin(app);
    const here = await miniProgram(app, user).confirmRegister(await scannedBy(user));
    expect(here.status, said(here)).toBe(200);

    const there = await miniProgramLogin(other, { unionid: user.unionid });
    const signInKey = await scannedBy(there, other);
    expect((await miniProgram(other, there).confirmLogin(signInKey)).status).toBe(404);
    const registered = await miniProgram(other, there).confirmRegister(signInKey);
    expect(registered.status, said(registered)).toBe(200);
    expect(subjectOf(registered.body.data)).not.toBe(subjectOf(here.body.data));
  });
});

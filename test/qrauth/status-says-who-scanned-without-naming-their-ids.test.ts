import { describe, expect, it } from "vitest";
import { call, miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, said, webBackend } from "../support/qrauth.ts";

// While a session is `scanned`, Status tells the web side who scanned, as the app knows them: the
// nickName and avatar they registered with, or `registered: false` for someone about to register.
// Never the openid or unionid (those are WeChat's ids for the user, not the web page's business).

describe("Status says who scanned", () => {
  it("answers registered: false for a new user, and nothing before the scan or after the confirm", async () => {
    const app = await registerApp("qr-scanner", "wxqrscanner00001");
    const user = await miniProgramLogin(app, { unionid: "oUnionQrScanner00000000001" });
    const signInKey = await webBackend(app).initiate();
    const pending = await webBackend(app).status(signInKey);
    expect(pending.body.data).toEqual({ status: "pending", expires_in: expect.any(Number) });

    expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
    const scanned = await webBackend(app).status(signInKey);
    expect(scanned.body.data).toEqual({
      status: "scanned",
      scanner: { registered: false },
      expires_in: expect.any(Number),
    });
    const text = JSON.stringify(scanned.body);
    expect(text).not.toContain(user.openid);
    expect(text).not.toContain("oUnionQrScanner00000000001");

    const registered = await miniProgram(app, user).confirmRegister(signInKey, { nickName: "Alice" });
    expect(registered.status, said(registered)).toBe(200);
    const picked = await webBackend(app).status(signInKey);
    expect(picked.body.data.status).toBe("confirmed");
    expect(picked.body.data).not.toHaveProperty("scanner");
  });

  it("names a registered user by the nickName and avatar they registered with", async () => {
    const app = await registerApp("qr-scanner-known", "wxqrscanner00002");
    const user = await miniProgramLogin(app, { unionid: "oUnionQrScanner00000000002" });
    const first = await webBackend(app).initiate();
    await miniProgram(app, user).scan(first);
    const registered = await miniProgram(app, user).confirmRegister(first, {
      nickName: "Bob",
      avatar: "https://example.com/bob.png",
    });
    expect(registered.status, said(registered)).toBe(200);

    const second = await webBackend(app).initiate();
    await miniProgram(app, user).scan(second);
    expect((await webBackend(app).status(second)).body.data).toEqual({
      status: "scanned",
      scanner: { registered: true, nickName: "Bob", avatar: "https://example.com/bob.png" },
      expires_in: expect.any(Number),
    });
  });

  it("names a registered user without a nickName only as registered", async () => {
    const app = await registerApp("qr-scanner-bare", "wxqrscanner00003");
    const user = await miniProgramLogin(app, { unionid: null });
    const first = await webBackend(app).initiate();
    await miniProgram(app, user).scan(first);
    expect((await miniProgram(app, user).confirmRegister(first)).status).toBe(200);
    const second = await webBackend(app).initiate();
    await miniProgram(app, user).scan(second);
    expect((await webBackend(app).status(second)).body.data).toEqual({
      status: "scanned",
      scanner: { registered: true },
      expires_in: expect.any(Number),
    });
  });

  it("is described in the OpenAPI document", async () => {
    const document = (await call("GET", "/openapi.json")).body as unknown as {
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    expect(document.components.schemas.QrStatus?.properties).toHaveProperty("scanner");
    expect(Object.keys(document.components.schemas.QrScanner?.properties ?? {}).sort()).toEqual([
      "avatar",
      "nickName",
      "registered",
    ]);
  });
});

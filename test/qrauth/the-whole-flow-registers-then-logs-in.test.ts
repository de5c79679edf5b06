import { describe, expect, it } from "vitest";
import { call, type Envelope, miniProgramLogin, registerApp } from "../support/gateway.ts";

// SPEC §7 end to end: the web backend initiates and polls; the mini-program user scans and
// registers on a first session, then logs in on a second one; the token is picked up once.

type TokenModel = { access_token: string; token_type: string; expires_in: number };

describe("QR-Auth flow", () => {
  it("registers on the first session and logs in on the second", async () => {
    const app = await registerApp("qr-flow", "wxqrflow00000001");
    const web = (method: string, path: string, body?: unknown) =>
      call<Envelope<never>>(method, `/Wechat/${app.appKey}/QR-Auth/${path}`, { token: app.apiKey, body });
    const user = await miniProgramLogin(app, { unionid: "oUnionQrFlow00000000000001" });
    const phone = (path: string, body: unknown) =>
      call<Envelope<never>>("POST", `/Wechat/${app.appKey}/QR-Auth/${path}`, { token: user.session, body });

    const initiated = await web("POST", "Initiate", {
      scopes: "profile,email",
      remark: "Sign in to the shop",
      scheme: "https",
    });
    expect(initiated.status).toBe(200);
    const signInKey = initiated.body.data as number;
    expect(Number.isSafeInteger(signInKey) && signInKey > 0).toBe(true);
    expect((await web("GET", `Status?signInKey=${signInKey}`)).body.data).toMatchObject({
      status: "pending",
    });

    const scanned = await phone("Scan", { signInKey });
    expect(scanned.status).toBe(200);
    expect(scanned.body.data).toMatchObject({
      scopes: "profile,email",
      remark: "Sign in to the shop",
      scheme: "https",
    });
    expect((await web("GET", `Status?signInKey=${signInKey}`)).body.data).toMatchObject({
      status: "scanned",
    });

    expect((await phone("Confirm-Login", { signInKey })).status).toBe(404);
    const registered = await phone("Confirm-Register", {
      signInKey,
      unionID: user.unionid,
      nickName: "Alice",
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    const token = registered.body.data as TokenModel;
    expect(token).toMatchObject({ token_type: "Bearer", expires_in: 7200 });

    const picked = await web("GET", `Status?signInKey=${signInKey}`);
    expect(picked.body.data).toMatchObject({ status: "confirmed", token });
    expect((await web("GET", `Status?signInKey=${signInKey}`)).body.data).toEqual({
      status: "consumed",
      expires_in: expect.any(Number),
    });

    const second = (await web("POST", "Initiate", {})).body.data as number;
    expect((await phone("Scan", { signInKey: second })).status).toBe(200);
    const login = await phone("Confirm-Login", { signInKey: second });
    expect(login.status).toBe(200);
    const claims = JSON.parse(
      atob(
        (login.body.data as TokenModel).access_token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/"),
      ),
    );
    const first = JSON.parse(
      atob(token.access_token.split(".")[1]!.replaceAll("-", "+").replaceAll("_", "/")),
    );
    expect(claims.sub).toBe(first.sub);
    expect(claims.aud).toBe("qr-flow");
    expect(claims.scope).toBe("");
    expect(first.scope).toBe("profile email");
  });
});

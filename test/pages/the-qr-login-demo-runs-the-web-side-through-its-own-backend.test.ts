import { describe, expect, it } from "vitest";
import { admin, fetchGateway, miniProgramLogin, registerApp } from "../support/gateway.ts";
import { decodeJwt, miniProgram, said, webBackend } from "../support/qrauth.ts";
import { demo } from "./demo-client.ts";

// With DEMO_PAGES on, /demo/qr-login/{appKey} is a page plus a small same-origin backend that plays
// the web app's server: it opens the session, serves its code and answers its status with the same
// functions as Initiate, Code and Status, so the page never holds an API key.

describe("the QR-login demo's web side", () => {
  it("serves the page with the strict CSP and its one script", async () => {
    await registerApp("qr-demo-page", "wxqrdemopage0001");
    const response = await demo("qr-demo-page").page();
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const page = await response.text();
    expect(page).toContain('<script defer src="/assets/qr-login.js"></script>');
    expect(page).toContain('data-appkey="qr-demo-page"');
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)/);
    for (const [, source] of page.matchAll(/(?:src|href)="([^"]+)"/g)) expect(source).toMatch(/^\/(?!\/)/);
  });

  it("escapes the app's profile name into the page", async () => {
    const app = await registerApp("qr-demo-escape", "wxqrdemoescape01");
    const put = await admin("PUT", `/apps/${app.appKey}`, {
      appId: app.appId,
      profile: { name: `<img src=x onerror=alert(1)> & "shop"` },
    });
    expect(put.status).toBe(200);
    const page = await (await demo(app.appKey).page()).text();
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;shop&quot;");
  });

  it("needs a registered mini program", async () => {
    await registerApp("qr-demo-oa", "wxqrdemooa000001", { type: "officialaccount" });
    const unknown = await demo("qr-demo-nobody").json("POST", "/session", {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe("no app is registered as qr-demo-nobody");
    expect((await demo("qr-demo-nobody").page()).status).toBe(404);
    const oa = await demo("qr-demo-oa").json("POST", "/session", {});
    expect(oa.status).toBe(400);
    expect(oa.body.error).toMatch(/for a mini program/);
  });

  it("opens a session, serves its code image and follows it to the token, handed out once", async () => {
    const app = await registerApp("qr-demo-flow", "wxqrdemoflow0001");
    const site = demo(app.appKey);
    const { signInKey, expires_in, handle } = await site.start();
    expect(Number.isSafeInteger(signInKey) && signInKey > 0).toBe(true);
    expect(expires_in).toBe(300);
    // What the page must present to read this session (the-qr-login-demo-reads-only-sessions-it-opened).
    expect(handle).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const image = await site.code(signInKey);
    expect(image.status).toBe(200);
    expect(image.headers.get("Content-Type")).toBe("image/jpeg");
    const bytes = new Uint8Array(await image.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
    // The same code as the API's Code endpoint draws for this session.
    const viaApi = await fetchGateway("GET", `/Wechat/${app.appKey}/QR-Auth/Code?signInKey=${signInKey}`, {
      token: app.apiKey,
    });
    expect(new Uint8Array(await viaApi.arrayBuffer())).toEqual(bytes);

    expect((await site.status(signInKey)).body.data).toEqual({
      status: "pending",
      expires_in: expect.any(Number),
    });
    // The session is a real one: the API's Status sees it too.
    expect((await webBackend(app).status(signInKey)).body.data.status).toBe("pending");

    const user = await miniProgramLogin(app, { unionid: "oUnionQrDemoFlow0000000001" });
    expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
    expect((await site.status(signInKey)).body.data).toEqual({
      status: "scanned",
      scanner: { registered: false },
      expires_in: expect.any(Number),
    });
    const scannedCode = await site.code(signInKey);
    expect(scannedCode.status).toBe(409);

    const registered = await miniProgram(app, user).confirmRegister(signInKey, { nickName: "Demo user" });
    expect(registered.status, said(registered)).toBe(200);
    const picked = await site.status(signInKey);
    expect(picked.body.data.status).toBe("confirmed");
    expect(picked.body.data.token?.access_token).toBe(registered.body.data.access_token);
    const { claims } = decodeJwt(picked.body.data.token!.access_token);
    expect(claims).toMatchObject({ aud: app.appKey, iss: "https://gateway.test", scope: "profile" });
    expect((await site.status(signInKey)).body.data).toEqual({
      status: "consumed",
      expires_in: expect.any(Number),
    });
    expect((await webBackend(app).status(signInKey)).body.data.status).toBe("consumed");
  });

  it("takes the Initiate fields from the page, validated as Initiate validates them", async () => {
    const app = await registerApp("qr-demo-fields", "wxqrdemofields01");
    const site = demo(app.appKey);
    const { signInKey } = await site.start({ scopes: "profile,email", remark: "Custom", scheme: "myapp" });
    const user = await miniProgramLogin(app);
    const scanned = await miniProgram(app, user).scan(signInKey);
    expect(scanned.body.data).toMatchObject({ scopes: "profile,email", remark: "Custom", scheme: "myapp" });

    const bad = await site.json("POST", "/session", { scopes: "no spaces allowed" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("scopes: may contain only letters, digits and commas");
    const notAnObject = await site.raw("POST", "/session", [1]);
    expect(notAnObject.status).toBe(400);
  });

  it("refuses signInKeys that are not one, and ones it never issued", async () => {
    await registerApp("qr-demo-keys", "wxqrdemokeys0001");
    const site = demo("qr-demo-keys");
    for (const key of ["0", "abc", "9007199254740992", "-1"]) {
      const answer = await site.status(key);
      expect(answer.status, key).toBe(400);
      expect(answer.body.error, key).toMatch(/^signInKey: /);
    }
    // Without the handle of a session it opened, the demo answers nothing about a signInKey.
    const unknown = await site.status(123456789);
    expect(unknown.status).toBe(401);
    const other = await registerApp("qr-demo-keys-other", "wxqrdemokeys0002");
    const theirs = await webBackend(other).initiate();
    expect((await site.status(theirs)).status).toBe(401);
    expect((await site.code(theirs)).status).toBe(401);
  });

  it("rate-limits sessions per client address", async () => {
    await registerApp("qr-demo-rate", "wxqrdemorate0001");
    const site = demo("qr-demo-rate");
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await site.json("POST", "/session", {})).status);
    expect(statuses.filter((s) => s === 200).length).toBe(60);
    const refused = await site.json("POST", "/session", {});
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
  });
});

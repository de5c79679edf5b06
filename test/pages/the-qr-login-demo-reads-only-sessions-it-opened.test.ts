import { describe, expect, it } from "vitest";
import { miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, said, webBackend } from "../support/qrauth.ts";
import { demo } from "./demo-client.ts";

// The demo's backend opens sessions without an API key, so its code and status routes must not become
// a keyless Status for every session: they answer only the page that opened the session, which got an
// unguessable handle with the signInKey. Sessions the real web backend opened through Initiate never
// had one, so the demo cannot read them, whoever knows their signInKey (it is in the QR code).

/** A session the app's real backend opened with its API key, scanned and confirmed on the phone. */
async function confirmedThroughTheApi(appKey: string, appId: string) {
  const app = await registerApp(appKey, appId);
  const signInKey = await webBackend(app).initiate();
  const user = await miniProgramLogin(app);
  expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
  const registered = await miniProgram(app, user).confirmRegister(signInKey, { nickName: "Victim" });
  expect(registered.status, said(registered)).toBe(200);
  return { app, signInKey, token: registered.body.data.access_token };
}

describe("the QR-login demo reads only the sessions it opened, and only for the page that opened them", () => {
  it("never hands out the token of a session opened through Initiate, with or without a handle", async () => {
    const { app, signInKey, token } = await confirmedThroughTheApi("qr-demo-theirs", "wxqrdemotheirs01");
    const site = demo(app.appKey);
    const bare = await site.status(signInKey, { handle: null });
    expect(bare.status).toBe(401);
    expect(JSON.stringify(bare.body)).not.toContain(token);
    // A handle the demo really gave out, for another session of the same app, and made-up ones.
    const own = await site.start();
    const forged = "A".repeat(own.handle.length);
    for (const handle of [null, own.handle, forged, ""]) {
      const answer = await site.status(signInKey, { handle });
      expect(answer.status, `handle ${handle}`).toBe(401);
      expect(JSON.stringify(answer.body)).not.toContain(token);
      expect((await site.code(signInKey, { handle })).status, `handle ${handle}`).toBe(401);
    }
    // Still unread: the real backend picks the token up, once.
    const picked = await webBackend(app).status(signInKey);
    expect(picked.body.data.status).toBe("confirmed");
    expect(picked.body.data.token?.access_token).toBe(token);
  });

  it("answers a demo session's status and code only with the handle its opening gave", async () => {
    const app = await registerApp("qr-demo-handle", "wxqrdemohandle01");
    const site = demo(app.appKey);
    const mine = await site.start();
    const other = await site.start();
    expect(mine.handle).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(other.handle).not.toBe(mine.handle);

    const user = await miniProgramLogin(app);
    expect((await miniProgram(app, user).scan(mine.signInKey)).status).toBe(200);
    const confirmed = await miniProgram(app, user).confirmRegister(mine.signInKey, { nickName: "Demo user" });
    expect(confirmed.status, said(confirmed)).toBe(200);

    const refusals = [];
    for (const handle of [null, other.handle, mine.handle.slice(0, -1), `${mine.handle}x`]) {
      const answer = await site.status(mine.signInKey, { handle });
      expect(answer.status, `handle ${handle}`).toBe(401);
      refusals.push(answer.body);
    }
    // The same refusal for a signInKey that names no session: a wrong handle reveals nothing.
    refusals.push((await site.status(123456789, { handle: mine.handle })).body);
    expect(new Set(refusals.map((body) => JSON.stringify(body))).size).toBe(1);
    expect(refusals[0]).toEqual({
      code: 401,
      data: null,
      error:
        "the demo answers only the page that opened this session: Authorization: Bearer <its handle> is required",
    });

    // None of that consumed it: the page that opened it gets the token.
    const picked = await site.status(mine.signInKey);
    expect(picked.status).toBe(200);
    expect(picked.body.data.token?.access_token).toBe(confirmed.body.data.access_token);

    // The other session's code, for its own handle only.
    expect((await site.code(other.signInKey, { handle: mine.handle })).status).toBe(401);
    const image = await site.code(other.signInKey);
    expect(image.status).toBe(200);
    expect(image.headers.get("Content-Type")).toBe("image/jpeg");
  });

  it("binds a handle to its app: another appKey's demo refuses it", async () => {
    const app = await registerApp("qr-demo-bound", "wxqrdemobound001");
    await registerApp("qr-demo-bound-2", "wxqrdemobound002");
    const { signInKey, handle } = await demo(app.appKey).start();
    const elsewhere = await demo("qr-demo-bound-2").status(signInKey, { handle });
    expect(elsewhere.status).toBe(401);
    expect((await demo(app.appKey).status(signInKey, { handle })).body.data.status).toBe("pending");
  });
});

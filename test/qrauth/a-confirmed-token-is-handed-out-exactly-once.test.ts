import { describe, expect, it } from "vitest";
import { miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, webBackend } from "../support/qrauth.ts";

// Issue 4: a session is confirmed and picked up exactly once, however many requests race.

describe("exactly once", () => {
  it("concurrent Status polls: one of them gets the token, the rest see it consumed", async () => {
    const app = await registerApp("qr-once-poll", "wxqronce00000001");
    const web = webBackend(app);
    const phone = miniProgram(app, await miniProgramLogin(app));
    const signInKey = await web.initiate();
    await phone.scan(signInKey);
    const token = (await phone.confirmRegister(signInKey)).body.data;

    const polls = await Promise.all(Array.from({ length: 20 }, () => web.status(signInKey)));
    expect(polls.every((p) => p.status === 200)).toBe(true);
    const withToken = polls.filter((p) => p.body.data.token);
    expect(withToken).toHaveLength(1);
    expect(withToken[0]!.body.data).toMatchObject({ status: "confirmed", token });
    expect(polls.filter((p) => p.body.data.status === "consumed")).toHaveLength(19);
  });

  it("concurrent confirmations: exactly one token is issued", async () => {
    const app = await registerApp("qr-once-confirm", "wxqronce00000002");
    const web = webBackend(app);
    const phone = miniProgram(app, await miniProgramLogin(app));
    const signInKey = await web.initiate();
    await phone.scan(signInKey);
    const registered = await phone.confirmRegister(signInKey);
    expect(registered.status).toBe(200);

    const second = await web.initiate();
    await phone.scan(second);
    const confirms = await Promise.all(Array.from({ length: 10 }, () => phone.confirmLogin(second)));
    expect(confirms.filter((c) => c.status === 200)).toHaveLength(1);
    expect(confirms.filter((c) => c.status === 409)).toHaveLength(9);
    const picked = await web.status(second);
    expect(picked.body.data.token).toEqual(confirms.find((c) => c.status === 200)!.body.data);
  });

  it("concurrent registrations of one user: one account, one token", async () => {
    const app = await registerApp("qr-once-register", "wxqronce00000003");
    const web = webBackend(app);
    const phone = miniProgram(app, await miniProgramLogin(app));
    const signInKey = await web.initiate();
    await phone.scan(signInKey);
    const answers = await Promise.all(Array.from({ length: 8 }, () => phone.confirmRegister(signInKey)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
  });
});

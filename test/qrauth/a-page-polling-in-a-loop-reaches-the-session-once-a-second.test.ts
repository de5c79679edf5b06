import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sessionStatus } from "../../src/qrauth/web-side.ts";
import { miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, said, webBackend } from "../support/qrauth.ts";

// A web page polls Status every second or two. One that polls in a loop (or many tabs on one
// session) must not make the session's object a hot spot: an isolate answers a pending or scanned
// session's polls from memory for up to a second. A scan or confirmation made through this isolate
// is seen at once, and a confirmed session's token still comes from the object, exactly once.

/** The real QR_SESSION namespace, counting the calls that reach a session's object. */
function countingSessions(): { env: Env; calls: () => number } {
  let calls = 0;
  const sessions = new Proxy(env.QR_SESSION, {
    get(target, property) {
      if (property === "getByName") {
        return (name: string) => {
          const stub = target.getByName(name);
          return new Proxy(stub, {
            get(stubTarget, method) {
              const methods = stubTarget as unknown as Record<PropertyKey, (...args: unknown[]) => unknown>;
              if (typeof methods[method] !== "function") return methods[method];
              // Called on the stub itself: an RPC method has no .apply to borrow.
              return (...args: unknown[]) => {
                calls++;
                return methods[method]!(...args);
              };
            },
          });
        };
      }
      return Reflect.get(target, property);
    },
  });
  return { env: { ...env, QR_SESSION: sessions }, calls: () => calls };
}

describe("a page polling in a loop reaches the session once a second", () => {
  it("answers 200 polls of a pending session with one call to its object", async () => {
    const app = await registerApp("qr-poll-loop", "wxqrpollloop0001");
    const signInKey = await webBackend(app).initiate();
    const counted = countingSessions();
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(await sessionStatus(counted.env, app.appKey, signInKey));
    expect(counted.calls()).toBe(1);
    for (const answer of answers) {
      expect(answer.status).toBe("pending");
      expect(answer.expires_in).toBeGreaterThan(0);
    }
  });

  it("asks the object again once the second has passed", async () => {
    const app = await registerApp("qr-poll-again", "wxqrpollagain001");
    const signInKey = await webBackend(app).initiate();
    const counted = countingSessions();
    await sessionStatus(counted.env, app.appKey, signInKey);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await sessionStatus(counted.env, app.appKey, signInKey);
    expect(counted.calls()).toBe(2);
  });

  it("shows a scan and a confirmation at the next poll, and hands the token out once", async () => {
    const app = await registerApp("qr-poll-moves", "wxqrpollmoves001");
    const user = await miniProgramLogin(app, { unionid: "oUnionQrPollMoves000000001" });
    const signInKey = await webBackend(app).initiate();
    expect((await webBackend(app).status(signInKey)).body.data.status).toBe("pending");

    expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
    expect((await webBackend(app).status(signInKey)).body.data.status).toBe("scanned");

    const confirmed = await miniProgram(app, user).confirmRegister(signInKey, { nickName: "Poll" });
    expect(confirmed.status, said(confirmed)).toBe(200);
    const polls = await Promise.all(Array.from({ length: 20 }, () => webBackend(app).status(signInKey)));
    const withToken = polls.filter((poll) => poll.body.data.token !== undefined);
    expect(withToken).toHaveLength(1);
    expect(withToken[0]!.body.data.status).toBe("confirmed");
    for (const poll of polls.filter((p) => p.body.data.token === undefined)) {
      expect(poll.body.data.status).toBe("consumed");
    }
  });

  it("never answers a session past its expiry from memory", async () => {
    const app = await registerApp("qr-poll-expiry", "wxqrpollexpiry01");
    const signInKey = await webBackend(app).initiate();
    const counted = countingSessions();
    const first = await sessionStatus(counted.env, app.appKey, signInKey);
    expect(first.status).toBe("pending");
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + (first.expires_in + 1) * 1000;
      const later = await sessionStatus(counted.env, app.appKey, signInKey);
      expect(later.status).toBe("expired");
      expect(later.expires_in).toBe(0);
    } finally {
      Date.now = realNow;
    }
    expect(counted.calls()).toBe(2);
  });
});

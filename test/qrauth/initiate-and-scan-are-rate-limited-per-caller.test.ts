import { describe, expect, it } from "vitest";
import { admin, type MiniProgramLogin, miniProgramLogin, registerApp } from "../support/gateway.ts";
import { miniProgram, said, webBackend } from "../support/qrauth.ts";

// Initiate: 60 a minute per API key; Scan: 30 a minute per user (wrangler.toml [[ratelimits]]).
// The local limiter counts in windows aligned to the wall clock, so a burst that straddles a
// minute boundary is counted in two windows: such a burst is run again with a fresh caller, which
// then starts right after the boundary.

const MINUTE = 60_000;

async function inOneMinuteWindow<T>(burst: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const start = Date.now();
    const result = await burst();
    if (Math.floor(start / MINUTE) === Math.floor(Date.now() / MINUTE) || attempt > 0) return result;
  }
}

async function newApiKey(appKey: string): Promise<string> {
  const key = await admin<{ key: string }>("POST", `/apps/${appKey}/keys`);
  if (key.status !== 201) throw new Error(`key: ${JSON.stringify(key.body)}`);
  return key.body.data.key;
}

describe("rate limits", () => {
  it("Initiate: the 61st session in a minute with one API key is refused with 429 and Retry-After", async () => {
    const app = await registerApp("qr-rate-initiate", "wxqrrateinit0001");
    const { allowed, refused } = await inOneMinuteWindow(async () => {
      const backend = webBackend(app, await newApiKey(app.appKey));
      // One after the other: the local limiter and session objects answer a sequence faster than a crowd.
      const allowed = [];
      for (let i = 0; i < 60; i++) allowed.push(await backend.initiateAnswer());
      return { allowed, refused: await backend.initiateAnswer() };
    });

    expect(allowed.map((a) => a.status)).toEqual(Array(60).fill(200));
    expect(new Set(allowed.map((a) => a.body.data)).size).toBe(60);
    expect(refused.status, said(refused)).toBe(429);
    expect(refused.body.error).toMatch(/too many sign-in sessions/);
    expect(refused.headers.get("Retry-After")).toBe("60");
    // The budget is the key's: another key of the same app still opens sessions.
    const other = await webBackend(app).initiateAnswer();
    expect(other.status, said(other)).toBe(200);
  });

  it("Scan: the 31st scan in a minute by one user is refused with 429 and Retry-After", async () => {
    const app = await registerApp("qr-rate-scan", "wxqrratescan0001");
    const backend = webBackend(app);
    let user: MiniProgramLogin | undefined;
    let signInKey = 0;
    const { allowed, refused } = await inOneMinuteWindow(async () => {
      signInKey = await backend.initiate();
      user = await miniProgramLogin(app);
      const mini = miniProgram(app, user);
      // Scanning again by the same user is harmless, and each scan counts.
      const allowed = await Promise.all(Array.from({ length: 30 }, () => mini.scan(signInKey)));
      return { allowed, refused: await mini.scan(signInKey) };
    });

    expect(allowed.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(refused.status, said(refused)).toBe(429);
    expect(refused.body.error).toMatch(/too many scans/);
    expect(refused.headers.get("Retry-After")).toBe("60");
    // The budget is the user's: another user scans (another session) and the first can still confirm.
    const other = await miniProgram(app, await miniProgramLogin(app)).scan(await backend.initiate());
    expect(other.status, said(other)).toBe(200);
    const registered = await miniProgram(app, user!).confirmRegister(signInKey);
    expect(registered.status, said(registered)).toBe(200);
  });
});

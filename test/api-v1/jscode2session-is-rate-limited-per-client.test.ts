import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// JSCode2Session is public and every call reaches WeChat, so it is limited per client address and
// appKey (wrangler.toml LOGIN_LIMITER: 120 a minute). The limiter counts in fixed one-minute
// windows; a burst that straddles a window boundary is tried once more.

const LIMIT = 120;

async function burst(appKey: string, address: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, () =>
      call("GET", `/Wechat/${appKey}/JSCode2Session?js_code=not-a-real-code`, {
        headers: { "CF-Connecting-IP": address },
      }),
    ),
  );
}

describe("JSCode2Session rate limit", () => {
  it("one address gets 429 with Retry-After past the limit; the refused calls never reach WeChat; another address is unaffected", async () => {
    const app = await registerApp("login-limit", "wxv1loginlimit01");
    const all = [];
    let answers = await burst(app.appKey, "203.0.113.7", LIMIT + 10);
    all.push(...answers);
    if (!answers.some((a) => a.status === 429)) {
      answers = await burst(app.appKey, "203.0.113.8", LIMIT + 10);
      all.push(...answers);
    }
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(refused[0]!.headers.get("retry-after")).toBe("60");
    expect(refused[0]!.body).toMatchObject({ code: 429, data: null });
    const logins = (await sim.state(app.appId)).calls.byPath["/sns/jscode2session"] ?? 0;
    expect(logins).toBe(all.filter((a) => a.status !== 429).length);
    const other = await call("GET", `/Wechat/${app.appKey}/JSCode2Session?js_code=x`, {
      headers: { "CF-Connecting-IP": "198.51.100.9" },
    });
    expect(other.status).toBe(400);
  });
});

import { describe, expect, it } from "vitest";
import { getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";

describe("definite upstream errors", () => {
  it("a wrong secret (40125) is reported with WeChat's errcode and not retried", async () => {
    const app = await registerApp("definite-secret", "wxdefsecret0001", {
      simulator: { secret: "another-secret" },
    });

    const first = await getToken(app);
    const second = await getToken(app);

    expect(first.status).toBe(502);
    expect(first.body).toMatchObject({ code: 502, data: null, errcode: 40125 });
    expect(first.body.errmsg).toMatch(/invalid appsecret/);
    expect(first.body.error).not.toContain("another-secret");
    expect(second.status).toBe(502);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("an IP outside WeChat's whitelist (40164) is a 502 with the errcode", async () => {
    const app = await registerApp("definite-ip", "wxdefip00000001", { simulator: { whitelisted: false } });
    const answer = await getToken(app);
    expect(answer.status).toBe(502);
    expect(answer.body.errcode).toBe(40164);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("WeChat's daily quota (45009) is a 429 with Retry-After and is not retried", async () => {
    const app = await registerApp("definite-quota", "wxdefquota00001", {
      tokenMode: "classic",
      simulator: { quotas: { token: 0 } },
    });
    const answer = await getToken(app);
    expect(answer.status).toBe(429);
    expect(answer.body.errcode).toBe(45009);
    expect(Number(answer.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });
});

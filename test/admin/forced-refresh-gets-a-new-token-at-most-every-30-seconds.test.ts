import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { sim, useToken } from "../support/simulator.ts";

// SPEC §4: POST /admin/apps/{appKey}/token/refresh is a forced refresh (the only unconditional
// one). In stable mode it sends force_refresh, which WeChat allows at least 30 s apart (§5), so a
// second one inside 30 s is a 429 with Retry-After (§3).

type Forced = { refreshed: boolean; create_time: string; expires_time: string; expires_in: number };

describe("forced refresh, stable mode", () => {
  it("sends force_refresh once and the new token is served from then on", async () => {
    const app = await registerApp("adm-force", "wxadmforce00001");
    const before = await getToken(app);
    expect(before.status).toBe(200);
    expect((await sim.state(app.appId)).calls.stableForce).toBe(0);

    const forced = await admin<Forced>("POST", "/apps/adm-force/token/refresh");
    expect(forced.status).toBe(200);
    expect(forced.body).toMatchObject({ code: 200, error: "", data: { refreshed: true } });
    expect(forced.body.data.expires_time).toMatch(/\+08:00$/);
    expect(JSON.stringify(forced.body)).not.toContain(before.body.data.access_token);
    expect((await sim.state(app.appId)).calls.stableForce).toBe(1);

    const after = await getToken(app);
    expect(after.status).toBe(200);
    expect(after.body.data.access_token).not.toBe(before.body.data.access_token);
    expect(after.body.data.create_time).toBe(forced.body.data.create_time);
    expect((await useToken(after.body.data.access_token)).errcode ?? 0).toBe(0);
  });

  it("a second forced refresh within 30 s is a 429 with Retry-After and asks WeChat nothing", async () => {
    const app = await registerApp("adm-force-twice", "wxadmforce00002");
    expect((await admin("POST", "/apps/adm-force-twice/token/refresh")).status).toBe(200);
    const token = await getToken(app);

    const second = await admin("POST", "/apps/adm-force-twice/token/refresh");
    expect(second.status).toBe(429);
    expect(second.body).toEqual({ code: 429, data: null, error: expect.stringMatching(/\S/) });
    const retryAfter = Number(second.headers.get("Retry-After"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);

    expect((await sim.state(app.appId)).calls.stableForce).toBe(1);
    expect((await getToken(app)).body.data.access_token).toBe(token.body.data.access_token);
  });

  it("an unknown appKey is a 404", async () => {
    const answer = await admin("POST", "/apps/adm-force-nobody/token/refresh");
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ code: 404, data: null, error: expect.stringMatching(/\S/) });
  });
});

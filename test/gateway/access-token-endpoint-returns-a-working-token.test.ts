import { describe, expect, it } from "vitest";
import { call, getToken, registerApp } from "../support/gateway.ts";
import { useToken } from "../support/simulator.ts";

// SPEC §5: GET /Wechat/{appKey}/AccessToken (API key) → data {access_token, expires_in (seconds
// left), expires_time, create_time} with ISO 8601 times carrying an offset.

const CHINA_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$/;

describe("GET /Wechat/{appKey}/AccessToken", () => {
  it("returns a token that works at WeChat, with its times", async () => {
    const app = await registerApp("gw-token", "wxgwtoken000001");
    const answer = await getToken(app);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      code: 200,
      data: {
        access_token: expect.stringMatching(/\S/),
        expires_in: expect.any(Number),
        expires_time: expect.stringMatching(CHINA_ISO),
        create_time: expect.stringMatching(CHINA_ISO),
      },
      error: "",
    });
    const data = answer.body.data;
    expect(data.expires_in).toBeGreaterThan(7000);
    expect(data.expires_in).toBeLessThanOrEqual(7200);
    const lifetime = (Date.parse(data.expires_time) - Date.parse(data.create_time)) / 1000;
    expect(lifetime).toBeGreaterThan(7000);
    expect(lifetime).toBeLessThanOrEqual(7200);

    expect((await useToken(data.access_token)).errcode ?? 0).toBe(0);
  });

  it("an unregistered appKey with some app's key is refused", async () => {
    const app = await registerApp("gw-token-other", "wxgwtoken000002");
    const answer = await call("GET", "/Wechat/gw-token-nobody/AccessToken", { token: app.apiKey });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ code: 403, data: null, error: expect.stringMatching(/\S/) });
  });
});

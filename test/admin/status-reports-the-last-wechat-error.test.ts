import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";

// SPEC §4: the status shows the last upstream error. Here WeChat knows the appid with another
// secret than the gateway was given, so it answers 40125 (invalid appsecret).

type Status = {
  access_token: {
    held: boolean;
    refresh_count: number;
    last_error: { errcode: number | null; errmsg: string; time: string } | null;
  };
};

describe("status after a WeChat failure", () => {
  it("shows WeChat's errcode as last_error and no token held", async () => {
    const app = await registerApp("adm-status-err", "wxadmstatuserr1", {
      simulator: { secret: "another-secret" },
    });

    const token = await getToken(app);
    expect(token.status).toBe(502);
    expect(token.body).toMatchObject({ code: 502, data: null, errcode: 40125 });

    const status = await admin<Status>("GET", "/apps/adm-status-err/status");
    expect(status.status).toBe(200);
    const health = status.body.data.access_token;
    expect(health.held).toBe(false);
    expect(health.refresh_count).toBe(0);
    expect(health.last_error).toEqual({
      errcode: 40125,
      errmsg: expect.stringMatching(/\S/),
      time: expect.stringMatching(/\+08:00$/),
    });
  });
});

import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";

// SPEC §4: GET /admin/apps/{appKey}/status → token health without the token: expires_time,
// create_time, refresh count, last upstream error. Times are ISO 8601 with offset (+08:00).

const CHINA_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+08:00$/;

type Health = {
  held: boolean;
  create_time: string | null;
  expires_time: string | null;
  expires_in: number | null;
  refresh_count: number;
  last_error: { errcode: number | null; errmsg: string; time: string } | null;
};
type Status = { appKey: string; appId: string; tokenMode: string; appKeys: string[]; access_token: Health };

describe("app status", () => {
  it("before any read: registered, no token held, nothing refreshed", async () => {
    await registerApp("adm-status-cold", "wxadmstatus0001");
    const status = await admin<Status>("GET", "/apps/adm-status-cold/status");
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      code: 200,
      error: "",
      data: {
        appKey: "adm-status-cold",
        appId: "wxadmstatus0001",
        tokenMode: "stable",
        appKeys: ["adm-status-cold"],
        access_token: {
          held: false,
          refresh_count: 0,
          create_time: null,
          expires_time: null,
          last_error: null,
        },
      },
    });
  });

  it("after a token read: held, refreshed once, times in China time, no token in the body", async () => {
    const app = await registerApp("adm-status-held", "wxadmstatus0002");
    const token = await getToken(app);
    expect(token.status).toBe(200);

    const status = await admin<Status>("GET", "/apps/adm-status-held/status");
    expect(status.status).toBe(200);
    const health = status.body.data.access_token;
    expect(health.held).toBe(true);
    expect(health.refresh_count).toBe(1);
    expect(health.last_error).toBeNull();
    expect(health.create_time).toMatch(CHINA_ISO);
    expect(health.expires_time).toMatch(CHINA_ISO);
    // The same instants the token endpoint reports.
    expect(health.create_time).toBe(token.body.data.create_time);
    expect(health.expires_time).toBe(token.body.data.expires_time);
    expect(health.expires_in).toBeGreaterThan(7000);

    expect(JSON.stringify(status.body)).not.toContain(token.body.data.access_token);
  });

  it("an unknown appKey is a 404", async () => {
    const status = await admin("GET", "/apps/adm-status-nobody/status");
    expect(status.status).toBe(404);
    expect(status.body).toEqual({ code: 404, data: null, error: expect.stringMatching(/\S/) });
  });
});

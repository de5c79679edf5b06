import { describe, expect, it } from "vitest";
import { admin, registerApp } from "../support/gateway.ts";
import { callsTo, QUOTA_GET_PATH, quotaOf, RID_GET_PATH, ridOf } from "./operator-client.ts";

// SPEC §3: bad input is a 400 that names the field and says why, before WeChat is asked. A
// cgi_path is a WeChat API path without the host; a rid is three groups of 8 hex digits.

describe("operator tools check their input", () => {
  it("refuses a missing or malformed cgi_path naming it", async () => {
    const app = await registerApp("op-bad-cgi-path", "wxopbadcgipath1");
    const missing = await admin("GET", `/apps/${app.appKey}/quota`);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ code: 400, data: null, error: expect.stringMatching(/^cgi_path: /) });
    for (const cgiPath of [
      "",
      "wxa/generate_urllink",
      "https://api.weixin.qq.com/wxa/generate_urllink",
      "/wxa/generate_urllink?access_token=x",
      "/wxa/../cgi-bin/token",
      "/wxa//generate_urllink",
      "/wxa/generate urllink",
      `/${"a".repeat(200)}`,
    ]) {
      const answer = await quotaOf(app.appKey, cgiPath);
      expect(answer.status, cgiPath).toBe(400);
      expect(answer.body.error, cgiPath).toMatch(/^cgi_path: /);
    }
    expect(await callsTo(app.appId, QUOTA_GET_PATH)).toBe(0);
  });

  it("refuses a malformed rid naming it", async () => {
    const app = await registerApp("op-bad-rid", "wxopbadrid00001");
    for (const rid of [
      "not-a-rid",
      "655d9278-7c157f97",
      "655D9278-7C157F97-69055077",
      "655d9278-7c157f97-6905507g",
    ]) {
      const answer = await ridOf(app.appKey, rid);
      expect(answer.status, rid).toBe(400);
      expect(answer.body).toEqual({ code: 400, data: null, error: expect.stringMatching(/^rid: /) });
    }
    expect(await callsTo(app.appId, RID_GET_PATH)).toBe(0);
  });
});

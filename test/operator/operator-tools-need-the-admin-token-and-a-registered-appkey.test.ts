import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";
import { allowanceOf, CLEAR_QUOTA_PATH, callsTo, clearQuota, quotaOf, ridOf } from "./operator-client.ts";

// SPEC §4: every /admin/* call needs the ADMIN_TOKEN (401 without it, an API key is not enough);
// §3: 404 for an unknown appKey.

const TOOLS = [
  ["GET", "/quota?cgi_path=/wxa/generate_urllink"],
  ["GET", "/rid/655d9278-7c157f97-69055077"],
  ["GET", "/quota/clear"],
  ["POST", "/quota/clear"],
] as const;

describe("operator tools' credentials", () => {
  it("answer 401 without the admin token or with an app's API key, and ask WeChat nothing", async () => {
    const app = await registerApp("op-auth", "wxopauth0000001");
    for (const [method, path] of TOOLS) {
      for (const token of [undefined, app.apiKey]) {
        const answer = await call(method, `/admin/apps/${app.appKey}${path}`, {
          ...(token ? { token } : {}),
          ...(method === "POST" ? { body: { confirm: true } } : {}),
        });
        expect(answer.status, `${method} ${path}`).toBe(401);
        expect(answer.body).toEqual({ code: 401, data: null, error: expect.stringMatching(/\S/) });
      }
    }
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(0);
  });

  it("answer 404 for an appKey nobody registered", async () => {
    for (const answer of [
      await quotaOf("op-nobody", "/wxa/generate_urllink"),
      await ridOf("op-nobody", "655d9278-7c157f97-69055077"),
      await allowanceOf("op-nobody"),
      await clearQuota("op-nobody"),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({ code: 404, data: null, error: expect.stringMatching(/op-nobody/) });
    }
  });
});

import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";

// SPEC §5: the legacy endpoint needs the API key of an app with that appid. Its failures use the
// RequestResult envelope (Status 1), not the gateway's {code, data, error}, and the HTTP status
// still says what went wrong (§3): 401 missing/unknown key, 403 key not allowed for this appid.

const failed = { Data: null, Status: 1, Message: expect.stringMatching(/\S/), Total: 0 };

describe("legacy WxToken authentication", () => {
  it("a key whose app has another appid is a 403 RequestResult", async () => {
    const mine = await registerApp("gw-legacy-auth-a", "wxgwlegacyauth1");
    const other = await registerApp("gw-legacy-auth-b", "wxgwlegacyauth2");
    const answer = await call("POST", `/api/v1/Common/WxToken?appid=${other.appId}`, { token: mine.apiKey });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual(failed);
    expect(answer.body).not.toHaveProperty("code");
  });

  it("no key, an unknown key or the admin token is a 401 RequestResult", async () => {
    const app = await registerApp("gw-legacy-auth-c", "wxgwlegacyauth3");
    const path = `/api/v1/Common/WxToken?appid=${app.appId}`;
    const none = await call("POST", path);
    expect(none.status).toBe(401);
    expect(none.body).toEqual(failed);

    for (const token of [`wgk_${"0".repeat(16)}_${"a".repeat(64)}`, "garbage", "test-admin-token"]) {
      const answer = await call("POST", path, { token });
      expect(answer.status, token).toBe(401);
      expect(answer.body, token).toEqual(failed);
    }
  });

  it("a revoked key is a 401 RequestResult", async () => {
    const app = await registerApp("gw-legacy-auth-d", "wxgwlegacyauth4");
    const path = `/api/v1/Common/WxToken?appid=${app.appId}`;
    expect((await call("POST", path, { token: app.apiKey })).status).toBe(200);
    await call("DELETE", `/admin/apps/${app.appKey}/keys/${app.keyId}`, { token: "test-admin-token" });
    const answer = await call("POST", path, { token: app.apiKey });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual(failed);
  });
});

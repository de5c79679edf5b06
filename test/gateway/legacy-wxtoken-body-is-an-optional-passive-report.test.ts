import { describe, expect, it } from "vitest";
import { admin, call, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";

// SPEC §5: the legacy endpoint's optional JSON body {"access_token": "…"} is a passive refresh
// report: a token that is no longer the current one is answered with the current token without
// asking WeChat. An empty body is a plain read; a body that is not JSON is a 400 (§3).

type RequestResult = {
  Data: { access_token: string } | null;
  Status: number;
  Message: string;
  Total: number;
};

describe("legacy WxToken body", () => {
  it("a stale token reported in the body gets the current token with no upstream call", async () => {
    const app = await registerApp("gw-legacy-report", "wxgwlegacyrep01");
    const stale = (await getToken(app)).body.data.access_token;
    expect((await admin("POST", `/apps/${app.appKey}/token/refresh`)).status).toBe(200);
    const current = (await getToken(app)).body.data.access_token;
    expect(current).not.toBe(stale);
    const calls = await upstreamTokenCalls(app.appId);

    const answer = await call<RequestResult>("POST", `/api/v1/Common/WxToken?appid=${app.appId}`, {
      token: app.apiKey,
      body: { access_token: stale },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ Status: 0, Message: "", Data: { access_token: current } });
    expect(await upstreamTokenCalls(app.appId)).toBe(calls);
  });

  it("an absent, empty or {} body is a plain read", async () => {
    const app = await registerApp("gw-legacy-empty", "wxgwlegacyrep02");
    const path = `/api/v1/Common/WxToken?appid=${app.appId}`;
    const answers = [
      await call<RequestResult>("POST", path, { token: app.apiKey }),
      await call<RequestResult>("POST", path, { token: app.apiKey, body: "" }),
      await call<RequestResult>("POST", path, { token: app.apiKey, body: {} }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.Status).toBe(0);
    }
    expect(new Set(answers.map((a) => a.body.Data?.access_token)).size).toBe(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });

  it("a body that is not JSON, or whose access_token is not a string, is a 400 RequestResult", async () => {
    const app = await registerApp("gw-legacy-badbody", "wxgwlegacyrep03");
    const path = `/api/v1/Common/WxToken?appid=${app.appId}`;
    const notJson = await call("POST", path, { token: app.apiKey, body: "access_token=abc" });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toEqual({ Data: null, Status: 1, Message: expect.stringMatching(/\S/), Total: 0 });

    const wrongType = await call("POST", path, { token: app.apiKey, body: { access_token: 42 } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body).toEqual({
      Data: null,
      Status: 1,
      Message: expect.stringContaining("access_token"),
      Total: 0,
    });
    expect(await upstreamTokenCalls(app.appId)).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { call, getToken, registerApp, reportToken, upstreamTokenCalls } from "../support/gateway.ts";

// SPEC §5: POST /Wechat/{appKey}/AccessToken/Refresh takes {"access_token": "<the token the
// caller was told is invalid>"}; without it the request is a 400 naming the field (§3).

const namesAccessToken = { code: 400, data: null, error: expect.stringContaining("access_token") };

describe("POST /Wechat/{appKey}/AccessToken/Refresh body", () => {
  it("no body is a 400 naming access_token", async () => {
    const app = await registerApp("gw-report-nobody", "wxgwreport00001");
    const answer = await call("POST", `/Wechat/${app.appKey}/AccessToken/Refresh`, { token: app.apiKey });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual(namesAccessToken);
  });

  it("{} or an empty access_token is a 400 naming access_token", async () => {
    const app = await registerApp("gw-report-empty", "wxgwreport00002");
    for (const body of [{}, { access_token: "" }, { access_token: 7 }]) {
      const answer = await call("POST", `/Wechat/${app.appKey}/AccessToken/Refresh`, {
        token: app.apiKey,
        body,
      });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body, JSON.stringify(body)).toEqual(namesAccessToken);
    }
    expect(await upstreamTokenCalls(app.appId)).toBe(0);
  });

  it("a well-formed report is answered with a token", async () => {
    // The counterpart of the 400s above: the same endpoint with a proper body works.
    const app = await registerApp("gw-report-ok", "wxgwreport00003");
    const token = (await getToken(app)).body.data.access_token;
    const answer = await reportToken(app, "some-older-token");
    expect(answer.status).toBe(200);
    expect(answer.body.data.access_token).toBe(token);
  });
});

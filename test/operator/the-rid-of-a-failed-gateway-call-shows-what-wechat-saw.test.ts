import { describe, expect, it } from "vitest";
import { requestsTo } from "../api-v1/wechat-answers.ts";
import { call, type Envelope, getToken, registerApp } from "../support/gateway.ts";
import { RID_GET_PATH, ridIn, ridOf } from "./operator-client.ts";

// SPEC §4: every errmsg of a failed WeChat call ends with "rid: …", and GET
// /admin/apps/{appKey}/rid/{rid} answers WeChat's openapi/rid/get record of that call, asked with
// the appid's own token. The token never shows in it.

describe("GET /admin/apps/{appKey}/rid/{rid}", () => {
  it("answers WeChat's record of the failed call: URL parameters, body, answer, time and IP", async () => {
    const app = await registerApp("op-rid-record", "wxopridrecord01", {
      simulator: { pages: ["pages/home/home"] },
    });
    const body = { path: "pages/missing", query: "id=7" };
    const failed = await call<Envelope>("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body,
    });
    expect(failed.status).toBe(400);
    const rid = ridIn(failed.body.errmsg);

    const answer = await ridOf(app.appKey, rid);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      code: 200,
      data: {
        invoke_time: expect.any(Number),
        cost_in_ms: expect.any(Number),
        request_url: "access_token=<redacted>",
        request_body: JSON.stringify(body),
        response_body: JSON.stringify({ errcode: failed.body.errcode, errmsg: failed.body.errmsg }),
        client_ip: expect.stringMatching(/\S/),
      },
      error: "",
    });
    expect(Math.abs(answer.body.data.invoke_time - Date.now() / 1000)).toBeLessThan(60);

    const token = (await getToken(app)).body.data.access_token;
    expect(JSON.stringify(answer.body)).not.toContain(token.slice(0, 6));
    const asked = await requestsTo(app.appId, RID_GET_PATH);
    expect(asked.map((request) => JSON.parse(request.bodyText))).toEqual([{ rid }]);
  });
});

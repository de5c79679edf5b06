import { describe, expect, it } from "vitest";
import { registerApp } from "../support/gateway.ts";
import { quotaOf, ridOf } from "./operator-client.ts";

// SPEC §3: a failure that came from WeChat carries its errcode and errmsg. quota/get refuses a
// path it serves no quota for (76021 unknown, 76022 /sns/), rid/get a rid it has no record of for
// this account (76001): the operator's input, so 400 and 404, not 502.

describe("WeChat's refusals of a cgi_path or a rid", () => {
  it("an unknown API or a /sns/ one is a 400 with WeChat's errcode", async () => {
    const app = await registerApp("op-wechat-refuses", "wxopwxrefuses01");
    const unknown = await quotaOf(app.appKey, "/wxa/no_such_api");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({
      code: 400,
      data: null,
      errcode: 76021,
      error: expect.stringMatching(/^cgi_path: /),
    });
    const sns = await quotaOf(app.appKey, "/sns/jscode2session");
    expect(sns.status).toBe(400);
    expect(sns.body).toMatchObject({ code: 400, errcode: 76022 });
  });

  it("a rid WeChat has no record of is a 404 with WeChat's errcode", async () => {
    const app = await registerApp("op-wechat-no-rid", "wxopwxnorid0001");
    const answer = await ridOf(app.appKey, "00000000-00000000-00000000");
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({
      code: 404,
      data: null,
      errcode: 76001,
      errmsg: expect.stringMatching(/^rid not found rid: /),
    });
  });
});

import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// Issue 3: what WeChat documents as required or bounded is checked before calling WeChat; a
// missing or bad field is a 400 that names it, and nothing reaches WeChat.

const data = { thing1: { value: "Order shipped" } };
const subscribe = { touser: "oUser", template_id: "tmpl", data };
const oneTime = {
  touser: "oUser",
  template_id: "tmpl",
  scene: "1000",
  title: "Notice",
  data: { content: { value: "hi" } },
};
const secCheck = { content: "hello", version: 2, scene: 2, openid: "oUser" };

type Case = [endpoint: string, body: unknown, field: string];

const miniProgramCases: Case[] = [
  ["SubscribeSend", { template_id: "tmpl", data }, "touser"],
  ["SubscribeSend", { ...subscribe, touser: "" }, "touser"],
  ["SubscribeSend", { touser: "oUser", data }, "template_id"],
  ["SubscribeSend", { touser: "oUser", template_id: "tmpl" }, "data"],
  ["SubscribeSend", { ...subscribe, data: {} }, "data"],
  ["SubscribeSend", { ...subscribe, data: { thing1: "not an object" } }, "data.thing1"],
  ["SubscribeSend", { ...subscribe, miniprogram_state: "beta" }, "miniprogram_state"],
  ["MsgSecCheck", { ...secCheck, content: undefined }, "content"],
  ["MsgSecCheck", { ...secCheck, content: "字".repeat(2501) }, "content"],
  ["MsgSecCheck", { ...secCheck, version: 1 }, "version"],
  ["MsgSecCheck", { ...secCheck, scene: 5 }, "scene"],
  ["MsgSecCheck", { ...secCheck, openid: undefined }, "openid"],
  ["UrlLinkGenerate", { path: "/pages/index/index" }, "path"],
  ["UrlLinkGenerate", { path: "pages/index/index?x=1" }, "path"],
  ["UrlLinkGenerate", { query: "a=1 b" }, "query"],
  ["UrlLinkGenerate", { query: "a".repeat(1025) }, "query"],
  ["UrlLinkGenerate", { expire_type: 2 }, "expire_type"],
  ["UrlLinkGenerate", { expire_type: 1 }, "expire_interval"],
  ["UrlLinkGenerate", { expire_type: 1, expire_interval: 31 }, "expire_interval"],
  ["UrlLinkGenerate", { env_version: "beta" }, "env_version"],
  ["GenerateScheme", { env_version: "trial" }, "env_version"],
  ["GenerateScheme", { jump_wxa: { query: "名字=1" } }, "jump_wxa.query"],
  ["GenerateScheme", { jump_wxa: { env_version: "beta" } }, "jump_wxa.env_version"],
  ["WXACodeGetUnlimited", {}, "scene"],
  ["WXACodeGetUnlimited", { scene: "" }, "scene"],
  ["WXACodeGetUnlimited", { scene: "a".repeat(33) }, "scene"],
  ["WXACodeGetUnlimited", { scene: "id=%E4%BD%A0" }, "scene"],
  ["WXACodeGetUnlimited", { scene: "中文" }, "scene"],
  ["WXACodeGetUnlimited", { scene: "a=1", width: 279 }, "width"],
  ["WXACodeGetUnlimited", { scene: "a=1", width: 1281 }, "width"],
  ["WXACodeGetUnlimited", { scene: "a=1", page: "/pages/index/index" }, "page"],
  ["WXACodeGetUnlimited", { scene: "a=1", line_color: { r: 300, g: 0, b: 0 } }, "line_color.r"],
  ["WXACodeGet", {}, "path"],
  ["WXACodeGet", { path: "p".repeat(1025) }, "path"],
  ["WXACodeGet", { path: "pages/index/index", width: "430" }, "width"],
  ["WXACodeGet", { path: "pages/index/index", is_hyaline: "yes" }, "is_hyaline"],
];

const officialAccountCases: Case[] = [
  ["SubscribeMSG", { ...oneTime, touser: undefined }, "touser"],
  ["SubscribeMSG", { ...oneTime, template_id: undefined }, "template_id"],
  ["SubscribeMSG", { ...oneTime, scene: undefined }, "scene"],
  ["SubscribeMSG", { ...oneTime, title: "标题".repeat(8) }, "title"],
  ["SubscribeMSG", { ...oneTime, data: {} }, "data.content"],
  ["SubscribeMSG", { ...oneTime, data: { content: { value: "字".repeat(201) } } }, "data.content.value"],
  ["SubscribeMSG", { ...oneTime, miniprogram: { appid: "wx1" } }, "miniprogram.pagepath"],
];

async function expectRefused(appKey: string, apiKey: string, [endpoint, body, field]: Case) {
  const answer = await call("POST", `/Wechat/${appKey}/${endpoint}`, { token: apiKey, body });
  expect(answer.status, `${endpoint} ${JSON.stringify(body).slice(0, 80)}`).toBe(400);
  expect(answer.body).toMatchObject({
    code: 400,
    data: null,
    error: expect.stringMatching(new RegExp(`^${field.replaceAll(".", "\\.")}: `)),
  });
}

describe("request validation", () => {
  it("mini-program endpoints name the bad field and call nobody", async () => {
    const app = await registerApp("bad-input-mp", "wxbadinput000001");
    for (const testCase of miniProgramCases) await expectRefused(app.appKey, app.apiKey, testCase);
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });

  it("official-account endpoints name the bad field and call nobody", async () => {
    const app = await registerApp("bad-input-oa", "wxbadinput000002", { type: "officialaccount" });
    for (const testCase of officialAccountCases) await expectRefused(app.appKey, app.apiKey, testCase);
    const userInfo = await call("GET", `/Wechat/${app.appKey}/UserInfo?openid=bad%20openid`, {
      token: app.apiKey,
    });
    expect(userInfo.status).toBe(400);
    expect(userInfo.body).toMatchObject({ error: expect.stringMatching(/^openid: /) });
    expect((await call("GET", `/Wechat/${app.appKey}/UserInfo`, { token: app.apiKey })).status).toBe(400);
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });

  it("a body that is not JSON, or too large, is refused before WeChat", async () => {
    const app = await registerApp("bad-input-body", "wxbadinput000003");
    const notJson = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: "{not json",
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 400, data: null });
    const form = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: "path=pages%2Findex%2Findex",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(400);
    expect(form.body).toMatchObject({ code: 400, error: expect.stringMatching(/^Content-Type: /) });
    const huge = await call("POST", `/Wechat/${app.appKey}/MsgSecCheck`, {
      token: app.apiKey,
      body: { ...secCheck, padding: "x".repeat(70_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ code: 413, data: null });
    const missingCode = await call("GET", `/Wechat/${app.appKey}/JSCode2Session`);
    expect(missingCode.status).toBe(400);
    expect(missingCode.body).toMatchObject({ error: expect.stringMatching(/^js_code: /) });
    expect((await sim.state(app.appId)).calls.business).toBe(0);
  });
});

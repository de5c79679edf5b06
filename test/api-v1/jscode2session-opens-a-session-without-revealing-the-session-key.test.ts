import { describe, expect, it } from "vitest";
import { call, type Envelope, fetchGateway, registerApp } from "../support/gateway.ts";
import { RID_SUFFIX, sim } from "../support/simulator.ts";

// SPEC §6 GET /JSCode2Session?js_code= (public) and WECHAT.md §6: the code is exchanged for an
// opaque session token; session_key stays in the gateway; bad, reused, expired or blocked codes
// come back with WeChat's errcode.

const login = (appKey: string, code: string) =>
  call<Envelope<string>>("GET", `/Wechat/${appKey}/JSCode2Session?js_code=${encodeURIComponent(code)}`);

async function rawGet(path: string, apiKey: string) {
  const response = await fetchGateway("GET", path, { token: apiKey });
  return { status: response.status, text: await response.text() };
}

describe("GET /Wechat/{appKey}/JSCode2Session", () => {
  it("answers a session token and nothing WeChat said", async () => {
    const app = await registerApp("login-ok", "wxv1login0000001");
    const code = await sim.loginCode(app.appId, { unionid: "oUnion_login_ok_000000000000" });
    const answer = await login(app.appKey, code.code);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      code: 200,
      data: expect.stringMatching(/^wgs_[A-Za-z0-9_-]{43}$/),
      error: "",
    });
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain(code.session_key);
    expect(text).not.toContain(code.openid);
    // No API key needed, and the call went to WeChat with the app's own appid and code.
    const logged = (await sim.requests(app.appId)).filter((r) => r.path === "/sns/jscode2session");
    expect(logged).toHaveLength(1);
    expect(logged[0]!.query).toMatchObject({
      appid: app.appId,
      js_code: code.code,
      grant_type: "authorization_code",
    });
  });

  it("each login gets its own token", async () => {
    const app = await registerApp("login-twice", "wxv1login0000002");
    const first = await login(app.appKey, (await sim.loginCode(app.appId, { openid: "oSameUser" })).code);
    const second = await login(app.appKey, (await sim.loginCode(app.appId, { openid: "oSameUser" })).code);
    expect(first.body.data).not.toBe(second.body.data);
  });

  it("the session token decrypts that user's data in Decrypt", async () => {
    const app = await registerApp("login-decrypt", "wxv1login0000003");
    const code = await sim.loginCode(app.appId);
    const session = (await login(app.appKey, code.code)).body.data;
    const phone = { phoneNumber: "13800138000", purePhoneNumber: "13800138000", countryCode: "86" };
    const { encryptedData, iv, plaintext } = await sim.encryptedData(app.appId, code.openid, phone);
    const query = new URLSearchParams({ encryptedData, iv, sessionKey: session });
    const answer = await rawGet(`/Wechat/${app.appKey}/Decrypt?${query}`, app.apiKey);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(`{"code":200,"data":${plaintext},"error":""}`);
    expect(JSON.parse(plaintext)).toMatchObject({ ...phone, watermark: { appid: app.appId } });
  });

  it("an older session of the same user keeps its own session_key", async () => {
    const app = await registerApp("login-two-sessions", "wxv1login0000007");
    const first = await sim.loginCode(app.appId, { openid: "oTwoSessions" });
    const firstSession = (await login(app.appKey, first.code)).body.data;
    const sealedForFirst = await sim.encryptedData(app.appId, "oTwoSessions");
    await login(app.appKey, (await sim.loginCode(app.appId, { openid: "oTwoSessions" })).code);
    const query = new URLSearchParams({ ...sealedForFirst, sessionKey: firstSession });
    query.delete("plaintext");
    expect((await rawGet(`/Wechat/${app.appKey}/Decrypt?${query}`, app.apiKey)).status).toBe(200);
  });

  it("a reused code is 40163 and an unknown one 40029, as WeChat said them", async () => {
    const app = await registerApp("login-reuse", "wxv1login0000004");
    const code = await sim.loginCode(app.appId);
    expect((await login(app.appKey, code.code)).status).toBe(200);
    const reused = await login(app.appKey, code.code);
    expect(reused.status).toBe(400);
    expect(reused.body).toMatchObject({
      code: 400,
      data: null,
      errcode: 40163,
      errmsg: expect.stringMatching(RID_SUFFIX),
    });
    const unknown = await login(app.appKey, "0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234");
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 400, errcode: 40029 });
    expect(unknown.body.error).toMatch(/login code/);
  });

  it("a code older than five minutes is 40029; a blocked login is 40226", async () => {
    const app = await registerApp("login-expired", "wxv1login0000005");
    const code = await sim.loginCode(app.appId);
    await sim.advance(app.appId, 301);
    expect((await login(app.appKey, code.code)).body).toMatchObject({ code: 400, errcode: 40029 });
    const blocked = await sim.loginCode(app.appId, { blocked: true });
    expect((await login(app.appKey, blocked.code)).body).toMatchObject({ code: 400, errcode: 40226 });
  });

  it("WeChat busy (-1) is retried; a wrong secret is WeChat's fault (502)", async () => {
    const app = await registerApp("login-busy", "wxv1login0000006");
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: ["/sns/jscode2session"] });
    expect((await login(app.appKey, (await sim.loginCode(app.appId)).code)).status).toBe(200);
    await sim.registerApp(app.appId, { secret: "rotated-at-wechat" });
    const refused = await login(app.appKey, (await sim.loginCode(app.appId)).code);
    expect(refused.status).toBe(502);
    expect(refused.body).toMatchObject({ code: 502, errcode: 40125 });
    expect(JSON.stringify(refused.body)).not.toContain("sim-test-secret");
  });

  it("an unknown appKey is a 404", async () => {
    const answer = await login("login-nobody", "whatever");
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ code: 404, data: null });
  });
});

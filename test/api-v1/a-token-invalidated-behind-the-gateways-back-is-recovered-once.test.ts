import { describe, expect, it } from "vitest";
import { call, getToken, type RegisteredApp, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";

// SPEC §6: any upstream call that WeChat answers with 40001/40014/42001 is retried once after a
// passive refresh of the token it used. Here the token dies at WeChat without the gateway knowing
// (another server fetched a new one, grace over): each endpoint recovers with exactly one token
// call and succeeds, and never loops when WeChat keeps refusing.

type Endpoint = {
  name: string;
  type: "miniprogram" | "officialaccount";
  /** The WeChat path the endpoint calls with the token. */
  upstream: string;
  prepare?: (app: RegisteredApp) => Promise<void>;
  request: (app: RegisteredApp) => [method: string, path: string, body?: unknown];
};

const OPENID = "oRecoverUser0000000000000001";

const endpoints: Endpoint[] = [
  {
    name: "SubscribeSend",
    type: "miniprogram",
    upstream: "/cgi-bin/message/subscribe/send",
    prepare: async (app) => {
      await sim.putUser(app.appId, OPENID);
      await sim.authorize(app.appId, OPENID, { template_id: "tmpl-order-shipped" });
    },
    request: (app) => [
      "POST",
      `/Wechat/${app.appKey}/SubscribeSend`,
      {
        touser: OPENID,
        template_id: "tmpl-order-shipped",
        data: {
          thing1: { value: "Shipped" },
          character_string2: { value: "SF1234" },
          time3: { value: "2026-11-21 10:00" },
        },
      },
    ],
  },
  {
    name: "MsgSecCheck",
    type: "miniprogram",
    upstream: "/wxa/msg_sec_check",
    prepare: async (app) => void (await sim.putUser(app.appId, OPENID)),
    request: (app) => [
      "POST",
      `/Wechat/${app.appKey}/MsgSecCheck`,
      { content: "hello", version: 2, scene: 2, openid: OPENID },
    ],
  },
  {
    name: "UrlLinkGenerate",
    type: "miniprogram",
    upstream: "/wxa/generate_urllink",
    request: (app) => ["POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, { path: "pages/index/index" }],
  },
  {
    name: "GenerateScheme",
    type: "miniprogram",
    upstream: "/wxa/generatescheme",
    request: (app) => [
      "POST",
      `/Wechat/${app.appKey}/GenerateScheme`,
      { jump_wxa: { path: "pages/index/index" } },
    ],
  },
  {
    name: "WXACodeGet",
    type: "miniprogram",
    upstream: "/wxa/getwxacode",
    request: (app) => ["POST", `/Wechat/${app.appKey}/WXACodeGet`, { path: "pages/index/index" }],
  },
  {
    name: "WXACodeGetUnlimited",
    type: "miniprogram",
    upstream: "/wxa/getwxacodeunlimit",
    request: (app) => ["POST", `/Wechat/${app.appKey}/WXACodeGetUnlimited`, { scene: "id=1" }],
  },
  {
    name: "UserInfo",
    type: "officialaccount",
    upstream: "/cgi-bin/user/info",
    prepare: async (app) => void (await sim.putUser(app.appId, OPENID)),
    request: (app) => ["GET", `/Wechat/${app.appKey}/UserInfo?openid=${OPENID}`],
  },
  {
    name: "SubscribeMSG",
    type: "officialaccount",
    upstream: "/cgi-bin/message/template/subscribe",
    prepare: async (app) => {
      await sim.putUser(app.appId, OPENID);
      await sim.authorize(app.appId, OPENID, { template_id: "tmpl-oa-notice", scene: "1000" });
    },
    request: (app) => [
      "POST",
      `/Wechat/${app.appKey}/SubscribeMSG`,
      {
        touser: OPENID,
        template_id: "tmpl-oa-notice",
        scene: "1000",
        title: "Notice",
        data: { content: { value: "Hi" } },
      },
    ],
  },
  {
    name: "JSConfig",
    type: "officialaccount",
    upstream: "/cgi-bin/ticket/getticket",
    request: (app) => [
      "GET",
      `/Wechat/${app.appKey}/JSConfig?url=${encodeURIComponent("https://a.example.com/")}`,
    ],
  },
];

async function upstreamCalls(appId: string, path: string): Promise<number> {
  return (await sim.state(appId)).calls.byPath[path] ?? 0;
}

describe("a token invalidated behind the gateway's back", () => {
  it.each(endpoints.map((e, i) => [e.name, e, i] as const))(
    "%s recovers with one refresh",
    async (_name, endpoint, i) => {
      const app = await registerApp(
        `recover-${endpoint.name}`,
        `wxv1recover00${String(i).padStart(3, "0")}`,
        {
          type: endpoint.type,
        },
      );
      await endpoint.prepare?.(app);
      const before = (await getToken(app)).body.data.access_token;
      const tokenCalls = await upstreamTokenCalls(app.appId);
      await sim.invalidate(app.appId);

      const [method, path, body] = endpoint.request(app);
      const answer = await call(method, path, { token: app.apiKey, body });
      expect(answer.status, JSON.stringify(answer.body).slice(0, 300)).toBe(200);
      expect(await upstreamTokenCalls(app.appId)).toBe(tokenCalls + 1);
      expect(await upstreamCalls(app.appId, endpoint.upstream)).toBe(2);
      expect((await getToken(app)).body.data.access_token).not.toBe(before);
    },
  );

  it("a flood of calls that all meet the dead token refreshes it once", async () => {
    const app = await registerApp("recover-flood", "wxv1recoverflood1");
    await getToken(app);
    const tokenCalls = await upstreamTokenCalls(app.appId);
    await sim.invalidate(app.appId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
          token: app.apiKey,
          body: { path: "pages/index/index" },
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(await upstreamTokenCalls(app.appId)).toBe(tokenCalls + 1);
  });

  it("WeChat refusing the new token too ends after one retry, with its errcode", async () => {
    // Classic mode: every refresh is a new token (stable mode would hand back the same one, and
    // the gateway does not repeat a call with the token WeChat just refused).
    const app = await registerApp("recover-never-loops", "wxv1recoverloop01", { tokenMode: "classic" });
    await getToken(app);
    const tokenCalls = await upstreamTokenCalls(app.appId);
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 40001,
      times: 5,
      paths: ["/wxa/generate_urllink"],
    });
    const answer = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: {},
    });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ code: 502, data: null, errcode: 40001 });
    expect(await upstreamCalls(app.appId, "/wxa/generate_urllink")).toBe(2);
    expect(await upstreamTokenCalls(app.appId)).toBe(tokenCalls + 1);
  });

  it("when no new token can be had, the call is not repeated with the same one", async () => {
    const app = await registerApp("recover-no-token", "wxv1recovernotok1");
    await getToken(app);
    await sim.startOutage(app.appId, { kind: "busy", paths: ["/cgi-bin/stable_token"] });
    await sim.invalidate(app.appId);
    const answer = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: {},
    });
    expect(answer.status).toBe(502);
    expect(answer.body).toMatchObject({ code: 502, errcode: 40001 });
    expect(await upstreamCalls(app.appId, "/wxa/generate_urllink")).toBe(1);
    await sim.endOutage(app.appId);
  });
});

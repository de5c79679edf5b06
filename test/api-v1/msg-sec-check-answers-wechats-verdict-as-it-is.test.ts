import { describe, expect, it } from "vitest";
import { call, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { callsTo, expectWeChatFailure, theOneJsonPostTo } from "./wechat-answers.ts";

// SPEC §6 POST /Wechat/{appKey}/MsgSecCheck → POST /wxa/msg_sec_check (WECHAT.md §13): `data` is
// WeChat's JSON as it is. A risky text still has errcode 0, so it is a 200 whose
// `data.result.suggest` says "risky"; only WeChat's errors are failures.

const PATH = "/wxa/msg_sec_check";
const TRACE_ID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

function check(app: RegisteredApp, body: unknown) {
  return call("POST", `/Wechat/${app.appKey}/MsgSecCheck`, { token: app.apiKey, body });
}

function comment(openid: string, content: string, extra: Record<string, unknown> = {}) {
  return { content, version: 2, scene: 2, openid, ...extra };
}

/** msg_sec_check's v2 answer for a verdict (the simulator's detail: model, then keyword strategy). */
function verdict(
  suggest: "pass" | "review" | "risky",
  label: number,
  prob: number,
  keyword?: string,
): Record<string, unknown> {
  return {
    errcode: 0,
    errmsg: "ok",
    result: { suggest, label },
    detail: [
      { strategy: "content_model", errcode: 0, suggest, label, prob },
      keyword === undefined
        ? { strategy: "keyword", errcode: 0, suggest: "pass", label: 100 }
        : { strategy: "keyword", errcode: 0, suggest: "risky", label, keyword },
    ],
    trace_id: expect.stringMatching(TRACE_ID),
  };
}

describe("POST /Wechat/{appKey}/MsgSecCheck", () => {
  it("answers WeChat's verdict as it is, asking with the token in the query", async () => {
    const app = await registerApp("v1-seccheck-ok", "wxv1seccheck0001");
    const openid = "oV1SecCheckUser0001";
    await sim.putUser(app.appId, openid);
    const body = comment(openid, "Great product, fast delivery", {
      title: "My review",
      nickname: "Shopper",
      future_option: { x: 1 },
    });

    const answer = await check(app, body);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: verdict("pass", 100, 90), error: "" });

    expect(await theOneJsonPostTo(app.appId, PATH)).toEqual(body);
  });

  it("review and risky verdicts are 200s too: the caller decides on result.suggest", async () => {
    const app = await registerApp("v1-seccheck-verdicts", "wxv1seccheck0002");
    const openid = "oV1SecCheckUser0002";
    await sim.putUser(app.appId, openid);

    const cases: [content: string, expected: Record<string, unknown>][] = [
      ["please review-test this", verdict("review", 21000, 60)],
      ["欢迎来玩赌博游戏", verdict("risky", 20006, 90, "赌博")],
      ["代开发票，请联系", verdict("risky", 20008, 90, "代开发票")],
      ["this is a risky-test", verdict("risky", 20006, 90, "risky-test")],
      ["this is a fraud-test", verdict("risky", 20008, 90, "fraud-test")],
    ];
    for (const [content, expected] of cases) {
      const answer = await check(app, comment(openid, content));
      expect(answer.status, content).toBe(200);
      expect(answer.body, content).toEqual({ code: 200, data: expected, error: "" });
    }
    expect(await callsTo(app.appId, PATH)).toBe(cases.length);
  });

  it("judges with the app's own risky words", async () => {
    const app = await registerApp("v1-seccheck-words", "wxv1seccheck0003", {
      simulator: { riskyWords: ["forbidden-phrase"] },
    });
    const openid = "oV1SecCheckUser0003";
    await sim.putUser(app.appId, openid);
    const risky = await check(app, comment(openid, "a forbidden-phrase here"));
    expect(risky.body).toEqual({
      code: 200,
      data: verdict("risky", 20006, 90, "forbidden-phrase"),
      error: "",
    });
    const nowFine = await check(app, comment(openid, "赌博"));
    expect(nowFine.body).toEqual({ code: 200, data: verdict("pass", 100, 90), error: "" });
  });

  it("an author WeChat does not know is a 400 with WeChat's 40003, asked once", async () => {
    const app = await registerApp("v1-seccheck-unknown", "wxv1seccheck0004");
    expectWeChatFailure(
      await check(app, comment("oV1SecCheckStranger", "hello")),
      400,
      40003,
      "invalid openid",
    );
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("WeChat's per-minute limit is a 429 with Retry-After of a minute, not retried", async () => {
    const app = await registerApp("v1-seccheck-quota", "wxv1seccheck0005");
    await sim.putUser(app.appId, "oV1SecCheckUser0005");
    await sim.queueFault(app.appId, {
      kind: "errcode",
      errcode: 45011,
      errmsg: "api minute-quota reach limit mustslower retry next minute",
      times: 1,
      paths: [PATH],
    });
    const answer = await check(app, comment("oV1SecCheckUser0005", "hello"));
    expectWeChatFailure(answer, 429, 45011, "api minute-quota reach limit mustslower retry next minute");
    expect(answer.headers.get("Retry-After")).toBe("60");
    expect(await callsTo(app.appId, PATH)).toBe(1);
  });

  it("a busy WeChat is asked again", async () => {
    const app = await registerApp("v1-seccheck-busy", "wxv1seccheck0006");
    await sim.putUser(app.appId, "oV1SecCheckUser0006");
    await sim.queueFault(app.appId, { kind: "busy", times: 1, paths: [PATH] });
    const answer = await check(app, comment("oV1SecCheckUser0006", "hello"));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ code: 200, data: verdict("pass", 100, 90), error: "" });
    expect(await callsTo(app.appId, PATH)).toBe(2);
  });

  it("a WeChat that stays busy is a 503 with errcode -1 after three attempts", async () => {
    const app = await registerApp("v1-seccheck-busy5", "wxv1seccheck0007");
    await sim.putUser(app.appId, "oV1SecCheckUser0007");
    await sim.queueFault(app.appId, { kind: "busy", times: 5, paths: [PATH] });
    expectWeChatFailure(await check(app, comment("oV1SecCheckUser0007", "hello")), 503, -1, "system error");
    expect(await callsTo(app.appId, PATH)).toBe(3);
  });
});

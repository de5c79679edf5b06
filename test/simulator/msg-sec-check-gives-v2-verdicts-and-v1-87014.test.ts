import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, postRaw, sim } from "../support/simulator.ts";

const CHECK = "/wxa/msg_sec_check";
const TRACE_ID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

async function appWithUser(appid: string, options = {}) {
  const token = await appWithToken(appid, options);
  const { openid } = await sim.loginCode(appid);
  return { token, openid };
}

describe("msg_sec_check gives v2 verdicts with errcode 0, and v1 answers 87014 for risky text", () => {
  it("v2: plain text passes", async () => {
    const { token, openid } = await appWithUser("wxsimsecc0000001");
    const answer = await postBusiness(CHECK, token, { version: 2, scene: 2, openid, content: "hello world" });
    expect(answer).toEqual({
      errcode: 0,
      errmsg: "ok",
      result: { suggest: "pass", label: 100 },
      detail: [
        { strategy: "content_model", errcode: 0, suggest: "pass", label: 100, prob: 90 },
        { strategy: "keyword", errcode: 0, suggest: "pass", label: 100 },
      ],
      trace_id: expect.stringMatching(TRACE_ID),
    });
  });

  it("v2: a risky word is 'risky' with its label and keyword, still errcode 0", async () => {
    const { token, openid } = await appWithUser("wxsimsecc0000002");
    const illegal = await postBusiness(CHECK, token, {
      version: 2,
      scene: 3,
      openid,
      content: "一起来赌博吧",
    });
    expect(illegal.errcode).toBe(0);
    expect(illegal.result).toEqual({ suggest: "risky", label: 20006 });
    expect(illegal.detail?.[0]).toMatchObject({
      strategy: "content_model",
      suggest: "risky",
      label: 20006,
      prob: 90,
    });
    expect(illegal.detail?.[1]).toMatchObject({ strategy: "keyword", suggest: "risky", keyword: "赌博" });
    const fraud = await postBusiness(CHECK, token, { version: 2, scene: 1, openid, content: "专业代开发票" });
    expect(fraud.result).toEqual({ suggest: "risky", label: 20008 });
  });

  it("v2: 'review-test' asks for review (label 21000)", async () => {
    const { token, openid } = await appWithUser("wxsimsecc0000003");
    const answer = await postBusiness(CHECK, token, {
      version: 2,
      scene: 4,
      openid,
      content: "a review-test post",
    });
    expect(answer.result).toEqual({ suggest: "review", label: 21000 });
  });

  it("the risky words are the app's own", async () => {
    const { token, openid } = await appWithUser("wxsimsecc0000004", { riskyWords: ["forbidden-fruit"] });
    const custom = await postBusiness(CHECK, token, {
      version: 2,
      scene: 2,
      openid,
      content: "forbidden-fruit",
    });
    expect(custom.result?.suggest).toBe("risky");
    const former = await postBusiness(CHECK, token, { version: 2, scene: 2, openid, content: "risky-test" });
    expect(former.result?.suggest).toBe("pass");
  });

  it("v2 checks: content (47001, 44002 for no body), scene 1..4 (40129), openid known to the app (40003)", async () => {
    const { token, openid } = await appWithUser("wxsimsecc0000005");
    expect((await postBusiness(CHECK, token, { version: 2, scene: 2, openid })).errcode).toBe(47001);
    expect(
      (await postBusiness(CHECK, token, { version: 2, scene: 2, openid, content: "x".repeat(2501) })).errcode,
    ).toBe(47001);
    expect(
      (await postBusiness(CHECK, token, { version: 2, scene: 2, openid, content: "中".repeat(2500) }))
        .errcode,
    ).toBe(0);
    const scene = await postBusiness(CHECK, token, { version: 2, scene: 5, openid, content: "hi" });
    expect(scene.errcode).toBe(40129);
    expect(scene.errmsg).toMatch(/^invalid scene/);
    const stranger = { version: 2, scene: 2, openid: "oStrangerToThisApp0000000005", content: "hi" };
    expect((await postBusiness(CHECK, token, stranger)).errcode).toBe(40003);
    const empty = await postRaw(CHECK, token, "");
    expect(((await empty.json()) as { errcode: number }).errcode).toBe(44002);
  });

  it("v1 (no version 2): ok for plain text, 87014 for risky text", async () => {
    const { token } = await appWithUser("wxsimsecc0000006");
    expect(await postBusiness(CHECK, token, { content: "hello" })).toEqual({ errcode: 0, errmsg: "ok" });
    const risky = await postBusiness(CHECK, token, { content: "this is risky-test text" });
    expect(risky.errcode).toBe(87014);
    expect(risky.errmsg).toMatch(/^risky content rid: /);
    expect((await postBusiness(CHECK, token, { version: 1, content: "赌博" })).errcode).toBe(87014);
  });
});

import { describe, expect, it } from "vitest";
import { appWithToken, businessUrl, postBusiness, postRaw, SIM_BASE, sim } from "../support/simulator.ts";

const POST_APIS = [
  "/cgi-bin/message/subscribe/send",
  "/cgi-bin/message/template/subscribe",
  "/wxa/generate_urllink",
  "/wxa/generatescheme",
  "/wxa/getwxacodeunlimit",
  "/wxa/getwxacode",
  "/wxa/msg_sec_check",
];

async function errcodeOf(res: Response): Promise<number> {
  return ((await res.json()) as { errcode: number }).errcode;
}

describe("the new business APIs share the token checks, request checks and faults", () => {
  it("no token: 41001; an invalidated token: 40001; an unknown one: 40001", async () => {
    const appid = "wxsimbapi0000001";
    const token = await appWithToken(appid);
    for (const path of POST_APIS) {
      expect(await errcodeOf(await fetch(`${SIM_BASE}${path}`, { method: "POST", body: "{}" })), path).toBe(
        41001,
      );
      expect(await errcodeOf(await postRaw(path, "9_neverIssued", {})), path).toBe(40001);
    }
    expect(await errcodeOf(await fetch(`${SIM_BASE}/cgi-bin/user/info?openid=x`)), "user/info").toBe(41001);
    await sim.invalidate(appid);
    for (const path of POST_APIS) expect(await errcodeOf(await postRaw(path, token, {})), path).toBe(40001);
    expect(await errcodeOf(await fetch(businessUrl("/cgi-bin/user/info", token, { openid: "x" })))).toBe(
      40001,
    );
  });

  it("GET on a POST API: 43002; POST on user/info: 43001; empty body: 44002; not JSON: 47001 (40169 for QR codes)", async () => {
    const token = await appWithToken("wxsimbapi0000002");
    for (const path of POST_APIS) {
      expect(await errcodeOf(await fetch(businessUrl(path, token))), path).toBe(43002);
      expect(await errcodeOf(await fetch(businessUrl(path, token), { method: "POST" })), path).toBe(44002);
      const notJson = path.startsWith("/wxa/getwxacode") ? 40169 : 47001;
      expect(await errcodeOf(await postRaw(path, token, "touser=o1")), path).toBe(notJson);
    }
    const post = await fetch(businessUrl("/cgi-bin/user/info", token, { openid: "x" }), {
      method: "POST",
      body: "{}",
    });
    expect(await errcodeOf(post)).toBe(43001);
  });

  it("queued faults hit the new paths: errcode 40001, busy, http500 on an image API", async () => {
    const appid = "wxsimbapi0000003";
    const token = await appWithToken(appid);
    await sim.queueFault(appid, {
      kind: "errcode",
      errcode: 40001,
      errmsg: "invalid credential",
      paths: ["/wxa/generate_urllink"],
    });
    await sim.queueFault(appid, { kind: "busy", paths: ["/wxa/msg_sec_check"] });
    await sim.queueFault(appid, { kind: "http500", paths: ["/wxa/getwxacode"] });
    const rejected = await postBusiness("/wxa/generate_urllink", token, {});
    expect(rejected.errcode).toBe(40001);
    expect(rejected.errmsg).toMatch(/^invalid credential rid: /);
    expect((await postBusiness("/wxa/generate_urllink", token, {})).errcode).toBe(0);
    expect((await postBusiness("/wxa/msg_sec_check", token, { content: "hi" })).errcode).toBe(-1);
    const broken = await postRaw("/wxa/getwxacode", token, { path: "pages/index/index" });
    expect(broken.status).toBe(500);
    await broken.text();
    const fine = await postRaw("/wxa/getwxacode", token, { path: "pages/index/index" });
    expect(fine.headers.get("content-type")).toBe("image/jpeg");
    await fine.arrayBuffer();
  });

  it("jscode2session is faulted through the app its appid names", async () => {
    const appid = "wxsimbapi0000004";
    await sim.registerApp(appid);
    await sim.queueFault(appid, { kind: "garbage", paths: ["/sns/jscode2session"] });
    const { code } = await sim.loginCode(appid);
    const query = `appid=${appid}&secret=sim-test-secret&js_code=${code}&grant_type=authorization_code`;
    const garbage = await fetch(`${SIM_BASE}/sns/jscode2session?${query}`);
    await expect(garbage.json()).rejects.toThrow();
    // The faulted call did not use the code.
    const session = (await (await fetch(`${SIM_BASE}/sns/jscode2session?${query}`)).json()) as {
      openid?: string;
    };
    expect(session.openid).toBeDefined();
  });
});

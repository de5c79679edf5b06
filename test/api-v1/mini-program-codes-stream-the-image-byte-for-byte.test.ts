import { describe, expect, it } from "vitest";
import { isJpeg, isPng, jpegSize, pngHeader } from "../simulator/image-bytes.ts";
import { call, fetchGateway, getToken, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { postRaw, RID_SUFFIX, sim } from "../support/simulator.ts";

// SPEC §6 POST /WXACodeGet and /WXACodeGetUnlimited: the image itself with WeChat's Content-Type,
// streamed; errors are the JSON envelope with WeChat's errcode (WECHAT.md §12).

/** Compared by digest: a diff of two large byte arrays would take minutes to render. */
async function digest(bytes: Uint8Array): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return `${bytes.byteLength}:${[...hash].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

async function codeFromGateway(app: RegisteredApp, endpoint: string, body: object) {
  const response = await fetchGateway("POST", `/Wechat/${app.appKey}/${endpoint}`, {
    token: app.apiKey,
    body,
  });
  return { response, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** The same request made straight to WeChat with the gateway's token: what the caller must receive. */
async function codeFromWeChat(app: RegisteredApp, path: string, body: object) {
  const token = (await getToken(app)).body.data.access_token;
  return new Uint8Array(await (await postRaw(path, token, body)).arrayBuffer());
}

describe("mini-program codes", () => {
  it("WXACodeGetUnlimited answers WeChat's JPEG byte for byte", async () => {
    const app = await registerApp("code-unlimited", "wxv1wxacode00001");
    const body = { scene: "order=42", page: "pages/order/detail", width: 430, future_option: { x: 1 } };
    const { response, bytes } = await codeFromGateway(app, "WXACodeGetUnlimited", body);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect(isJpeg(bytes)).toBe(true);
    expect(jpegSize(bytes)).toMatchObject({ width: 430, height: 430 });
    expect(await digest(bytes)).toBe(await digest(await codeFromWeChat(app, "/wxa/getwxacodeunlimit", body)));
    const sent = (await sim.requests(app.appId)).find((r) => r.path === "/wxa/getwxacodeunlimit")!;
    expect(sent.accessTokenInQuery).toBe(true);
    expect(sent.bodyHasAccessToken).toBe(false);
    expect(JSON.parse(sent.bodyText)).toEqual(body);
  });

  it("a transparent code is a PNG, and a large one streams intact", async () => {
    const app = await registerApp("code-hyaline", "wxv1wxacode00002");
    const body = { scene: "a=1&b=2", is_hyaline: true, width: 1280 };
    const { response, bytes } = await codeFromGateway(app, "WXACodeGetUnlimited", body);
    expect(response.headers.get("content-type")).toBe("image/png");
    expect(isPng(bytes)).toBe(true);
    expect(pngHeader(bytes)).toMatchObject({ width: 1280, height: 1280 });
    expect(bytes.byteLength).toBeGreaterThan(64 * 1024);
    expect(await digest(bytes)).toBe(await digest(await codeFromWeChat(app, "/wxa/getwxacodeunlimit", body)));
  });

  it("WXACodeGet answers the image for a path with a query", async () => {
    const app = await registerApp("code-get", "wxv1wxacode00003");
    const body = { path: "pages/order/detail?id=42", width: 280 };
    const { response, bytes } = await codeFromGateway(app, "WXACodeGet", body);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect(await digest(bytes)).toBe(await digest(await codeFromWeChat(app, "/wxa/getwxacode", body)));
  });

  it("an image labelled application/octet-stream, or not labelled at all, is recognised by its bytes", async () => {
    const app = await registerApp("code-sniff", "wxv1wxacode00004");
    const body = { scene: "sniff=1" };
    await sim.queueFault(app.appId, {
      kind: "contentType",
      contentType: "application/octet-stream",
      times: 1,
      paths: ["/wxa/getwxacodeunlimit"],
    });
    const octet = await codeFromGateway(app, "WXACodeGetUnlimited", body);
    expect(octet.response.status).toBe(200);
    expect(octet.response.headers.get("content-type")).toBe("image/jpeg");
    await sim.queueFault(app.appId, {
      kind: "contentType",
      contentType: "",
      times: 1,
      paths: ["/wxa/getwxacodeunlimit"],
    });
    const unlabelled = await codeFromGateway(app, "WXACodeGetUnlimited", { ...body, is_hyaline: true });
    expect(unlabelled.response.headers.get("content-type")).toBe("image/png");
    expect(isPng(unlabelled.bytes)).toBe(true);
    expect(await digest(octet.bytes)).toBe(
      await digest(await codeFromWeChat(app, "/wxa/getwxacodeunlimit", body)),
    );
  });

  it("a page that is not published is WeChat's 41030, in the envelope", async () => {
    const app = await registerApp("code-bad-page", "wxv1wxacode00005");
    const answer = await call("POST", `/Wechat/${app.appKey}/WXACodeGetUnlimited`, {
      token: app.apiKey,
      body: { scene: "x=1", page: "pages/not/there" },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({
      code: 400,
      data: null,
      errcode: 41030,
      errmsg: expect.stringMatching(RID_SUFFIX),
    });
    const unchecked = await fetchGateway("POST", `/Wechat/${app.appKey}/WXACodeGetUnlimited`, {
      token: app.apiKey,
      body: { scene: "x=1", page: "pages/not/there", check_path: false },
    });
    expect(unchecked.status).toBe(200);
  });

  it("the per-minute limit of unlimited codes is a 429 for a minute", async () => {
    const app = await registerApp("code-minute", "wxv1wxacode00006", {
      simulator: { quotas: { wxacodeUnlimitPerMinute: 0 } },
    });
    const answer = await call("POST", `/Wechat/${app.appKey}/WXACodeGetUnlimited`, {
      token: app.apiKey,
      body: { scene: "x=1" },
    });
    expect(answer.status).toBe(429);
    expect(answer.headers.get("retry-after")).toBe("60");
    expect(answer.body).toMatchObject({ code: 429, errcode: 45009 });
  });

  it("WXACodeGet's daily cap is a 429 until China midnight; its lifetime cap is WeChat's refusal (502)", async () => {
    const daily = await registerApp("code-daily", "wxv1wxacode00007", {
      simulator: { quotas: { wxacodeDaily: 0 } },
    });
    const capped = await call("POST", `/Wechat/${daily.appKey}/WXACodeGet`, {
      token: daily.apiKey,
      body: { path: "pages/index/index" },
    });
    expect(capped.status).toBe(429);
    expect(capped.body).toMatchObject({ errcode: 45009 });
    const retryAfter = Number(capped.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);

    const lifetime = await registerApp("code-total", "wxv1wxacode00008", {
      simulator: { quotas: { wxacodeTotal: 0 } },
    });
    const exhausted = await call("POST", `/Wechat/${lifetime.appKey}/WXACodeGet`, {
      token: lifetime.apiKey,
      body: { path: "pages/index/index" },
    });
    expect(exhausted.status).toBe(502);
    expect(exhausted.body).toMatchObject({ code: 502, errcode: 45029 });
  });
});

import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";

// SPEC §6 GET /Decrypt and WECHAT.md §7: WeChat's demo vector decrypts to the exact plaintext;
// bad base64, a wrong key (bad padding) or a foreign watermark is a 400 naming the field.

const appId = "wx4f4bc4dec97d474b";
const sessionKey = "tiihtNczf5v6AKRyjwEUhQ==";
const iv = "r7BXXKkLb8qrSNn05n0qiA==";
const encryptedData =
  "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";
const plaintext =
  '{"openId":"oGZUI0egBJY1zhBYw2KhdUfwVJJE","nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAMvTsw3mo8ibKicsnfN5pRjl1p8HQ/0","unionId":"ocMvos6NjeKLIBqg5Mr9QjxrP1FA","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}';

function decryptPath(appKey: string, params: Record<string, string>): string {
  return `/Wechat/${appKey}/Decrypt?${new URLSearchParams(params)}`;
}

async function rawBody(path: string, apiKey: string): Promise<{ status: number; text: string }> {
  const { exports } = await import("cloudflare:workers");
  const response = await exports.default.fetch(
    new Request(`https://gateway.test${path}`, { headers: { Authorization: `Bearer ${apiKey}` } }),
  );
  return { status: response.status, text: await response.text() };
}

describe("GET /Wechat/{appKey}/Decrypt", () => {
  it("decrypts WeChat's demo vector to the exact plaintext", async () => {
    const app = await registerApp("decrypt-vector", appId);
    const answer = await rawBody(decryptPath(app.appKey, { encryptedData, iv, sessionKey }), app.apiKey);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(`{"code":200,"data":${plaintext},"error":""}`);
  });

  it("reads a + that an unencoded query turned into a space", async () => {
    const app = await registerApp("decrypt-spaces", appId);
    const path = `/Wechat/${app.appKey}/Decrypt?encryptedData=${encryptedData.replaceAll("/", "%2F").replaceAll("=", "%3D")}&iv=${iv}&sessionKey=${sessionKey}`;
    const answer = await call<{ code: number; data: { nickName: string } }>("GET", path, {
      token: app.apiKey,
    });
    expect(answer.status).toBe(200);
    expect(answer.body.data.nickName).toBe("Band");
  });

  it("refuses data encrypted for another appid", async () => {
    const app = await registerApp("decrypt-foreign", "wxdecryptforeign1");
    const answer = await call("GET", decryptPath(app.appKey, { encryptedData, iv, sessionKey }), {
      token: app.apiKey,
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      code: 400,
      data: null,
      error: expect.stringMatching(/^encryptedData: .*watermark/),
    });
  });

  it("answers a wrong session key (bad padding) with a 400, not a 500", async () => {
    const app = await registerApp("decrypt-wrong-key", appId);
    const answer = await call(
      "GET",
      decryptPath(app.appKey, { encryptedData, iv, sessionKey: "AAAAAAAAAAAAAAAAAAAAAA==" }),
      {
        token: app.apiKey,
      },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 400, error: expect.stringMatching(/^encryptedData: /) });
  });

  it.each([
    ["encryptedData", { encryptedData: "not base64!", iv, sessionKey }],
    ["encryptedData", { encryptedData: "AAAA", iv, sessionKey }],
    ["iv", { encryptedData, iv: "short", sessionKey }],
    ["iv", { encryptedData, iv: "AAAAAAAAAAAAAAAA", sessionKey }],
    ["sessionKey", { encryptedData, iv, sessionKey: "tiihtNczf5v6AKRy" }],
    ["sessionKey", { encryptedData, iv, sessionKey: "wgs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
    ["encryptedData", { iv, sessionKey }],
  ])("names %s when it is missing or malformed", async (field, params) => {
    const app = await registerApp(
      `decrypt-bad-${field}-${Object.keys(params).length}-${String(Object.values(params)[0]).length}`,
      appId,
    );
    const answer = await call("GET", decryptPath(app.appKey, params), { token: app.apiKey });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 400,
      data: null,
      error: expect.stringMatching(new RegExp(`^${field}: `)),
    });
  });
});

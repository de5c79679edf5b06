import { describe, expect, it } from "vitest";
import { jsSdkSignature, newNonce, signatureBase, signedUrl } from "../../src/wechat/jssdk.ts";

// WECHAT.md §5: the JS-SDK appendix's test vector (current and older doc variants).

const ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg";
const noncestr = "Wm3WZYTPz0wzccnW";
const timestamp = 1414587457;

describe("the JS-SDK signature", () => {
  it("matches the current official vector", async () => {
    const input = { ticket, noncestr, timestamp, url: "http://mp.weixin.qq.com?params=value" };
    expect(signatureBase(input)).toBe(
      "jsapi_ticket=sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg&noncestr=Wm3WZYTPz0wzccnW&timestamp=1414587457&url=http://mp.weixin.qq.com?params=value",
    );
    expect(await jsSdkSignature(input)).toBe("0f9de62fce790f9a083d5c99e95740ceb90c27ed");
  });

  it("matches the older doc's vector", async () => {
    expect(await jsSdkSignature({ ticket, noncestr, timestamp, url: "http://mp.weixin.qq.com" })).toBe(
      "f4d90daf4b3bca3078ab155816175ba34c443a7b",
    );
  });

  it("signs the URL without its fragment", async () => {
    expect(signedUrl("http://mp.weixin.qq.com?params=value#/cart?x=1")).toBe(
      "http://mp.weixin.qq.com?params=value",
    );
    expect(
      await jsSdkSignature({
        ticket,
        noncestr,
        timestamp,
        url: "http://mp.weixin.qq.com?params=value#section",
      }),
    ).toBe("0f9de62fce790f9a083d5c99e95740ceb90c27ed");
  });

  it("draws a fresh 16-character nonce each time", () => {
    const nonces = new Set(Array.from({ length: 50 }, newNonce));
    expect(nonces.size).toBe(50);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9]{16}$/);
  });
});

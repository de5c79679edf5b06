// The gateway's WXBizMsgCrypt (Web Crypto) against vectors it did not make: WeChat's own samples and
// Node's crypto (test/support/msg-crypt-vectors.ts), across every padding length WeChat uses.

import { describe, expect, inject, it } from "vitest";
import { MsgCrypt, pushSignature } from "../../src/wechat/msg-crypt.ts";

const vectors = inject("msgCryptVectors");

/** WeChat's official sample (the key and appid of the Java/PHP SDK's WXBizMsgCryptTest). */
const OFFICIAL_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const OFFICIAL_ENCRYPT =
  "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==";
/** The official Python sample's push, with its msg_signature. */
const PUSH_SAMPLE = {
  token: "spamtest",
  appId: "wx2c2769f8efd9abc2",
  timestamp: "1409735669",
  nonce: "1320562132",
  signature: "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
  encrypt:
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",
};

describe("WXBizMsgCrypt", () => {
  it("decrypts WeChat's official samples and checks their signature", async () => {
    const sample = (await MsgCrypt.create("pamtest", OFFICIAL_KEY, "wxb11529c136998cb6"))!;
    expect(await sample.decrypt(OFFICIAL_ENCRYPT)).toEqual({
      ok: true,
      message: "我是中文abcd123",
      appId: "wxb11529c136998cb6",
    });
    const push = (await MsgCrypt.create(PUSH_SAMPLE.token, OFFICIAL_KEY, PUSH_SAMPLE.appId))!;
    expect(
      await push.verify(PUSH_SAMPLE.signature, PUSH_SAMPLE.timestamp, PUSH_SAMPLE.nonce, PUSH_SAMPLE.encrypt),
    ).toBe(true);
    const decrypted = await push.decrypt(PUSH_SAMPLE.encrypt);
    expect(decrypted.ok && decrypted.message).toContain("<Content><![CDATA[abcdteT]]></Content>");
  });

  it("decrypts what Node's crypto encrypted, for every padding length from 1 to 32", async () => {
    expect(new Set(vectors.map((v) => v.pad)).size).toBe(32);
    for (const v of vectors) {
      const crypt = (await MsgCrypt.create(v.token, v.encodingAESKey, v.appId))!;
      expect(await crypt.verify(v.signature, v.timestamp, v.nonce, v.encrypt), `pad ${v.pad}`).toBe(true);
      expect(await crypt.decrypt(v.encrypt), `pad ${v.pad}`).toEqual({
        ok: true,
        message: v.message,
        appId: v.appId,
      });
    }
  });

  it("encrypts what it decrypts again, with ciphertext lengths in whole 32-byte blocks", async () => {
    const v = vectors[0]!;
    const crypt = (await MsgCrypt.create(v.token, v.encodingAESKey, v.appId))!;
    for (const v of vectors) {
      const encrypt = await crypt.encrypt(v.message);
      expect(atob(encrypt).length % 32).toBe(0);
      expect(await crypt.decrypt(encrypt)).toEqual({ ok: true, message: v.message, appId: v.appId });
    }
  });

  it("refuses a wrong signature, another appid, another key and garbage", async () => {
    const v = vectors[5]!;
    const crypt = (await MsgCrypt.create(v.token, v.encodingAESKey, v.appId))!;
    expect(await crypt.verify(v.signature, v.timestamp, `${v.nonce}x`, v.encrypt)).toBe(false);
    expect(
      await crypt.verify(
        await pushSignature(["other", v.timestamp, v.nonce, v.encrypt]),
        v.timestamp,
        v.nonce,
        v.encrypt,
      ),
    ).toBe(false);
    const otherApp = (await MsgCrypt.create(v.token, v.encodingAESKey, "wxsomeoneelse0001"))!;
    expect((await otherApp.decrypt(v.encrypt)).ok).toBe(false);
    const otherKey = (await MsgCrypt.create(v.token, "A".repeat(43), v.appId))!;
    expect(await otherKey.decrypt(v.encrypt)).toMatchObject({ ok: false, status: 400 });
    for (const garbage of [
      "",
      "not base64!",
      btoa("sixteen bytes!!!"),
      btoa("x".repeat(32)),
      v.encrypt.slice(0, 40),
    ]) {
      expect(await crypt.decrypt(garbage), garbage).toMatchObject({ ok: false, status: 400 });
    }
    expect(await MsgCrypt.create(v.token, "too-short", v.appId)).toBeNull();
  });
});

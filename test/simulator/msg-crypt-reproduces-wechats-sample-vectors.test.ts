import { describe, expect, it } from "vitest";
import { sim } from "../support/simulator.ts";

// WeChat's own WXBizMsgCrypt samples (the Java sample's WXBizMsgCryptTest, the Python Sample.py, and
// the component example of the message-push doc), as copied into WxJava's WxCryptUtilTest and other
// SDKs' tests. The simulator's implementation (Node crypto) must reproduce them byte for byte.
const SAMPLE_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

describe("the simulator's WXBizMsgCrypt reproduces WeChat's sample vectors", () => {
  it("encrypts the Java sample's reply with its fixed random prefix to the sample's Encrypt", async () => {
    const sealed = await sim.sealMessage({
      token: "pamtest",
      encodingAESKey: SAMPLE_KEY,
      appid: "wxb11529c136998cb6",
      xml: "我是中文abcd123",
      random: "aaaabbbbccccdddd",
      timestamp: "1409304348",
      nonce: "xxxxxx",
    });
    expect(sealed.encrypt).toBe(
      "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg==",
    );
    expect(sealed.query).toMatchObject({ timestamp: "1409304348", nonce: "xxxxxx", encrypt_type: "aes" });
  });

  it("opens the Python sample's message and accepts its msg_signature, newlines kept", async () => {
    const opened = await sim.openMessage({
      encodingAESKey: SAMPLE_KEY,
      encrypt:
        "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2LdJF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgCSUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9GhglF2PE=",
      token: "spamtest",
      timestamp: "1409735669",
      nonce: "1320562132",
      msg_signature: "5d197aaffba7e9b25a30732f161a50dee96bd5fa",
    });
    expect(opened).toEqual({
      xml: "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>\n<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>\n<CreateTime>1409735668</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[abcdteT]]></Content>\n<MsgId>6054768590064713728</MsgId>\n</xml>",
      appid: "wx2c2769f8efd9abc2",
      signatureValid: true,
    });
  });

  it("opens the component example of the push doc, whose key is 43 'A's (an all-zero AES key)", async () => {
    const opened = await sim.openMessage({
      encodingAESKey: "A".repeat(43),
      encrypt:
        "D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==",
      token: "AAAAA",
      timestamp: "1715943329",
      nonce: "1590219412",
      msg_signature: "6c12a4205838198b8fa631b3220723bb07f1015c",
    });
    expect(opened.appid).toBe("wx134c8103faa5a59e");
    expect(opened.signatureValid).toBe(true);
    expect(opened.xml).toContain("<Event><![CDATA[debug_demo]]></Event>");
    expect(new TextEncoder().encode(opened.xml).length).toBe(292);
  });

  it("a message it seals opens again, and a wrong signature or key is noticed", async () => {
    const keys = { token: "roundtrip", encodingAESKey: "Z".repeat(43) };
    const sealed = await sim.sealMessage({ ...keys, appid: "wxroundtrip01", xml: "<xml>你好</xml>" });
    const { timestamp, nonce, msg_signature } = sealed.query;
    const opened = await sim.openMessage({
      ...keys,
      encrypt: sealed.encrypt,
      timestamp,
      nonce,
      msg_signature,
    });
    expect(opened).toEqual({ xml: "<xml>你好</xml>", appid: "wxroundtrip01", signatureValid: true });
    const forged = await sim.openMessage({
      ...keys,
      encrypt: sealed.encrypt,
      timestamp,
      nonce,
      msg_signature: "0".repeat(40),
    });
    expect(forged.signatureValid).toBe(false);
    const wrongKey = await sim.raw("POST", "/msg-crypt/decrypt", {
      encodingAESKey: "Y".repeat(43),
      encrypt: sealed.encrypt,
    });
    expect(wrongKey.status).toBe(400);
  });
});

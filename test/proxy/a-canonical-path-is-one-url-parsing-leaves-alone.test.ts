import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { upstreamUrl } from "../../src/wechat/proxy.ts";
import { canonicalWeChatPath } from "../../src/wechat/proxy-path.ts";

// SPEC §8: a path is judged in the form WeChat receives. A canonical path is one that URL parsing
// leaves as it is, so the string the checks saw is the string sent. These are raw paths as a client
// that skips URL normalisation (curl --path-as-is) can send them, which a Request in a test cannot.

const RUNS = 2_000;

describe("canonical WeChat paths", () => {
  it("refuse what URL parsing or a lenient server would change", () => {
    for (const raw of [
      "/cgi-bin/message/../token",
      "/cgi-bin/message/./x",
      "/cgi-bin/message/.%2e/x",
      "/cgi-bin/message/%2E%2E/x",
      "/cgi-bin/message/.\n./x",
      "/cgi-bin/message/.\t./x",
      "/cgi-bin/to\rken",
      "/cgi-bin/to%0aken",
      "/cgi-bin/to%00ken",
      "/cgi-bin/to%7Fken",
      "/cgi-bin\\token",
      "/cgi-bin%5ctoken",
      "/cgi-bin%2Ftoken",
      "/cgi-bin/...",
      "/cgi-bin/%zz",
      "/cgi-bin/%",
      "/cgi-bin/%252e%252e",
      "/cgi-bin/token;x",
      "/cgi-bin/to ken",
      "/cgi-bin/字",
    ]) {
      expect(canonicalWeChatPath(raw), JSON.stringify(raw)).toMatchObject({ ok: false });
    }
  });

  it("decode escaped letters and drop empty segments", () => {
    expect(canonicalWeChatPath("/cgi-bin/%74oken")).toEqual({ ok: true, path: "/cgi-bin/token" });
    expect(canonicalWeChatPath("//cgi-bin//token")).toEqual({ ok: true, path: "/cgi-bin/token" });
    expect(canonicalWeChatPath("/cgi-bin/message/")).toEqual({ ok: true, path: "/cgi-bin/message/" });
    expect(canonicalWeChatPath("")).toEqual({ ok: true, path: "/" });
    expect(canonicalWeChatPath("/wxa/a.b~c_d-e")).toEqual({ ok: true, path: "/wxa/a.b~c_d-e" });
  });

  it("whatever the input, an accepted path is its own canonical form and survives URL parsing", () => {
    const piece = fc.oneof(
      fc.string({ unit: "binary-ascii", maxLength: 6 }),
      fc.constantFrom(
        "/",
        "//",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2F",
        "%5C",
        "%0A",
        "%09",
        "%41",
        "%7e",
        "%",
        "\\",
      ),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), (pieces) => {
        const raw = `/${pieces.join("")}`;
        const canonical = canonicalWeChatPath(raw);
        if (!canonical.ok) return;
        expect(canonicalWeChatPath(canonical.path), raw).toEqual(canonical);
        expect(new URL(`https://api.weixin.qq.com${canonical.path}`).pathname, raw).toBe(canonical.path);
        expect(upstreamUrl("https://relay.example/wx/", canonical.path, new URLSearchParams()).pathname).toBe(
          `/wx${canonical.path}`,
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("the upstream URL refuses a path that parsing would change", () => {
    for (const path of ["/a/../token", "/a/.%2e/token", "/a/\n/b", "/a\\b", "/a b"]) {
      expect(() => upstreamUrl("https://api.weixin.qq.com", path, new URLSearchParams()), path).toThrow();
    }
  });
});

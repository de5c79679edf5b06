import { describe, expect, it } from "vitest";
import { readSettings } from "../../src/platform/settings.ts";

const base = {
  WECHAT_API_BASE: "https://api.weixin.qq.com",
  WECHAT_TOKEN_API_BASE: "",
  REFRESH_AHEAD_SECONDS: "270",
};

describe("WECHAT_TOKEN_API_BASE (IP whitelist relay)", () => {
  it("defaults to WECHAT_API_BASE", () => {
    const settings = readSettings(base as Env);
    expect(settings.tokenApiBase).toBe("https://api.weixin.qq.com");
  });

  it("sends only the token calls to the relay when set", () => {
    const settings = readSettings({ ...base, WECHAT_TOKEN_API_BASE: "https://relay.example.com/wx/" } as Env);
    expect(settings.tokenApiBase).toBe("https://relay.example.com/wx");
    expect(settings.apiBase).toBe("https://api.weixin.qq.com");
  });

  it("keeps REFRESH_AHEAD_SECONDS within 60–3600 and falls back to 270 when unreadable", () => {
    expect(readSettings({ ...base, REFRESH_AHEAD_SECONDS: "5" } as Env).refreshAheadSeconds).toBe(60);
    expect(readSettings({ ...base, REFRESH_AHEAD_SECONDS: "99999" } as Env).refreshAheadSeconds).toBe(3600);
    expect(readSettings({ ...base, REFRESH_AHEAD_SECONDS: "soon" } as Env).refreshAheadSeconds).toBe(270);
  });
});

// The deployment's settings, read from wrangler.toml's vars (README: Configuration).

/**
 * REFRESH_AHEAD_SECONDS when unset or unparsable: in stable mode WeChat hands out a new token only
 * in the last 300 s of the old one, and 270 falls inside that window.
 */
const DEFAULT_REFRESH_AHEAD_SECONDS = 270;
/** Bounds for REFRESH_AHEAD_SECONDS: below a minute a slow refresh could outlive the token. */
const REFRESH_AHEAD_MIN_SECONDS = 60;
const REFRESH_AHEAD_MAX_SECONDS = 3600;

/** WeChat's authorization pages for a third-party platform (WECHAT.md §16 "Authorization links"). */
const DEFAULT_AUTH_PAGE_BASES = { pc: "https://mp.weixin.qq.com", mobile: "https://open.weixin.qq.com" };

export type UpstreamSettings = {
  /** Base URL for business APIs (and the default for token calls). */
  apiBase: string;
  /** Base URL for /cgi-bin/token and /cgi-bin/stable_token: a fixed-IP relay for the IP whitelist. */
  tokenApiBase: string;
  refreshAheadSeconds: number;
  /**
   * Where authorization links point: WeChat's PC and mobile pages, or both at WECHAT_AUTH_PAGE_BASE
   * (the simulator's stand-ins for `npm run dev`).
   */
  authPageBases: { pc: string; mobile: string };
};

function trimBase(url: string): string {
  return url.replace(/\/+$/, "");
}

export function readSettings(env: Env): UpstreamSettings {
  const apiBase = trimBase(env.WECHAT_API_BASE || "https://api.weixin.qq.com");
  const tokenApiBase = env.WECHAT_TOKEN_API_BASE ? trimBase(env.WECHAT_TOKEN_API_BASE) : apiBase;
  const ahead = Number.parseInt(env.REFRESH_AHEAD_SECONDS ?? "", 10);
  const refreshAheadSeconds = Number.isFinite(ahead)
    ? Math.min(REFRESH_AHEAD_MAX_SECONDS, Math.max(REFRESH_AHEAD_MIN_SECONDS, ahead))
    : DEFAULT_REFRESH_AHEAD_SECONDS;
  const authPageBase = env.WECHAT_AUTH_PAGE_BASE ? trimBase(env.WECHAT_AUTH_PAGE_BASE) : null;
  const authPageBases = authPageBase ? { pc: authPageBase, mobile: authPageBase } : DEFAULT_AUTH_PAGE_BASES;
  return { apiBase, tokenApiBase, refreshAheadSeconds, authPageBases };
}

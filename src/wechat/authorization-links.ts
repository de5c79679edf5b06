// The links a merchant opens to authorize a third-party platform (WECHAT.md §16): the PC page
// (scan with the admin's WeChat) and the mobile page (opened inside WeChat), each with a fresh
// single-use pre_auth_code. WeChat sends the merchant back to redirect_uri with auth_code.

/** auth_type: 1 official accounts only, 2 mini programs only, 3 both. */
export const AUTH_TYPES = [1, 2, 3] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export type LinkRequest = {
  componentAppId: string;
  preAuthCode: string;
  redirectUri: string;
  authType: AuthType;
  /** Limits the authorization to this one app. */
  bizAppId?: string | undefined;
};

/** PC: mp.weixin.qq.com/cgi-bin/componentloginpage; mobile: WxJava's open.weixin.qq.com/wxaopen/safe/bindcomponent. */
export function authorizationLinks(
  bases: { pc: string; mobile: string },
  link: LinkRequest,
): { pcUrl: string; mobileUrl: string } {
  const common: Record<string, string> = {
    component_appid: link.componentAppId,
    pre_auth_code: link.preAuthCode,
    redirect_uri: link.redirectUri,
    auth_type: String(link.authType),
    ...(link.bizAppId ? { biz_appid: link.bizAppId } : {}),
  };
  const pc = new URLSearchParams(common);
  const mobile = new URLSearchParams({ action: "bindcomponent", no_scan: "1", ...common });
  return {
    pcUrl: `${bases.pc}/cgi-bin/componentloginpage?${pc}`,
    mobileUrl: `${bases.mobile}/wxaopen/safe/bindcomponent?${mobile}#wechat_redirect`,
  };
}

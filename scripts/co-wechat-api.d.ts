// The slice of co-wechat-api (CommonJS, ships no types) that scripts/sdk-e2e.ts uses.
declare module "co-wechat-api" {
  class API {
    constructor(appid: string, appsecret: string);
    appid: string;
    appsecret: string;
    /** Base URLs the SDK appends paths to, e.g. `${prefix}token?grant_type=client_credential…`. */
    prefix: string;
    snsPrefix: string;
    wxaPrefix: string;
    mpPrefix: string;
    fileServerPrefix: string;
    /** Always asks `${prefix}token` (no cache check) and stores the answer. */
    getAccessToken(): Promise<{ accessToken: string; expireTime: number }>;
    /** The cached token while it is valid, else getAccessToken(). */
    ensureAccessToken(): Promise<{ accessToken: string; expireTime: number }>;
    /** GET `${prefix}user/info?openid=…&lang=…&access_token=…`. */
    getUser(openid: string | { openid: string; lang: string }): Promise<Record<string, unknown>>;
    /** GET `${prefix}ticket/getticket?access_token=…&type=…` (type defaults to jsapi). */
    getTicket(type?: string): Promise<{ ticket: string; expireTime: number }>;
  }
  export = API;
}

// How WeChat answers: always HTTP 200 with this exact Content-Type, errors as {errcode, errmsg} where
// errmsg ends with a random request id ("rid: xxxxxxxx-xxxxxxxx-xxxxxxxx").

/** The Content-Type WeChat sends on JSON answers (note "encoding", not "charset"). */
export const WECHAT_JSON_CONTENT_TYPE = "application/json; encoding=utf-8";

export interface WeChatErrorSpec {
  readonly errcode: number;
  readonly errmsg: string;
}

/** The errors this simulator gives, with WeChat's own wording (without the rid suffix). */
export const WECHAT_ERRORS = {
  systemBusy: { errcode: -1, errmsg: "system error" },
  systemBusy1000: { errcode: -1000, errmsg: "system error" },
  invalidCredential: {
    errcode: 40001,
    errmsg: "invalid credential, access_token is invalid or not latest",
  },
  invalidGrantType: { errcode: 40002, errmsg: "invalid grant_type" },
  invalidOpenid: { errcode: 40003, errmsg: "invalid openid" },
  invalidMediaType: { errcode: 40004, errmsg: "invalid media type" },
  /** Sic: WeChat's own spelling. */
  invalidMediaSize: { errcode: 40006, errmsg: "invalid meida size" },
  invalidMediaId: { errcode: 40007, errmsg: "invalid media_id" },
  invalidAppid: { errcode: 40013, errmsg: "invalid appid" },
  invalidCode: { errcode: 40029, errmsg: "invalid code" },
  invalidTemplateId: { errcode: 40037, errmsg: "invalid template_id" },
  invalidArgs: { errcode: 40097, errmsg: "invalid args" },
  invalidAppsecret: { errcode: 40125, errmsg: "invalid appsecret" },
  invalidScene: { errcode: 40129, errmsg: "invalid scene" },
  invalidWxacodePath: { errcode: 40159, errmsg: "invalid length for path or thedata is not json string" },
  codeBeenUsed: { errcode: 40163, errmsg: "code been used" },
  invalidWeappPagepath: { errcode: 40165, errmsg: "invalid weapp pagepath" },
  invalidSceneOrNotJson: {
    errcode: 40169,
    errmsg: "invalid length for scene, or the data is not json string",
  },
  invalidWidth: { errcode: 40189, errmsg: "invalid width" },
  invalidQuery: { errcode: 40212, errmsg: "invalid query" },
  codeBlocked: { errcode: 40226, errmsg: "code blocked" },
  accessTokenMissing: { errcode: 41001, errmsg: "access_token missing" },
  appidMissing: { errcode: 41002, errmsg: "appid missing" },
  appsecretMissing: { errcode: 41004, errmsg: "appsecret missing" },
  mediaDataMissing: { errcode: 41005, errmsg: "media data missing" },
  mediaIdMissing: { errcode: 41006, errmsg: "media_id missing" },
  codeMissing: { errcode: 41008, errmsg: "missing code" },
  invalidPage: { errcode: 41030, errmsg: "invalid page" },
  accessTokenExpired: { errcode: 42001, errmsg: "access_token expired" },
  requireGet: { errcode: 43001, errmsg: "require GET method" },
  requirePost: { errcode: 43002, errmsg: "require POST method" },
  userRefusedMessage: { errcode: 43101, errmsg: "user refuse to accept the msg" },
  emptyPostData: { errcode: 44002, errmsg: "empty post data" },
  dailyQuotaReached: { errcode: 45009, errmsg: "reach max api daily quota limit" },
  qrcodeCountOutOfLimit: { errcode: 45029, errmsg: "qrcode count out of limit" },
  /** The classic token endpoint's 45009 points developers at the stable token. */
  classicTokenDailyQuotaReached: {
    errcode: 45009,
    errmsg:
      "reach max api daily quota limit, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
  },
  dataFormatError: { errcode: 47001, errmsg: "data format error" },
  clearQuotaLimitReached: { errcode: 48006, errmsg: "forbid to clear quota because of reaching the limit" },
  ridNotFound: { errcode: 76001, errmsg: "rid not found" },
  ridIsError: { errcode: 76002, errmsg: "rid is error" },
  /** Sic: WeChat's own spacing. Another account's rid. */
  ridNoPermission: { errcode: 76003, errmsg: "could not query this rid,no permission" },
  /**
   * quota/get with a cgi_path that has the host or lacks its leading "/": the docs give the errcode
   * but no errmsg, so the wording is the simulator's [UNCERTAIN].
   */
  cgiPathMalformed: { errcode: 76003, errmsg: "invalid cgi_path" },
  cgiPathNotFound: { errcode: 76021, errmsg: "cgi_path not found, please check" },
  cgiPathNoPermission: { errcode: 76022, errmsg: "could not use this cgi_path, no permission" },
  // Open Platform (third-party platform) codes, from WeChat's 第三方平台 return-code table.
  /** An authorizer (or component_appid) the component has no authorization from. */
  componentNotAuthorized: { errcode: 61003, errmsg: "component is not authorized by this account" },
  componentTicketInvalid: { errcode: 61006, errmsg: "component ticket is invalid" },
  /** An authorization code that was never issued (to this component). */
  authorizationCodeInvalid: { errcode: 61009, errmsg: "code is invalid" },
  /** [UNCERTAIN] An authorization code past its expiry, or already exchanged once. */
  authorizationCodeExpired: { errcode: 61010, errmsg: "code is expired" },
  refreshTokenInvalid: { errcode: 61023, errmsg: "refresh_token is invalid" },
  noOnlineRelease: { errcode: 85079, errmsg: "miniprogram has no online release" },
  linkExpiryOutOfRange: { errcode: 85401, errmsg: "time limit between 1min and 1year" },
  riskyContent: { errcode: 87014, errmsg: "risky content" },
} as const satisfies Record<string, WeChatErrorSpec>;

/** 47003 names the offending field: "argument invalid! data.thing1.value is empty". */
export function argumentInvalid(detail: string): WeChatErrorSpec {
  return { errcode: 47003, errmsg: `argument invalid! ${detail}` };
}

/** IP-whitelist rejection, worded as WeChat does: "invalid ip A ipv6 ::ffff:A, not in whitelist". */
export function ipNotWhitelisted(remoteIp: string): WeChatErrorSpec {
  const ipv4 = remoteIp.startsWith("::ffff:") ? remoteIp.slice("::ffff:".length) : remoteIp;
  const ipv6 = ipv4.includes(":") ? ipv4 : `::ffff:${ipv4}`;
  return { errcode: 40164, errmsg: `invalid ip ${ipv4} ipv6 ${ipv6}, not in whitelist` };
}

/**
 * A third-party platform's call from an IP outside its 白名单IP (WECHAT.md §16), worded as the
 * community reports it: "access clientip is not registered requestIP: A".
 */
export function componentIpNotRegistered(remoteIp: string): WeChatErrorSpec {
  const ipv4 = remoteIp.startsWith("::ffff:") ? remoteIp.slice("::ffff:".length) : remoteIp;
  return { errcode: 61004, errmsg: `access clientip is not registered requestIP: ${ipv4}` };
}

/** A fresh request id in WeChat's format: three groups of 8 hex digits. */
export function newRid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 16)}-${hex.slice(16, 24)}`;
}

/** Any WeChat JSON answer (success or error): HTTP 200 unless told otherwise. */
export function wechatJson(body: object, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": WECHAT_JSON_CONTENT_TYPE },
  });
}

/**
 * A JSON answer whose text the caller wrote by hand: needed when a number must keep more digits
 * than a double holds (subscribe/send's 19-digit msgid).
 */
export function wechatJsonText(text: string): Response {
  return new Response(text, { status: 200, headers: { "Content-Type": WECHAT_JSON_CONTENT_TYPE } });
}

export function wechatError(error: WeChatErrorSpec): Response {
  return wechatJson({ errcode: error.errcode, errmsg: `${error.errmsg} rid: ${newRid()}` });
}

/** Success envelope used by ticket, quota and most business APIs. */
export function wechatOk(payload: object = {}): Response {
  return wechatJson({ errcode: 0, errmsg: "ok", ...payload });
}

/** Binary answers go out in pieces of this size, so a client cannot get away with reading one chunk. */
const BINARY_CHUNK_BYTES = 8 * 1024;

/**
 * HTTP 200 with these bytes as a stream of several chunks and a Content-Length (the HTTP adapter
 * then sends them piece by piece), plus the given headers (Content-Type at least).
 */
export function chunkedBytesResponse(bytes: Uint8Array, headers: Record<string, string>): Response {
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + BINARY_CHUNK_BYTES));
      offset += BINARY_CHUNK_BYTES;
    },
  });
  return new Response(body, {
    status: 200,
    headers: { ...headers, "Content-Length": String(bytes.length) },
  });
}

/** Random base64url text, the alphabet real tokens and tickets use. */
export function randomBase64Url(byteLength: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(byteLength));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random letters and digits, the alphabet of URL-link and scheme tickets and login codes. */
export function randomBase62(length: number): string {
  // 248 = 4 * 62: bytes at or above it are skipped so every character is equally likely.
  let text = "";
  while (text.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (b < 248 && text.length < length) text += BASE62[b % 62];
    }
  }
  return text;
}

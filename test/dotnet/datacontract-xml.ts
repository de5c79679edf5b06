// The bytes DataContractSerializer writes for the .NET service's RequestResult<WxAccess_Token> and
// WxAccess_Token, as ASP.NET Web API wrote them (XmlWriter, no XML declaration), spelled out by
// hand from SPEC §5. a-dotnet-client-uses-the-legacy-endpoint.ts checks that a real
// DataContractSerializer (Mono) writes exactly these for the seed's sample; the workerd tests in
// test/gateway/legacy-* check that the gateway writes them too.

export const APPLICATION_NS = "http://schemas.datacontract.org/2004/07/WLife.Application";
export const WEIXIN_NS = "http://schemas.datacontract.org/2004/07/WLife.Application.WeiXin";
export const XSI_NS = "http://www.w3.org/2001/XMLSchema-instance";
export const ROOT = "RequestResultOfWxAccess_TokenFEB0ySd7";

/** .NET's default(DateTime): what the service wrote for the times of a token it did not get. */
export const NO_TIME = "0001-01-01T00:00:00";

/** A time as the seed shows it: +08:00 and 7 fractional digits. */
export const SEED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+08:00$/;

export type WxAccessToken = {
  errcode: number;
  errmsg: string;
  access_token: string;
  create_time: string;
  expires_in: number;
  expires_time: string;
};

export type RequestResult = { Message: string; Status: number; Total: number; Data: WxAccessToken | null };

function text(value: string): string {
  return value.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * A serializer's empty Data (Mono: `<Data xmlns:d2p1="…" i:nil="true" />`; .NET Framework puts the
 * declaration after i:nil) in SPEC §5's spelling, which declares nothing Data uses.
 */
export function withSpecNilData(xml: string): string {
  return xml.replace(
    /<Data(?: xmlns:d2p1="[^"]*")? i:nil="true"(?: xmlns:d2p1="[^"]*")? ?\/>/,
    '<Data i:nil="true"/>',
  );
}

export function requestResultXml(result: RequestResult): string {
  const d = result.Data;
  const data = d
    ? `<Data xmlns:d2p1="${WEIXIN_NS}">` +
      `<d2p1:errcode>${d.errcode}</d2p1:errcode>` +
      `<d2p1:errmsg>${text(d.errmsg)}</d2p1:errmsg>` +
      `<d2p1:access_token>${text(d.access_token)}</d2p1:access_token>` +
      `<d2p1:create_time>${d.create_time}</d2p1:create_time>` +
      `<d2p1:expires_in>${d.expires_in}</d2p1:expires_in>` +
      `<d2p1:expires_time>${d.expires_time}</d2p1:expires_time>` +
      "</Data>"
    : `<Data i:nil="true"/>`;
  return (
    `<${ROOT} xmlns:i="${XSI_NS}" xmlns="${APPLICATION_NS}">` +
    `<Message>${text(result.Message)}</Message>` +
    `<Status>${result.Status}</Status>` +
    `<Total>${result.Total}</Total>` +
    data +
    `</${ROOT}>`
  );
}

/** A WxAccess_Token report body as a .NET client's DataContractSerializer writes it. */
export function tokenReportXml(accessToken: string): string {
  return (
    `<WxAccess_Token xmlns:i="${XSI_NS}" xmlns="${WEIXIN_NS}">` +
    `<errcode>0</errcode><errmsg i:nil="true" /><access_token>${text(accessToken)}</access_token>` +
    `<create_time>${NO_TIME}</create_time><expires_in>0</expires_in><expires_time>${NO_TIME}</expires_time>` +
    "</WxAccess_Token>"
  );
}

/** The seed's sample values, as the Mono client serializes them (test/dotnet/LegacyClient.cs). */
export const SAMPLES = {
  success: {
    Message: "",
    Status: 0,
    Total: 0,
    Data: {
      errcode: 0,
      errmsg: "ok",
      access_token: "91_sample-token",
      create_time: "2025-05-04T17:07:20.4181231+08:00",
      expires_in: 7200,
      expires_time: "2025-05-04T19:07:20.4181231+08:00",
    },
  },
  refusal: { Message: "the API key is not valid", Status: 1, Total: 0, Data: null },
  wechatRefusal: {
    Message: "WeChat refused to issue an access_token",
    Status: 1,
    Total: 0,
    Data: {
      errcode: 40164,
      errmsg: "invalid ip <1.2.3.4> & more",
      access_token: "",
      create_time: NO_TIME,
      expires_in: 0,
      expires_time: NO_TIME,
    },
  },
} satisfies Record<string, RequestResult>;

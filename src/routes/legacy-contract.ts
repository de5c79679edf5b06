// The wire contract of the .NET (ASP.NET Web API, DataContract) service the legacy endpoint
// replaces: its RequestResult<WxAccess_Token> as the service's XmlMediaTypeFormatter wrote it
// (DataContractSerializer through XmlWriter), the WxAccess_Token its clients send, and its times.
// Clients deserialize the XML with DataContractSerializer, which is strict about names, namespaces
// and member order (an element out of order is skipped: a failure's Status would read 0), so the
// bytes below are the ones that serializer writes; test/dotnet/ checks them with a real one.

import { isNil, isXmlChar, parseXml, type XmlElement } from "../platform/xml.ts";

/** The DataContract namespace of `WLife.Application` (RequestResult). */
export const APPLICATION_NAMESPACE = "http://schemas.datacontract.org/2004/07/WLife.Application";
/** The DataContract namespace of `WLife.Application.WeiXin` (WxAccess_Token and its base). */
export const WEIXIN_NAMESPACE = "http://schemas.datacontract.org/2004/07/WLife.Application.WeiXin";
const XSI = "http://www.w3.org/2001/XMLSchema-instance";

/**
 * DataContractSerializer's name for RequestResult<WxAccess_Token>: "Of" + the argument's name + a
 * hash of the argument's namespace, which is why it differs from the generic's own namespace.
 */
export const REQUEST_RESULT_ROOT = "RequestResultOfWxAccess_TokenFEB0ySd7";
export const TOKEN_ELEMENT = "WxAccess_Token";

/** The prefix DataContractSerializer gives Data's namespace: "d" + depth 2 + "p" + first prefix. */
const DATA_PREFIX = "d2p1";

/** .NET's default(DateTime), what the service wrote for a token it did not get. */
export const NO_TIME = "0001-01-01T00:00:00";

/** WxAccess_Token: its base class's members (errcode, errmsg), then its own. */
type LegacyToken = {
  access_token: string;
  expires_in: number;
  expires_time: string;
  create_time: string;
  errcode: number;
  errmsg: string;
};

export type LegacyResult = { Data: LegacyToken | null; Status: 0 | 1; Message: string; Total: number };

const CHINA_OFFSET_MS = 8 * 3600 * 1000;

/**
 * A time as the service's clients read it: a .NET DateTime of a server in China, ISO 8601 with
 * seven fractional digits (100 ns ticks) and +08:00, e.g. 2025-05-04T17:07:20.4181231+08:00. Our
 * times are whole milliseconds, so the last four digits are zeros.
 */
export function legacyTime(ms: number): string {
  return `${new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 23)}0000+08:00`;
}

const TEXT_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#xD;" };

/**
 * Character data as XmlWriter escapes it (&, <, >). A CR is written as a reference so that it
 * survives line-end normalization, and what XML 1.0 cannot carry at all (other control
 * characters, unpaired surrogates) becomes U+FFFD rather than a document the client cannot read.
 */
function escapeText(text: string): string {
  let out = "";
  for (const ch of text.toWellFormed()) {
    out += TEXT_ESCAPES[ch] ?? (isXmlChar(ch.codePointAt(0)!) ? ch : "\ufffd");
  }
  return out;
}

function member(name: string, value: string | number): string {
  return `<${name}>${typeof value === "number" ? value : escapeText(value)}</${name}>`;
}

function dataXml(data: LegacyToken | null): string {
  // The empty Data is spelled without the namespace declaration the serializers add (Mono
  // before i:nil, .NET Framework after it): it declares nothing Data uses, and every reader takes
  // all three alike.
  if (!data) return `<Data i:nil="true"/>`;
  const declaration = `xmlns:${DATA_PREFIX}="${WEIXIN_NAMESPACE}"`;
  // Base-class members first, then the class's own in alphabetical order.
  const members = [
    member(`${DATA_PREFIX}:errcode`, data.errcode),
    member(`${DATA_PREFIX}:errmsg`, data.errmsg),
    member(`${DATA_PREFIX}:access_token`, data.access_token),
    member(`${DATA_PREFIX}:create_time`, data.create_time),
    member(`${DATA_PREFIX}:expires_in`, data.expires_in),
    member(`${DATA_PREFIX}:expires_time`, data.expires_time),
  ];
  return `<Data ${declaration}>${members.join("")}</Data>`;
}

/**
 * The XML the service answered: no XML declaration (Web API's formatter omits it), members in
 * DataContractSerializer's order (alphabetical within RequestResult, then the generic's Data).
 */
export function requestResultXml(result: LegacyResult): string {
  return (
    `<${REQUEST_RESULT_ROOT} xmlns:i="${XSI}" xmlns="${APPLICATION_NAMESPACE}">` +
    member("Message", result.Message) +
    member("Status", result.Status) +
    member("Total", result.Total) +
    dataXml(result.Data) +
    `</${REQUEST_RESULT_ROOT}>`
  );
}

/**
 * The access_token of a WxAccess_Token body: undefined when the element has none (a plain read),
 * null when it is xsi:nil, else its text. Its other members, in whatever order, are ignored.
 */
export type TokenBody = { ok: true; accessToken: string | null | undefined } | { ok: false; reason: string };

export function readTokenXml(text: string): TokenBody {
  const parsed = parseXml(text);
  if (!parsed.ok) return { ok: false, reason: `body: not XML we can read (${parsed.reason})` };
  const root = parsed.root;
  if (root.name !== TOKEN_ELEMENT || root.namespace !== WEIXIN_NAMESPACE) {
    return {
      ok: false,
      reason: `body: XML must be a ${TOKEN_ELEMENT} element in namespace ${WEIXIN_NAMESPACE}`,
    };
  }
  const found = root.children.filter(
    (child: XmlElement) => child.name === "access_token" && child.namespace === WEIXIN_NAMESPACE,
  );
  const [element, ...more] = found;
  if (!element) return { ok: true, accessToken: undefined };
  if (more.length > 0) return { ok: false, reason: "access_token: given more than once" };
  if (isNil(element)) return { ok: true, accessToken: null };
  if (element.children.length > 0) return { ok: false, reason: "access_token: must be text" };
  return { ok: true, accessToken: element.text };
}

// What WeChat pushes to an app's server URL (消息推送, WECHAT.md §17): user messages (text, image)
// and events, in XML or JSON, with their fields in WeChat's order.
//
//   XML   <xml><ToUserName><![CDATA[gh_…]]></ToUserName><FromUserName><![CDATA[o…]]></FromUserName>
//         <CreateTime>1348831860</CreateTime><MsgType><![CDATA[text]]></MsgType>
//         <Content><![CDATA[hi]]></Content><MsgId>24652289542918553</MsgId></xml>
//   JSON  {"ToUserName":"gh_…","FromUserName":"o…","CreateTime":1348831860,"MsgType":"text",
//          "Content":"hi","MsgId":24652289542918553}
//
// Text goes in CDATA, numbers bare. MsgId is a 64-bit integer: it is kept as a bigint and written
// with all its digits (JSON.stringify of a JS number would round it), so a receiver that parses
// JSON with plain numbers loses digits, as it would with WeChat's own pushes.

export type PushFormat = "xml" | "json";

/** A field's value: text, a number, or a 64-bit integer (MsgId). */
export type FieldValue = string | number | bigint;

/** A push's fields in WeChat's order. */
export type PushFields = readonly (readonly [string, FieldValue])[];

function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

function xmlValue(value: FieldValue): string {
  return typeof value === "string" ? cdata(value) : String(value);
}

function jsonValue(value: FieldValue): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The fields as WeChat writes them in `format`: XML with CDATA, or JSON written by hand. */
export function renderFields(fields: PushFields, format: PushFormat): string {
  if (format === "xml") {
    return `<xml>${fields.map(([name, value]) => `<${name}>${xmlValue(value)}</${name}>`).join("")}</xml>`;
  }
  return `{${fields.map(([name, value]) => `${JSON.stringify(name)}:${jsonValue(value)}`).join(",")}}`;
}

/** The fields as a JSON-safe object for control answers: a bigint (MsgId) as its decimal text. */
export function describeFields(fields: PushFields): Record<string, string | number> {
  return Object.fromEntries(
    fields.map(([name, value]) => [name, typeof value === "bigint" ? value.toString() : value]),
  );
}

export type PushMessageType = "text" | "image" | "event";

/** What a control call asks for; everything but the type has a default. */
export interface PushMessageSpec {
  type: PushMessageType;
  /** The app's original id (gh_…). */
  toUser: string;
  /** The sender's openid. */
  fromUser: string;
  /** Unix seconds. */
  createTime: number;
  /** text: the message. */
  content?: string | undefined;
  /** image */
  picUrl?: string | undefined;
  mediaId?: string | undefined;
  /** text and image: 64-bit; a random one when not given. */
  msgId?: bigint | undefined;
  /** event: subscribe, unsubscribe, LOCATION, CLICK, VIEW, SCAN... */
  event?: string | undefined;
  eventKey?: string | undefined;
  latitude?: number | undefined;
  longitude?: number | undefined;
  precision?: number | undefined;
  /** Further fields, appended after the ones above. */
  extra?: PushFields | undefined;
}

/** WeChat's MsgIds are large 64-bit numbers (often 17–20 digits); these stay below 2^63. */
const MSG_ID_MIN = 10n ** 18n;
const MSG_ID_SPAN = 2n ** 63n - 1n - MSG_ID_MIN;

function newMsgId(): bigint {
  const [high = 0, low = 0] = crypto.getRandomValues(new Uint32Array(2));
  const random = (BigInt(high) << 32n) | BigInt(low);
  return MSG_ID_MIN + (random % MSG_ID_SPAN);
}

/** A media_id like WeChat's: 64 characters of letters, digits, "_" and "-". */
function newMediaId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_");
}

/** Where WeChat's sample location pushes stand (the documentation's 23.137466, 113.352425). */
const DEFAULT_LOCATION = { latitude: 23.137466, longitude: 113.352425, precision: 119.38504 };

export interface BuiltMessage {
  fields: PushFields;
  /** null for events, which have no MsgId. */
  msgId: bigint | null;
}

/** The fields of one push, as WeChat orders them for its type. */
export function buildMessage(spec: PushMessageSpec): BuiltMessage {
  const head: [string, FieldValue][] = [
    ["ToUserName", spec.toUser],
    ["FromUserName", spec.fromUser],
    ["CreateTime", spec.createTime],
    ["MsgType", spec.type],
  ];
  const extra = spec.extra ?? [];
  if (spec.type === "text") {
    const msgId = spec.msgId ?? newMsgId();
    return { fields: [...head, ["Content", spec.content ?? ""], ["MsgId", msgId], ...extra], msgId };
  }
  if (spec.type === "image") {
    const msgId = spec.msgId ?? newMsgId();
    const mediaId = spec.mediaId ?? newMediaId();
    const picUrl = spec.picUrl ?? `http://mmbiz.qpic.cn/mmbiz_jpg/${mediaId.slice(0, 32)}/0`;
    return {
      fields: [...head, ["PicUrl", picUrl], ["MediaId", mediaId], ["MsgId", msgId], ...extra],
      msgId,
    };
  }
  const event = spec.event ?? "subscribe";
  const fields: [string, FieldValue][] = [...head, ["Event", event]];
  if (event === "LOCATION") {
    fields.push(
      ["Latitude", spec.latitude ?? DEFAULT_LOCATION.latitude],
      ["Longitude", spec.longitude ?? DEFAULT_LOCATION.longitude],
      ["Precision", spec.precision ?? DEFAULT_LOCATION.precision],
    );
  } else if (spec.eventKey !== undefined || event === "CLICK" || event === "VIEW") {
    // A menu click names its key, a menu link its URL; a plain subscribe has no EventKey unless a
    // QR code's scene brought the user ("qrscene_123").
    fields.push(["EventKey", spec.eventKey ?? ""]);
  }
  return { fields: [...fields, ...extra], msgId: null };
}

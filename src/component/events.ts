// Reading a push to the 授权事件接收URL: the signature is checked before anything else is looked
// at (401), then the body is decrypted and must name this platform (400 otherwise, never a throw),
// and the decrypted XML becomes one of the events the keeper acts on.

import type { Failure } from "../platform/errors.ts";
import { parseXml, type XmlElement } from "../platform/xml.ts";
import type { MsgCrypt } from "../wechat/msg-crypt.ts";

/** The query WeChat signs a push with (encrypt_type is "aes"). */
export type PushQuery = { timestamp: string; nonce: string; msgSignature: string };

type EventHead = { componentAppId: string; createTime: number };

export type ComponentEvent =
  | (EventHead & { infoType: "component_verify_ticket"; ticket: string })
  | (EventHead & {
      infoType: "authorized" | "updateauthorized";
      authorizerAppId: string;
      authorizationCode: string;
      /** Unix seconds. */
      codeExpiresAt: number | null;
    })
  | (EventHead & { infoType: "unauthorized"; authorizerAppId: string })
  /** Events the gateway does not act on (e.g. notify_third_fasteregister): answered `success`. */
  | (EventHead & { infoType: "other"; name: string });

export type PushRefusal = Failure<400 | 401>;

const refuse = (message: string): PushRefusal => ({ ok: false, status: 400, message });

function child(root: XmlElement, name: string): string | null {
  const found = root.children.find((element) => element.name === name);
  return found ? found.text.trim() : null;
}

function event(root: XmlElement): ComponentEvent | PushRefusal {
  const infoType = child(root, "InfoType");
  const componentAppId = child(root, "AppId");
  const createTime = Number(child(root, "CreateTime"));
  if (!infoType || !componentAppId || !Number.isSafeInteger(createTime) || createTime <= 0) {
    return refuse("the event lacks InfoType, AppId or CreateTime");
  }
  const head = { componentAppId, createTime };
  const authorizerAppId = child(root, "AuthorizerAppid");
  switch (infoType) {
    case "component_verify_ticket": {
      const ticket = child(root, "ComponentVerifyTicket");
      if (!ticket) return refuse("the ticket event lacks ComponentVerifyTicket");
      return { ...head, infoType, ticket };
    }
    case "authorized":
    case "updateauthorized": {
      const authorizationCode = child(root, "AuthorizationCode");
      if (!authorizerAppId || !authorizationCode)
        return refuse("the authorization event lacks AuthorizerAppid or AuthorizationCode");
      const expires = Number(child(root, "AuthorizationCodeExpiredTime"));
      return {
        ...head,
        infoType,
        authorizerAppId,
        authorizationCode,
        codeExpiresAt: Number.isSafeInteger(expires) && expires > 0 ? expires : null,
      };
    }
    case "unauthorized":
      if (!authorizerAppId) return refuse("the revocation lacks AuthorizerAppid");
      return { ...head, infoType, authorizerAppId };
    default:
      return { ...head, infoType: "other", name: infoType };
  }
}

/** The event inside a push, or why it is refused: 401 for a bad signature, 400 for anything unreadable. */
export async function openPush(
  crypt: MsgCrypt,
  query: PushQuery,
  body: string,
): Promise<{ ok: true; event: ComponentEvent } | PushRefusal> {
  const envelope = parseXml(body);
  const encrypt = envelope.ok ? child(envelope.root, "Encrypt") : null;
  if (!encrypt) return refuse("the body is not <xml> with an <Encrypt> element");
  if (!(await crypt.verify(query.msgSignature, query.timestamp, query.nonce, encrypt))) {
    return { ok: false, status: 401, message: "msg_signature does not match" };
  }
  const decrypted = await crypt.decrypt(encrypt);
  if (!decrypted.ok) return decrypted;
  const message = parseXml(decrypted.message);
  if (!message.ok) return refuse("the decrypted event is not XML");
  const read = event(message.root);
  if ("ok" in read) return read;
  if (read.componentAppId !== decrypted.appId) return refuse("the event names another platform");
  return { ok: true, event: read };
}

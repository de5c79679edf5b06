// The Open Platform's pushes to a third-party platform's 授权事件接收URL (WECHAT.md §16–17):
// verify tickets and authorization events, encrypted with WXBizMsgCrypt and signed, POSTed as
//   ?timestamp=&nonce=&encrypt_type=aes&msg_signature=   <xml><AppId>…</AppId><Encrypt>…</Encrypt></xml>
// Every push is recorded on the component (tests run the gateway where the simulator cannot reach
// it, so they deliver the recorded envelope themselves); with a pushUrl it is also POSTed there.

import type { PushDelivery, PushEnvelope, PushRecord, SimulatedComponent } from "./component.ts";
import { PUSH_ANSWER_DEADLINE_MS } from "./limits.ts";
import { encryptMessage, messageSignature } from "./msg-crypt.ts";
import type { SimulatorState } from "./state.ts";

/** An event's fields in order; text goes in CDATA, numbers bare, as WeChat writes them. */
export type EventFields = readonly (readonly [string, string | number])[];

function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
}

function eventXml(fields: EventFields): string {
  const inner = fields
    .map(([name, value]) => `<${name}>${typeof value === "number" ? value : cdata(value)}</${name}>`)
    .join("");
  return `<xml>${inner}</xml>`;
}

/** A nonce like WeChat's: a decimal number of up to 10 digits. */
function newNonce(): string {
  return String(crypto.getRandomValues(new Uint32Array(1))[0] ?? 0);
}

/**
 * `xml` encrypted for `receiverAppid` with the key and Token, as the envelope WeChat POSTs.
 * `random` (16 bytes of text) fixes the random prefix, for WeChat's sample vectors.
 */
export function sealEnvelope(
  keys: { token: string; encodingAESKey: string },
  receiverAppid: string,
  xml: string,
  at: { timestamp: string; nonce?: string | undefined; random?: string | undefined },
): PushEnvelope & { encrypt: string } {
  const { timestamp, nonce = newNonce() } = at;
  const encrypt =
    at.random === undefined
      ? encryptMessage(xml, receiverAppid, keys.encodingAESKey)
      : encryptMessage(xml, receiverAppid, keys.encodingAESKey, at.random);
  return {
    query: {
      timestamp,
      nonce,
      encrypt_type: "aes",
      msg_signature: messageSignature(keys.token, timestamp, nonce, encrypt),
    },
    body: eventXml([
      ["AppId", receiverAppid],
      ["Encrypt", encrypt],
    ]),
    encrypt,
  };
}

/** POSTs the envelope to the receiver, giving up after WeChat's 5 s. */
async function deliverEnvelope(url: string, envelope: PushEnvelope): Promise<PushDelivery> {
  try {
    const target = new URL(url);
    for (const [name, value] of Object.entries(envelope.query)) target.searchParams.set(name, value);
    const res = await fetch(target, {
      method: "POST",
      headers: { "Content-Type": "text/xml" },
      body: envelope.body,
      signal: AbortSignal.timeout(PUSH_ANSWER_DEADLINE_MS),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export interface SentPush {
  record: PushRecord;
  /** Settles once the receiver answered (or failed to); null without a pushUrl. */
  delivery: Promise<PushDelivery> | null;
}

/**
 * Seals an event of the component (its AppId and CreateTime first, as WeChat orders them), records
 * it, and POSTs it to the pushUrl if there is one.
 */
export function pushEvent(
  state: SimulatorState,
  component: SimulatedComponent,
  infoType: string,
  fields: EventFields,
  about: { authorizerAppid?: string; ticket?: string } = {},
): SentPush {
  const createTime = Math.floor(component.now() / 1000);
  const xml = eventXml([
    ["AppId", component.settings.appid],
    ["CreateTime", createTime],
    ["InfoType", infoType],
    ...fields,
  ]);
  const { encrypt: _, ...envelope } = sealEnvelope(component.settings, component.settings.appid, xml, {
    timestamp: String(createTime),
  });
  const pushUrl = component.settings.pushUrl;
  const record: PushRecord = {
    infoType,
    createTime,
    authorizerAppid: about.authorizerAppid ?? null,
    ticket: about.ticket ?? null,
    envelope,
    delivered: pushUrl ? "pending" : null,
  };
  component.pushes.add(record);
  if (!pushUrl) return { record, delivery: null };
  const delivery = deliverEnvelope(pushUrl, envelope).then((outcome) => {
    record.delivered = outcome;
    const said = "error" in outcome ? outcome.error : `${outcome.status} ${outcome.body.slice(0, 40)}`;
    state.log?.(`push ${infoType} component=${component.settings.appid} -> ${said}`);
    return outcome;
  });
  return { record, delivery };
}

/** A verify ticket pushed now: a new one each time, valid 12 hours. */
export function pushVerifyTicket(state: SimulatorState, component: SimulatedComponent): SentPush {
  const ticket = component.issueTicket(component.now());
  return pushEvent(state, component, "component_verify_ticket", [["ComponentVerifyTicket", ticket.value]], {
    ticket: ticket.value,
  });
}

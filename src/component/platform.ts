// A third-party platform as its keeper hosts it: the message keys, the verify tickets and the
// pushes to the 授权事件接收URL. The keeper (tokens/keeper.ts) keeps the component_access_token
// with its usual machinery and reaches this through thin RPC methods.

import type { Failure } from "../platform/errors.ts";
import { MsgCrypt } from "../wechat/msg-crypt.ts";
import {
  checkPushQuery,
  checkUrlSignature,
  decryptPush,
  encryptField,
  isEncrypted,
  type PushQuery as MessagePushQuery,
  type PushFormat,
  type PushKeys,
  sealReply,
} from "../wechat/push-crypt.ts";
import { Authorizations } from "./authorizations.ts";
import { type ComponentEvent, openPush, type PushQuery, type PushRefusal } from "./events.ts";
import { type AuthorizerState, ComponentStore, type MessageKeys } from "./store.ts";
import { type PushRequester, type TicketReceipt, VerifyTickets } from "./tickets.ts";

/** What a push did: the event, and for a ticket whether it replaced the one held. */
export type PushOutcome = { ok: true; event: ComponentEvent; ticket: TicketReceipt | null };

/** An authorizer's push, opened with the platform's keys: the decrypted message and the appKeys bound to the app. */
export type AuthorizerPush = { ok: true; message: string; appKeys: string[] };

const notRegistered = (): Failure<404> => ({
  ok: false,
  status: 404,
  message: "no platform is registered for this appid",
});

export type ComponentPlatformStatus = {
  ticket: { held: boolean; valid: boolean; createTime: number | null; receivedAt: number | null };
  pushRequest: { at: number; error: string | null } | null;
  authorizers: Record<AuthorizerState, number>;
};

export class ComponentPlatform {
  readonly store: ComponentStore;
  readonly tickets: VerifyTickets;
  readonly authorizations: Authorizations;
  /** The MsgCrypt for the stored keys (importing the AES key once per object). */
  private crypt: { keys: MessageKeys; appId: string; crypt: MsgCrypt } | null = null;

  constructor(sql: SqlStorage, requestPush: PushRequester) {
    this.store = new ComponentStore(sql);
    this.tickets = new VerifyTickets(this.store, requestPush);
    this.authorizations = new Authorizations(this.store);
  }

  get configured(): boolean {
    return this.store.keys !== null;
  }

  /**
   * Sets the message keys; either may be omitted to keep the stored one, and both are required the
   * first time. The key is checked to import (43 characters of [A-Za-z0-9]).
   */
  async saveKeys(
    componentAppId: string,
    keys: Partial<MessageKeys>,
  ): Promise<{ ok: true; changed: boolean } | Failure<400>> {
    const held = this.store.keys;
    const token = keys.token ?? held?.token;
    const encodingAESKey = keys.encodingAESKey ?? held?.encodingAESKey;
    if (!token || !encodingAESKey) {
      return {
        ok: false,
        status: 400,
        message: "token and encodingAESKey: required the first time a platform is registered",
      };
    }
    if (!(await MsgCrypt.create(token, encodingAESKey, componentAppId))) {
      return { ok: false, status: 400, message: "encodingAESKey: must be 43 of A-Z, a-z and 0-9" };
    }
    const changed = held?.token !== token || held?.encodingAESKey !== encodingAESKey;
    if (changed) this.store.saveKeys({ token, encodingAESKey });
    return { ok: true, changed };
  }

  /** Checks, decrypts and reads a push; a verify ticket is kept here if it is the newest. */
  async receive(
    componentAppId: string,
    query: PushQuery,
    body: string,
    now: number,
  ): Promise<PushOutcome | PushRefusal | Failure<404>> {
    const crypt = await this.cryptFor(componentAppId);
    if (!crypt) return notRegistered();
    const opened = await openPush(crypt, query, body);
    if (!opened.ok) return opened;
    const { event } = opened;
    const ticket =
      event.infoType === "component_verify_ticket"
        ? this.tickets.receive(event.ticket, event.createTime, now)
        : null;
    return { ok: true, event, ticket };
  }

  /**
   * A push for one of the platform's authorizers (its 消息与事件接收URL): the signatures with the
   * platform's Token first (401), then the Encrypt field decrypted with its EncodingAESKey, whose
   * trailing appid must be the component's (400); only then whether the app is an authorizer of
   * this platform in state authorized (403, the same answer for unknown and revoked apps).
   */
  async openAuthorizerPush(
    componentAppId: string,
    authorizerAppId: string,
    query: MessagePushQuery,
    body: string,
    now: number,
  ): Promise<AuthorizerPush | PushRefusal | Failure<403 | 404>> {
    const keys = this.messageKeys(componentAppId);
    if (!keys) return notRegistered();
    const checked = await checkPushQuery(keys.token, query, now);
    if (!checked.ok) return checked;
    if (!isEncrypted(query)) {
      return { ok: false, status: 400, message: "a third-party platform's pushes are always encrypted" };
    }
    const envelope = encryptField(body);
    if (!envelope.ok) return envelope;
    const decrypted = await decryptPush(keys, query, envelope.encrypt);
    if (!decrypted.ok) return decrypted;
    const entry = this.store.authorizer(authorizerAppId);
    if (entry?.state !== "authorized") {
      return { ok: false, status: 403, message: "this appid is not an authorized app of the platform" };
    }
    return { ok: true, message: decrypted.message, appKeys: entry.appKeys };
  }

  /** WeChat's URL check of the authorizers' server URL: signed with the platform's Token. */
  async checkAuthorizerUrl(
    componentAppId: string,
    query: MessagePushQuery,
    now: number,
  ): Promise<{ ok: true } | Failure<401 | 404>> {
    const keys = this.messageKeys(componentAppId);
    if (!keys) return notRegistered();
    return checkUrlSignature(keys.token, query, now);
  }

  /** A passive reply to an authorizer's push, sealed with the platform's keys (safe mode). */
  async sealAuthorizerReply(
    componentAppId: string,
    format: PushFormat,
    reply: string,
    timestamp: string,
    nonce: string,
  ): Promise<string | null> {
    const keys = this.messageKeys(componentAppId);
    return keys && sealReply(keys, format, reply, timestamp, nonce);
  }

  status(now: number): ComponentPlatformStatus {
    const ticket = this.store.ticket;
    return {
      ticket: {
        held: ticket !== null,
        valid: this.tickets.current(now) !== null,
        createTime: ticket?.createTime ?? null,
        receivedAt: ticket && ticket.receivedAt > 0 ? ticket.receivedAt : null,
      },
      pushRequest: this.store.pushRequest,
      authorizers: this.store.authorizerCounts(),
    };
  }

  clear(): void {
    this.store.clear();
    this.crypt = null;
  }

  /** The platform's keys for pushes addressed to the component appid (WECHAT.md §17). */
  private messageKeys(componentAppId: string): PushKeys | null {
    const keys = this.store.keys;
    return keys && { token: keys.token, encodingAESKey: keys.encodingAESKey, appId: componentAppId };
  }

  private async cryptFor(appId: string): Promise<MsgCrypt | null> {
    const keys = this.store.keys;
    if (!keys) return null;
    const cached = this.crypt;
    if (
      cached &&
      cached.appId === appId &&
      cached.keys.token === keys.token &&
      cached.keys.encodingAESKey === keys.encodingAESKey
    ) {
      return cached.crypt;
    }
    const crypt = await MsgCrypt.create(keys.token, keys.encodingAESKey, appId);
    this.crypt = crypt ? { keys, appId, crypt } : null;
    return crypt;
  }
}

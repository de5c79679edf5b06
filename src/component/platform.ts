// A third-party platform as its keeper hosts it: the message keys, the verify tickets and the
// pushes to the 授权事件接收URL. The keeper (tokens/keeper.ts) keeps the component_access_token
// with its usual machinery and reaches this through thin RPC methods.

import type { Failure } from "../platform/errors.ts";
import { MsgCrypt } from "../wechat/msg-crypt.ts";
import { Authorizations } from "./authorizations.ts";
import { type ComponentEvent, openPush, type PushQuery, type PushRefusal } from "./events.ts";
import { type AuthorizerState, ComponentStore, type MessageKeys } from "./store.ts";
import { type PushRequester, type TicketReceipt, VerifyTickets } from "./tickets.ts";

/** What a push did: the event, and for a ticket whether it replaced the one held. */
export type PushOutcome = { ok: true; event: ComponentEvent; ticket: TicketReceipt | null };

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
    if (!crypt) return { ok: false, status: 404, message: "no platform is registered for this appid" };
    const opened = await openPush(crypt, query, body);
    if (!opened.ok) return opened;
    const { event } = opened;
    const ticket =
      event.infoType === "component_verify_ticket"
        ? this.tickets.receive(event.ticket, event.createTime, now)
        : null;
    return { ok: true, event, ticket };
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

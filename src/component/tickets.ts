// The component_verify_ticket: WeChat pushes one every 10 minutes, each valid 12 hours, and there
// is no API to fetch one; api_component_token needs a valid one. The newest by WeChat's CreateTime
// wins: a replayed or older push never replaces it. Without a valid ticket the keeper asks WeChat
// to push again (api_start_push_ticket), at most once per PUSH_REQUEST_MIN_INTERVAL_SECONDS.

import type { UpstreamFailure } from "../wechat/credential-calls.ts";
import type { ComponentStore, VerifyTicket } from "./store.ts";

/** WeChat: a verify ticket is valid for 12 hours after it is pushed. */
const VERIFY_TICKET_LIFETIME_SECONDS = 12 * 3600;
/**
 * WeChat pushes a ticket every 10 minutes anyway; asking more often than that cannot bring one
 * sooner, and the keeper asks whenever a token fetch finds no ticket (its backoff is 10 min too).
 */
const PUSH_REQUEST_MIN_INTERVAL_SECONDS = 600;
/**
 * A CreateTime this far ahead of the gateway's clock is refused: newest-wins would otherwise let
 * one such ticket block every later one. WeChat's and Cloudflare's clocks agree far better.
 */
const MAX_CREATE_TIME_AHEAD_SECONDS = 600;

export type TicketReceipt = "accepted" | "not_newer" | "from_the_future";

export type PushRequester = () => Promise<{ ok: true } | UpstreamFailure>;

/** Whether `ticket` may still be used at `now`: within 12 h of its CreateTime and of its arrival. */
function isValid(ticket: VerifyTicket, now: number): boolean {
  const lifetime = VERIFY_TICKET_LIFETIME_SECONDS * 1000;
  return now - ticket.createTime * 1000 < lifetime && now - ticket.receivedAt < lifetime;
}

export class VerifyTickets {
  constructor(
    private readonly store: ComponentStore,
    private readonly requestPush: PushRequester,
  ) {}

  /** The ticket to fetch a component_access_token with, or null when none is valid. */
  current(now: number): string | null {
    const ticket = this.store.ticket;
    return ticket && isValid(ticket, now) ? ticket.value : null;
  }

  /** A pushed ticket: kept only when it is newer (by CreateTime) than the one held. */
  receive(value: string, createTime: number, now: number): TicketReceipt {
    if (createTime * 1000 > now + MAX_CREATE_TIME_AHEAD_SECONDS * 1000) return "from_the_future";
    const held = this.store.ticket;
    if (held && createTime <= held.createTime) return "not_newer";
    this.store.saveTicket({ value, createTime, receivedAt: now });
    return "accepted";
  }

  /** WeChat refused `value` (61006): it is no longer offered, so the next fetch asks for a push. */
  rejected(value: string): void {
    const held = this.store.ticket;
    // Its CreateTime stays the bar a later push must clear: only the value is dropped.
    if (held?.value === value) this.store.saveTicket({ ...held, receivedAt: 0 });
  }

  /** Asks WeChat to push a ticket, unless it was asked within the interval; true if it was asked now. */
  async askForPush(now: number): Promise<boolean> {
    const last = this.store.pushRequest;
    if (last && now - last.at < PUSH_REQUEST_MIN_INTERVAL_SECONDS * 1000) return false;
    // Recorded before the call: concurrent callers (the keeper is re-entered at an await) ask once.
    this.store.savePushRequest({ at: now, error: null });
    const answer = await this.requestPush();
    if (!answer.ok) this.store.savePushRequest({ at: now, error: answer.errmsg || answer.reason });
    return true;
  }
}

// A platform's authorizations, as its keeper (the component appid's) handles them: an authorization
// code is exchanged with api_query_auth once, however often it arrives (WeChat repeats a push it
// thinks unanswered, and the /authorized redirect brings the same code): concurrent arrivals share
// one exchange, and an exchanged code is remembered (by its hash) in SQLite. The authorizers index
// records each app's state; refresh tokens are recovered from api_get_authorizer_list, one paging
// of the list shared by every authorizer keeper that asks at the same time.
//
// Authorization events are ordered by WeChat's CreateTime, not by arrival: the index keeps, per
// authorizer, the CreateTime and kind of the last event applied, and an event older than it (or
// as old, of the other kind) changes nothing. An exchange applies its code only if no newer event
// was applied while it ran: a revocation is never undone by an older push or a late exchange.

import { sha256Hex } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import type { AuthorizationInfo, ListedAuthorizer, UpstreamFailure } from "../wechat/credential-calls.ts";
import type {
  AppliedEvent,
  AuthorizationEventKind,
  AuthorizerEntry,
  AuthorizerState,
  ComponentStore,
} from "./store.ts";

/** WeChat's api_get_authorizer_list allows at most 500 entries a page. */
const AUTHORIZER_LIST_PAGE = 500;
/** Bounds one paging of the list: 100 pages = 50,000 authorizers, five times the scale aimed at. */
const AUTHORIZER_LIST_MAX_PAGES = 100;
/**
 * A paged list serves the recoveries that ask within this time: after a restore that lost refresh
 * tokens, thousands of keepers ask at once, and one paging answers all of them.
 */
const AUTHORIZER_LIST_REUSE_MS = 60_000;
/** An authorization code lives an hour; its record is kept a day to refuse late repeats. */
const EXCHANGED_CODE_KEEP_MS = 86_400_000;

export type ExchangeResult =
  | { ok: true; authorizerAppId: string; funcInfo: number[]; alreadyExchanged: boolean }
  | Failure<400 | 409 | 429 | 502 | 503>;

/** What an exchange needs from the keeper: its token, WeChat, and the authorizer's own keeper. */
export type ExchangeDeps = {
  queryAuth(code: string): Promise<AuthorizationInfo | UpstreamFailure | Failure>;
  configureAuthorizer(info: AuthorizationInfo): Promise<{ ok: true } | Failure>;
  /** Revokes at the authorizer's keeper again: a revocation applied while it was being configured. */
  revokeAuthorizer(authorizerAppId: string): Promise<unknown>;
};

/**
 * Whether an event of `createTime` and `kind` comes after `last`: newer, or as old and of the same
 * kind. Within one second the order is unknown, and a revocation wins: an authorization as old as
 * an applied revocation is refused, a revocation as old as an applied authorization is applied
 * (the merchant can authorize again; an app served against their revocation cannot be undone).
 */
function follows(last: AppliedEvent | null, createTime: number, kind: AuthorizationEventKind): boolean {
  if (last === null || createTime > last.createTime) return true;
  return createTime === last.createTime && (last.kind === kind || kind === "revoke");
}

const revokedMeanwhile = (): Failure<409> => ({
  ok: false,
  status: 409,
  message: "the authorization was revoked after this code was issued: its tokens were discarded",
});

export type RecoveryDeps = {
  listPage(
    offset: number,
    count: number,
  ): Promise<{ ok: true; total: number; list: ListedAuthorizer[] } | UpstreamFailure | Failure>;
};

function upstreamRefusal(failure: UpstreamFailure | Failure): Failure<400 | 429 | 502 | 503> {
  if ("status" in failure) {
    const status =
      failure.status === 400 || failure.status === 429 || failure.status === 503 ? failure.status : 502;
    return { ...failure, status };
  }
  const wechat =
    failure.errcode === undefined ? {} : { errcode: failure.errcode, errmsg: failure.errmsg ?? "" };
  switch (failure.kind) {
    case "transient":
      return { ok: false, status: 503, message: `WeChat could not be asked: ${failure.reason}`, ...wechat };
    case "quota":
    case "budget":
      return { ok: false, status: 429, message: failure.reason, ...wechat };
    default:
      return {
        ok: false,
        status: 400,
        message: `WeChat refused the authorization code: ${failure.reason}`,
        ...wechat,
      };
  }
}

export class Authorizations {
  private readonly store: ComponentStore;
  private readonly exchanges = new Map<string, Promise<ExchangeResult>>();
  private listing: { at: number; entries: Promise<Map<string, string | null> | Failure> } | null = null;

  constructor(store: ComponentStore) {
    this.store = store;
  }

  /**
   * Whether an authorization push (authorized, updateauthorized) of `createTime` is to be acted on:
   * not older than the last event applied to the app. If so its code is kept with that CreateTime,
   * which the exchange then carries.
   */
  async admitAuthorization(authorizerAppId: string, code: string, createTime: number): Promise<boolean> {
    const codeHash = await sha256Hex(code);
    if (!follows(this.store.lastEvent(authorizerAppId), createTime, "grant")) return false;
    this.store.saveReceivedCode(codeHash, createTime, Date.now());
    return true;
  }

  /** An unauthorized push of `createTime`: applied unless an event as new was applied; false if ignored. */
  revoke(authorizerAppId: string, createTime: number): boolean {
    if (!follows(this.store.lastEvent(authorizerAppId), createTime, "revoke")) return false;
    this.store.saveRevocation(authorizerAppId, createTime, Date.now());
    return true;
  }

  /** Exchanges `code` once: a code already exchanged answers its app without asking WeChat. */
  async exchange(code: string, deps: ExchangeDeps): Promise<ExchangeResult> {
    const codeHash = await sha256Hex(code);
    const running = this.exchanges.get(codeHash);
    if (running) return running;
    const done = this.store.exchangedCode(codeHash);
    if (done) {
      const entry = this.store.authorizer(done.authorizerAppId);
      if (entry?.state === "unauthorized") return revokedMeanwhile();
      return {
        ok: true,
        authorizerAppId: done.authorizerAppId,
        funcInfo: entry?.funcInfo ?? [],
        alreadyExchanged: true,
      };
    }
    const run = this.runExchange(codeHash, code, deps).finally(() => this.exchanges.delete(codeHash));
    this.exchanges.set(codeHash, run);
    return run;
  }

  private async runExchange(codeHash: string, code: string, deps: ExchangeDeps): Promise<ExchangeResult> {
    const startedAt = Date.now();
    // A pushed code carries its push's CreateTime; one only the redirect brought is the merchant's
    // authorization now.
    const pushedAt = this.store.receivedCodeTime(codeHash);
    const createTime = pushedAt ?? Math.floor(startedAt / 1000);
    const info = await deps.queryAuth(code);
    if (!info.ok) return upstreamRefusal(info);
    const now = Date.now();
    // The code is used up at WeChat now: remember that before anything else can fail.
    this.store.saveExchangedCode(codeHash, info.authorizerAppId, now, now - EXCHANGED_CODE_KEEP_MS);
    const last = this.store.lastEvent(info.authorizerAppId);
    // Without a CreateTime of its own, a redirect's exchange never wins over a revocation that was
    // applied while it ran (whatever that revocation's CreateTime).
    const revokedWhileRunning = pushedAt === null && last?.kind === "revoke" && last.appliedAt >= startedAt;
    if (!follows(last, createTime, "grant") || revokedWhileRunning) {
      // A newer event was applied while WeChat was asked: the tokens are dropped, nothing changes.
      const entry = this.store.authorizer(info.authorizerAppId);
      if (last?.kind === "revoke" || entry?.state !== "authorized") return revokedMeanwhile();
      return {
        ok: true,
        authorizerAppId: info.authorizerAppId,
        funcInfo: entry.funcInfo,
        alreadyExchanged: true,
      };
    }
    this.store.saveAuthorization(info.authorizerAppId, info.funcInfo, createTime, now);
    const configured = await deps.configureAuthorizer(info);
    if (this.store.lastEvent(info.authorizerAppId)?.kind === "revoke") {
      // Revoked while the authorizer's keeper was being configured: the revocation may have reached
      // it first, so it is told again, after the configuration.
      await deps.revokeAuthorizer(info.authorizerAppId);
      return revokedMeanwhile();
    }
    if (!configured.ok) {
      // Refused by the appid's keeper (it holds an app registered with its AppSecret): indexed, not served.
      return { ok: false, status: 409, message: configured.message };
    }
    return {
      ok: true,
      authorizerAppId: info.authorizerAppId,
      funcInfo: info.funcInfo,
      alreadyExchanged: false,
    };
  }

  /** The merchant revoked, or WeChat no longer takes the refresh token; false if never authorized here. */
  setState(authorizerAppId: string, state: AuthorizerState): boolean {
    return this.store.saveAuthorizerState(authorizerAppId, state, Date.now());
  }

  setAppKeys(authorizerAppId: string, appKeys: string[]): void {
    this.store.saveAuthorizerAppKeys(authorizerAppId, appKeys, Date.now());
  }

  entry(authorizerAppId: string): AuthorizerEntry | null {
    return this.store.authorizer(authorizerAppId);
  }

  page(cursor: string | null, limit: number) {
    return this.store.authorizerPage(cursor, limit);
  }

  /**
   * The authorizer's current refresh token as api_get_authorizer_list shows it (null: not listed,
   * or listed without one); one paging of the list serves every recovery within a minute.
   */
  async recoverRefreshToken(
    authorizerAppId: string,
    deps: RecoveryDeps,
  ): Promise<{ ok: true; refreshToken: string | null } | Failure> {
    const now = Date.now();
    if (!this.listing || now - this.listing.at > AUTHORIZER_LIST_REUSE_MS) {
      this.listing = { at: now, entries: this.pageAll(deps) };
    }
    const entries = await this.listing.entries;
    if (!(entries instanceof Map)) {
      this.listing = null;
      return entries;
    }
    return { ok: true, refreshToken: entries.get(authorizerAppId) ?? null };
  }

  private async pageAll(deps: RecoveryDeps): Promise<Map<string, string | null> | Failure> {
    const entries = new Map<string, string | null>();
    for (let page = 0; page < AUTHORIZER_LIST_MAX_PAGES; page++) {
      const answer = await deps.listPage(page * AUTHORIZER_LIST_PAGE, AUTHORIZER_LIST_PAGE);
      if (!answer.ok) return upstreamRefusal(answer);
      for (const listed of answer.list) entries.set(listed.authorizerAppId, listed.refreshToken);
      if (answer.list.length < AUTHORIZER_LIST_PAGE || (page + 1) * AUTHORIZER_LIST_PAGE >= answer.total)
        break;
    }
    return entries;
  }
}

// A platform's authorizations, as its keeper (the component appid's) handles them: an authorization
// code is exchanged with api_query_auth once, however often it arrives (WeChat repeats a push it
// thinks unanswered, and the /authorized redirect brings the same code): concurrent arrivals share
// one exchange, and an exchanged code is remembered (by its hash) in SQLite. The authorizers index
// records each app's state; refresh tokens are recovered from api_get_authorizer_list, one paging
// of the list shared by every authorizer keeper that asks at the same time.

import { sha256Hex } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import type { AuthorizationInfo, ListedAuthorizer, UpstreamFailure } from "../wechat/credential-calls.ts";
import type { AuthorizerEntry, AuthorizerState, ComponentStore } from "./store.ts";

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
};

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

  /** Exchanges `code` once: a code already exchanged answers its app without asking WeChat. */
  async exchange(code: string, deps: ExchangeDeps): Promise<ExchangeResult> {
    const codeHash = await sha256Hex(code);
    const running = this.exchanges.get(codeHash);
    if (running) return running;
    const done = this.store.exchangedCode(codeHash);
    if (done) {
      const entry = this.store.authorizer(done.authorizerAppId);
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
    const info = await deps.queryAuth(code);
    if (!info.ok) return upstreamRefusal(info);
    const now = Date.now();
    // The code is used up at WeChat now: remember that before anything else can fail.
    this.store.saveExchangedCode(codeHash, info.authorizerAppId, now, now - EXCHANGED_CODE_KEEP_MS);
    this.store.saveAuthorization(info.authorizerAppId, info.funcInfo, now);
    const configured = await deps.configureAuthorizer(info);
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

import { DurableObject } from "cloudflare:workers";
import type { ExchangeResult } from "../component/authorizations.ts";
import type { PushQuery } from "../component/events.ts";
import { type AuthorizerPush, ComponentPlatform } from "../component/platform.ts";
import { LoginSessions } from "../logins/sessions.ts";
import { constantTimeEqual } from "../platform/crypto.ts";
import type { Failure } from "../platform/errors.ts";
import { readSettings } from "../platform/settings.ts";
import { chinaDay, nextChinaMidnight, secondsUntil } from "../platform/time.ts";
import type { AppType, TokenMode } from "../wechat/app-kinds.ts";
import { BUSY_MAX_ATTEMPTS, BUSY_RETRY_BASE_MS, BUSY_RETRY_CAP_MS } from "../wechat/business-calls.ts";
import type { CredentialResult, KeeperFailure } from "../wechat/credential.ts";
import {
  type AuthorizationInfo,
  exchangeLoginCode,
  type ForwardedAnswer,
  forwardLoginCode,
  type LoginCodeRequest,
  requestAuthorizerList,
  requestJsapiTicket,
  requestPreAuthCode,
  requestQueryAuth,
  requestTicketPush,
  tokenCallRetries,
  type UpstreamFailure,
  type UpstreamResult,
} from "../wechat/credential-calls.ts";
import { BUSY_ERRCODES, ERRCODE, TOKEN_REJECTED_ERRCODES } from "../wechat/errcodes.ts";
import type { PushQuery as MessagePushQuery, PushFormat } from "../wechat/push-crypt.ts";
import { withRetries } from "../wechat/retry.ts";
import {
  afterReportRefresh,
  budgetAllows,
  dueAfterIssue,
  isDue,
  isServeable,
  MIN_ALARM_INTERVAL_SECONDS,
  MIN_RECHECK_SECONDS,
  mayTryNow,
  type RefreshTrigger,
  reportMayRefreshNow,
  retryAfterFailure,
  shouldActOnReport,
  TICKET_CALL_DAILY_BUDGET,
  TICKET_KEEP_WARM_SECONDS,
  WECHAT_GRACE_SECONDS,
} from "./policy.ts";
import {
  type QuotaClearCount,
  type QuotaClearOutcome,
  QuotaClears,
  type QuotaClearTurn,
} from "./quota-clears.ts";
import type {
  AuthorizerPage,
  ComponentEventResult,
  ComponentKeeperStatus,
  ConfigureResult,
  CredentialHealth,
  DetachResult,
  ForcedRefreshResult,
  KeeperStatus,
  PreAuthCodeResult,
  SessionLookup,
  SignInResult,
  TicketResult,
} from "./results.ts";
import { scheduleFor } from "./schedule.ts";
import { type ComponentLink, type CredentialSource, credentialSourceFor } from "./sources.ts";
import {
  type CredentialKind,
  type CredentialRecord,
  type KeeperApp,
  KeeperStore,
  NOT_AN_AUTHORIZER,
} from "./store.ts";

/** The cron treats a keeper as overdue when its alarm has not run this long after it was due. */
const SCHEDULE_GRACE_MS = 120_000;
/** Only one "last requested" write an hour: reading a ticket should not write storage every time. */
const LAST_REQUESTED_WRITE_INTERVAL_MS = 3_600_000;

/** WeChat's own words for an appid it does not know, for an SDK whose login reaches a keeper with no app. */
const UNREGISTERED_APPID_ANSWER: ForwardedAnswer = {
  status: 404,
  contentType: "application/json",
  text: '{"errcode":40013,"errmsg":"invalid appid"}',
};

type RefreshOutcome = { ok: true; changed: boolean } | { ok: false; failure: KeeperFailure };

/** A third-party platform's registration: secrets omitted keep the stored ones (required the first time). */
export type ComponentConfigureInput = {
  componentKey: string;
  componentAppId: string;
  componentAppSecret?: string | undefined;
  token?: string | undefined;
  encodingAESKey?: string | undefined;
};

export type ConfigureInput = {
  appKey: string;
  appId: string;
  appSecret?: string | undefined;
  /** Omitted: keep the appid's current mode (stable for a new appid). */
  tokenMode?: TokenMode | undefined;
  /** Omitted: keep the appid's current type (miniprogram for a new appid). */
  appType?: AppType | undefined;
  /**
   * Binds the appKey to an app a merchant authorized this platform (component appid) to run,
   * instead of registering an AppSecret: refused unless the appid is authorized for it.
   */
  componentAppId?: string | undefined;
};

/** What api_query_auth handed out, for the authorizer's own keeper to start from. */
export type AuthorizerGrant = {
  componentAppId: string;
  authorizerAppId: string;
  refreshToken: string;
  accessToken: string;
  expiresInSeconds: number;
};

/** An authorizer's token type: every api_authorizer_token call issues a new token, as in classic mode. */
const AUTHORIZER_TOKEN_MODE: TokenMode = "classic";

const notAPlatform = (): Failure<404> => ({
  ok: false,
  status: 404,
  message: "no platform is registered for this appid",
});

function log(event: string, fields: Record<string, unknown>): void {
  // Only identifiers and outcomes: never a token, ticket or secret.
  console.log(JSON.stringify({ event, ...fields }));
}

function held(record: CredentialRecord) {
  return { value: record.value!, createdAt: record.createdAt!, expiresAt: record.expiresAt! };
}

function notConfigured(): KeeperFailure {
  return { ok: false, status: 404, message: "no app is registered for this appid" };
}

/**
 * One Durable Object per WeChat appid: the only place that asks WeChat for that appid's
 * access_token and jsapi_ticket. All refreshes go through one in-flight promise per credential
 * (single flight), are persisted before anyone is answered, and are renewed ahead of expiry by
 * the object's alarm; the cron (see cron.ts) only re-arms keepers whose alarm went missing.
 * Where the token comes from is its CredentialSource (sources.ts). What else lives here because
 * it needs the secret or one place per appid (login sessions in ../logins/, clear_quota's monthly
 * count in quota-clears.ts) is reached through one-line RPC methods over those modules.
 */
export class TokenKeeper extends DurableObject<Env> {
  private readonly store: KeeperStore;
  private readonly sessions: LoginSessions;
  private readonly quotaClears: QuotaClears;
  /** A third-party platform's message keys, verify tickets and pushes (this keeper is the platform's own). */
  private readonly platform: ComponentPlatform;
  private readonly inflight = new Map<CredentialKind, Promise<RefreshOutcome>>();
  /** While an alarm pass runs, only its last arm() publishes to the schedule shard: one write a pass. */
  private alarmRunning = false;
  /** The end of the decline last logged, so that a flood of declined reports logs one line. */
  private loggedDecline: number | null = null;
  /** The check-by time last written to the schedule shard (undefined: unknown), to skip redundant writes. */
  private publishedCheckBy: number | null | undefined = undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new KeeperStore(ctx.storage.sql);
    this.sessions = new LoginSessions(ctx.storage.sql);
    this.quotaClears = new QuotaClears(ctx.storage.sql);
    this.platform = new ComponentPlatform(ctx.storage.sql, () => {
      const app = this.store.app!;
      return requestTicketPush({
        base: readSettings(this.env).tokenApiBase,
        componentAppId: app.appId,
        componentAppSecret: app.appSecret,
      });
    });
  }

  // ---- RPC: registry -------------------------------------------------------------------------

  async configure(input: ConfigureInput): Promise<ConfigureResult> {
    const existing = this.store.app;
    if (existing && existing.appId !== input.appId) {
      return { ok: false, status: 409, message: "this keeper belongs to another appid" };
    }
    if (input.componentAppId !== undefined) return this.bindAuthorizer(input, input.componentAppId);
    if (existing?.source === "authorizer") {
      return {
        ok: false,
        status: 409,
        message:
          "this appid is served through a third-party platform: bind it with component instead of an appSecret",
      };
    }
    if (existing && existing.source !== "secret") {
      return { ok: false, status: 409, message: "this appid is a third-party platform's, not an app's" };
    }
    const appSecret = input.appSecret ?? existing?.appSecret;
    if (!appSecret) {
      return { ok: false, status: 400, message: "appSecret: required the first time an appId is registered" };
    }
    const tokenMode = input.tokenMode ?? existing?.tokenMode ?? "stable";
    const appType = input.appType ?? existing?.appType ?? "miniprogram";
    const credentialsChanged =
      !existing || existing.appSecret !== appSecret || existing.tokenMode !== tokenMode;
    this.store.saveApp({
      appId: input.appId,
      appSecret,
      tokenMode,
      appType,
      source: "secret",
      ...NOT_AN_AUTHORIZER,
    });
    this.store.attachAppKey(input.appKey, Date.now());
    if (credentialsChanged) this.retryPromptly(null);
    await this.arm();
    return { ok: true, tokenMode, appType, appKeys: this.store.appKeys() };
  }

  /** Registers or updates the third-party platform this keeper (named by its component appid) is for. */
  async configureComponent(input: ComponentConfigureInput): Promise<ConfigureResult> {
    const existing = this.store.app;
    if (existing && existing.appId !== input.componentAppId) {
      return { ok: false, status: 409, message: "this keeper belongs to another appid" };
    }
    if (existing && existing.source !== "component") {
      return {
        ok: false,
        status: 409,
        message: "this appid is registered as an app, not a third-party platform",
      };
    }
    const appSecret = input.componentAppSecret ?? existing?.appSecret;
    if (!appSecret) {
      return {
        ok: false,
        status: 400,
        message: "componentAppSecret: required the first time a platform is registered",
      };
    }
    const keys = await this.platform.saveKeys(input.componentAppId, {
      token: input.token,
      encodingAESKey: input.encodingAESKey,
    });
    if (!keys.ok) return keys;
    this.store.saveApp({
      appId: input.componentAppId,
      appSecret,
      tokenMode: "stable",
      appType: "miniprogram",
      source: "component",
      ...NOT_AN_AUTHORIZER,
    });
    this.store.attachAppKey(input.componentKey, Date.now());
    const now = Date.now();
    if (existing?.appSecret !== appSecret)
      this.retryPromptly(this.platform.tickets.current(now) ? now : null);
    if (!this.platform.tickets.current(now)) {
      // No ticket yet: WeChat pushes one every 10 minutes, and at once when asked.
      await this.platform.tickets.askForPush(now);
    }
    await this.arm();
    return { ok: true, tokenMode: "stable", appType: "miniprogram", appKeys: this.store.appKeys() };
  }

  /**
   * New credentials (or a first verify ticket) deserve a prompt try instead of waiting out the old
   * backoff; `dueNow` (a time) also makes an empty keeper fetch at once, through the alarm.
   */
  private retryPromptly(dueNow: number | null): void {
    const access = this.store.credential("access_token");
    if (access.retryAt === null && (dueNow === null || access.value !== null)) return;
    this.store.saveCredential({
      ...access,
      retryAt: null,
      failuresInRow: 0,
      dueAt: access.value ? this.dueAfterIssue(access.expiresAt!) : dueNow,
    });
  }

  /** An appKey bound to the authorizer this keeper holds, when it is authorized for that platform. */
  private async bindAuthorizer(input: ConfigureInput, componentAppId: string): Promise<ConfigureResult> {
    const existing = this.store.app;
    if (existing && existing.source !== "authorizer") {
      return {
        ok: false,
        status: 409,
        message:
          "this appid is registered with its own AppSecret (or is a platform): it cannot be bound to a platform",
      };
    }
    if (
      !existing ||
      existing.componentAppId !== componentAppId ||
      existing.authorization === "unauthorized"
    ) {
      return {
        ok: false,
        status: 409,
        message: "this appid has not authorized the platform (authorize it first: authorization-links)",
      };
    }
    if (input.appType && input.appType !== existing.appType)
      this.store.saveApp({ ...existing, appType: input.appType });
    this.store.attachAppKey(input.appKey, Date.now());
    await this.tellPlatformAppKeys();
    return {
      ok: true,
      tokenMode: AUTHORIZER_TOKEN_MODE,
      appType: this.store.app!.appType,
      appKeys: this.store.appKeys(),
    };
  }

  /**
   * The platform's keeper exchanged an authorization code for this appid: keep the refresh token and
   * the first access token (stored together), and renew from now on. Refused for an appid
   * registered with its own AppSecret, or authorized for another platform this keeper serves.
   */
  async configureAuthorizer(grant: AuthorizerGrant): Promise<{ ok: true } | KeeperFailure> {
    const existing = this.store.app;
    if (existing && existing.appId !== grant.authorizerAppId) {
      return { ok: false, status: 409, message: "this keeper belongs to another appid" };
    }
    if (existing && existing.source !== "authorizer") {
      return { ok: false, status: 409, message: "this appid is registered with its own AppSecret" };
    }
    if (
      existing &&
      existing.componentAppId !== grant.componentAppId &&
      existing.authorization !== "unauthorized"
    ) {
      return { ok: false, status: 409, message: "this appid is served through another platform" };
    }
    const app: KeeperApp = {
      appId: grant.authorizerAppId,
      appSecret: "",
      tokenMode: AUTHORIZER_TOKEN_MODE,
      appType: existing?.appType ?? "miniprogram",
      source: "authorizer",
      componentAppId: grant.componentAppId,
      refreshToken: grant.refreshToken,
      authorization: "authorized",
    };
    this.ctx.storage.transactionSync(() => {
      this.store.saveApp(app);
      this.store.saveCredential({
        ...this.store.credential("access_token"),
        retryAt: null,
        failuresInRow: 0,
      });
      this.record(
        "access_token",
        { ok: true, value: grant.accessToken, expiresInSeconds: grant.expiresInSeconds },
        "empty",
        null,
      );
    });
    log("authorizer_configured", { appId: app.appId, componentAppId: app.componentAppId });
    await this.arm();
    return { ok: true };
  }

  /**
   * The merchant revoked the authorization: this appid stops being served at once (403), its
   * refresh token and tokens are dropped, and nothing is refreshed any more.
   */
  async revokeAuthorization(componentAppId: string): Promise<{ ok: true; revoked: boolean }> {
    const app = this.store.app;
    if (app?.source !== "authorizer" || app.componentAppId !== componentAppId)
      return { ok: true, revoked: false };
    this.ctx.storage.transactionSync(() => {
      this.store.saveAuthorizer({ refreshToken: null, authorization: "unauthorized" });
      this.dropTokens();
    });
    log("authorizer_revoked", { appId: app.appId, componentAppId });
    await this.arm();
    return { ok: true, revoked: true };
  }

  /** Forgets the held access_token and jsapi_ticket (kept counters and errors stay for the status). */
  private dropTokens(): void {
    for (const kind of ["access_token", "jsapi_ticket"] as const) {
      const record = this.store.credential(kind);
      this.store.saveCredential({
        ...record,
        value: null,
        createdAt: null,
        expiresAt: null,
        previousValue: null,
        previousValidUntil: null,
        dueAt: null,
        retryAt: null,
      });
    }
  }

  /** Why an authorizer is not served: revoked (always), or needing a new authorization (once no token is held). */
  private authorizationRefusal(includeNeedsReauthorization: boolean): KeeperFailure | null {
    const app = this.store.app;
    if (app?.source !== "authorizer") return null;
    if (app.authorization === "unauthorized") {
      return {
        ok: false,
        status: 403,
        message: "authorization revoked: the merchant revoked this app's authorization",
      };
    }
    if (includeNeedsReauthorization && app.authorization === "needs_reauthorization") {
      return {
        ok: false,
        status: 403,
        message:
          "authorization needs renewing: WeChat no longer accepts this app's refresh token; the merchant must authorize again",
      };
    }
    return null;
  }

  /** The platform's authorizers index lists the appKeys bound to each authorizer. */
  private async tellPlatformAppKeys(): Promise<void> {
    const app = this.store.app;
    if (app?.source !== "authorizer" || !app.componentAppId) return;
    await keeperFor(this.env, app.componentAppId).authorizerAppKeys(app.appId, this.store.appKeys());
  }

  private componentLink(app: KeeperApp): ComponentLink {
    const platform = keeperFor(this.env, app.componentAppId ?? "");
    return {
      componentToken: () => platform.getAccessToken(),
      componentTokenRejected: (token) => platform.reportInvalid(token, { seenRejected: true }),
      listedRefreshToken: () => platform.listedRefreshToken(app.appId),
      keep: (refreshToken) => {
        this.store.saveAuthorizer({ refreshToken });
        log("authorizer_refresh_token_recovered", { appId: app.appId });
      },
      refreshToken: () => this.store.app?.refreshToken ?? null,
    };
  }

  // ---- RPC: a platform's authorizations (on the component appid's keeper) ---------------------

  /** Exchanges an authorization code with api_query_auth, once however often it arrives. */
  async exchangeAuthorization(code: string): Promise<ExchangeResult> {
    const app = this.store.app;
    if (app?.source !== "component")
      return { ok: false, status: 409, message: "no platform is registered here" };
    const base = readSettings(this.env).tokenApiBase;
    const result = await this.platform.authorizations.exchange(code, {
      queryAuth: async (authorizationCode) => {
        const token = await this.getAccessToken();
        if (!token.ok) return token;
        // A code is single use: only "busy" answers (the code was not looked at) are retried.
        return withRetries(
          () =>
            requestQueryAuth(
              { base, componentAppId: app.appId, componentAccessToken: token.credential.value },
              authorizationCode,
            ),
          {
            maxAttempts: BUSY_MAX_ATTEMPTS,
            baseMs: BUSY_RETRY_BASE_MS,
            capMs: BUSY_RETRY_CAP_MS,
            retryable: (result) =>
              !result.ok && result.errcode !== undefined && BUSY_ERRCODES.has(result.errcode),
          },
        );
      },
      configureAuthorizer: (info: AuthorizationInfo) =>
        keeperFor(this.env, info.authorizerAppId).configureAuthorizer({
          componentAppId: app.appId,
          authorizerAppId: info.authorizerAppId,
          refreshToken: info.refreshToken,
          accessToken: info.accessToken,
          expiresInSeconds: info.expiresInSeconds,
        }),
      revokeAuthorizer: (authorizerAppId) =>
        keeperFor(this.env, authorizerAppId).revokeAuthorization(app.appId),
    });
    log("authorization_exchanged", {
      appId: app.appId,
      ok: result.ok,
      ...(result.ok
        ? { authorizerAppId: result.authorizerAppId, alreadyExchanged: result.alreadyExchanged }
        : { status: result.status, errcode: result.errcode }),
    });
    return result;
  }

  /** An authorizer's keeper reports that WeChat no longer takes its refresh token. */
  async authorizerNeedsReauthorization(authorizerAppId: string): Promise<void> {
    if (this.store.app?.source !== "component") return;
    this.platform.authorizations.setState(authorizerAppId, "needs_reauthorization");
  }

  /** An authorizer's keeper reports the appKeys bound to it. */
  async authorizerAppKeys(authorizerAppId: string, appKeys: string[]): Promise<void> {
    if (this.store.app?.source !== "component") return;
    this.platform.authorizations.setAppKeys(authorizerAppId, appKeys);
  }

  /** The authorizer's current refresh token from api_get_authorizer_list (paged once for everyone asking). */
  async listedRefreshToken(
    authorizerAppId: string,
  ): Promise<{ ok: true; refreshToken: string | null } | { ok: false; message: string }> {
    const app = this.store.app;
    if (app?.source !== "component") return { ok: false, message: "no platform is registered here" };
    const base = readSettings(this.env).tokenApiBase;
    const recovered = await this.platform.authorizations.recoverRefreshToken(authorizerAppId, {
      listPage: async (offset, count) => {
        const token = await this.getAccessToken();
        if (!token.ok) return token;
        return requestAuthorizerList(
          { base, componentAppId: app.appId, componentAccessToken: token.credential.value },
          offset,
          count,
        );
      },
    });
    return recovered.ok ? recovered : { ok: false, message: recovered.message };
  }

  /** One page of the authorizers index, in appid order. */
  async authorizers(cursor: string | null, limit: number): Promise<AuthorizerPage> {
    if (this.store.app?.source !== "component")
      return { ok: false, status: 404, message: "no platform is registered here" };
    const page = this.platform.authorizations.page(cursor, limit);
    return { ok: true, ...page };
  }

  /** A fresh pre_auth_code (api_create_preauthcode) for an authorization link. */
  async createPreAuthCode(): Promise<PreAuthCodeResult> {
    const app = this.store.app;
    if (app?.source !== "component")
      return { ok: false, status: 404, message: "no platform is registered here" };
    const token = await this.getAccessToken();
    if (!token.ok) return token;
    const answer = await requestPreAuthCode({
      base: readSettings(this.env).tokenApiBase,
      componentAppId: app.appId,
      componentAccessToken: token.credential.value,
    });
    if (answer.ok) return answer;
    return {
      ok: false,
      status: answer.kind === "transient" ? 503 : 502,
      message: `WeChat refused a pre_auth_code: ${answer.reason}`,
      ...(answer.errcode === undefined ? {} : { errcode: answer.errcode, errmsg: answer.errmsg ?? "" }),
    };
  }

  async detach(appKey: string): Promise<DetachResult> {
    // Its login sessions go with it, even while other appKeys keep the appid: an appKey registered again starts empty.
    this.sessions.forgetAppKey(appKey);
    const remainingAppKeys = this.store.detachAppKey(appKey);
    if (this.store.app?.source === "authorizer") {
      // The authorization outlives its appKeys: the platform may bind it again.
      await this.tellPlatformAppKeys();
      return { ok: true, remainingAppKeys };
    }
    if (remainingAppKeys === 0) {
      const appId = this.store.app?.appId;
      this.store.clear();
      this.sessions.clear();
      this.platform.clear();
      await this.ctx.storage.deleteAlarm();
      if (appId) await this.publishSchedule(appId, null);
    }
    return { ok: true, remainingAppKeys };
  }

  // ---- RPC: a third-party platform's pushes ----------------------------------------------------

  /**
   * A push to the platform's 授权事件接收URL, as it arrived: the signature is checked before anything
   * else (401, nothing changed), an unreadable body is a 400, and a verify ticket newer than the one
   * held replaces it (and gets an empty or failing keeper its token at once).
   */
  async receiveComponentEvent(query: PushQuery, body: string): Promise<ComponentEventResult> {
    const app = this.store.app;
    if (app?.source !== "component") return notAPlatform();
    const now = Date.now();
    const received = await this.platform.receive(app.appId, query, body, now);
    if (!received.ok) {
      log("component_push_refused", { appId: app.appId, status: received.status, reason: received.message });
      return received;
    }
    const { event, ticket } = received;
    log("component_push", {
      appId: app.appId,
      infoType: event.infoType,
      createTime: event.createTime,
      ticket,
    });
    if (ticket === "accepted" && !isServeable(this.store.credential("access_token"), now)) {
      this.retryPromptly(now);
      await this.arm();
    }
    switch (event.infoType) {
      case "unauthorized":
        // Older than the authorization event applied last (WeChat repeating an old push): ignored.
        if (!this.platform.authorizations.revoke(event.authorizerAppId, event.createTime)) {
          log("component_event_ignored", {
            appId: app.appId,
            infoType: event.infoType,
            createTime: event.createTime,
          });
          return { ok: true, infoType: event.infoType };
        }
        // At once, before answering: the app stops being served and its keeper stops refreshing.
        await keeperFor(this.env, event.authorizerAppId).revokeAuthorization(app.appId);
        return { ok: true, infoType: event.infoType, authorizerAppId: event.authorizerAppId };
      case "authorized":
      case "updateauthorized":
        // Older than the event applied last (e.g. an authorization pushed again after its revocation):
        // ignored, its code never exchanged.
        if (
          !(await this.platform.authorizations.admitAuthorization(
            event.authorizerAppId,
            event.authorizationCode,
            event.createTime,
          ))
        ) {
          log("component_event_ignored", {
            appId: app.appId,
            infoType: event.infoType,
            createTime: event.createTime,
          });
          return { ok: true, infoType: event.infoType };
        }
        // Exchanged by the caller without making WeChat wait (exchangeAuthorization, once per code).
        return {
          ok: true,
          infoType: event.infoType,
          authorizerAppId: event.authorizerAppId,
          authorizationCode: event.authorizationCode,
        };
      default:
        return { ok: true, infoType: event.infoType };
    }
  }

  // ---- RPC: an authorizer's pushes, signed and encrypted with the platform's keys ----------------

  /**
   * A push to `/component/{componentKey}/messages/{appid}`: checked and decrypted here, where the
   * platform's Token and EncodingAESKey are, so that they never leave this object; the caller gets
   * the message and the appKeys bound to the authorizer, for their PushInboxes.
   */
  async openAuthorizerPush(
    authorizerAppId: string,
    query: MessagePushQuery,
    body: string,
    receivedAt: number,
  ): Promise<AuthorizerPush | Failure<400 | 401 | 403 | 404>> {
    const app = this.store.app;
    if (app?.source !== "component") return notAPlatform();
    const opened = await this.platform.openAuthorizerPush(
      app.appId,
      authorizerAppId,
      query,
      body,
      receivedAt,
    );
    if (!opened.ok) {
      log("authorizer_push_refused", { appId: app.appId, status: opened.status, reason: opened.message });
    }
    return opened;
  }

  /** WeChat's URL check of the authorizers' server URL, with the platform's Token. */
  async checkAuthorizerUrl(query: MessagePushQuery): Promise<{ ok: true } | Failure<401 | 404>> {
    const app = this.store.app;
    if (app?.source !== "component") return notAPlatform();
    return this.platform.checkAuthorizerUrl(app.appId, query, Date.now());
  }

  /** The reply target's answer to an authorizer's push, sealed with the platform's keys; null if none held. */
  async sealAuthorizerReply(
    format: PushFormat,
    reply: string,
    timestamp: string,
    nonce: string,
  ): Promise<string | null> {
    const app = this.store.app;
    if (app?.source !== "component") return null;
    return this.platform.sealAuthorizerReply(app.appId, format, reply, timestamp, nonce);
  }

  async componentStatus(): Promise<ComponentKeeperStatus> {
    const app = this.store.app;
    if (app?.source !== "component") return { configured: false };
    const now = Date.now();
    return {
      configured: true,
      componentAppId: app.appId,
      componentKeys: this.store.appKeys(),
      accessToken: this.health(
        this.store.credential("access_token"),
        this.store.callsOn(chinaDay(now), "token"),
        this.source().dailyBudget,
        now,
      ),
      platform: this.platform.status(now),
      alarmsToday: this.store.callsOn(chinaDay(now), "alarm"),
      alarmAt: await this.ctx.storage.getAlarm(),
    };
  }

  // ---- RPC: credentials ----------------------------------------------------------------------

  /** The current access_token; fetched only when none is valid. Never waits for a background refresh. */
  async getAccessToken(): Promise<CredentialResult> {
    if (!this.store.app) return notConfigured();
    const revoked = this.authorizationRefusal(false);
    if (revoked) return revoked;
    const now = Date.now();
    const current = this.store.credential("access_token");
    if (isServeable(current, now)) {
      if (isDue(current, now) && mayTryNow(current, now) && !this.inflight.has("access_token")) {
        // The alarm is late (or the cron is about to re-arm it): renew in the background.
        void this.refresh("access_token", "scheduled");
      }
      return { ok: true, credential: held(current), refreshed: false };
    }
    const unrenewable = this.authorizationRefusal(true);
    if (unrenewable) return unrenewable;
    if (!mayTryNow(current, now) && !this.inflight.has("access_token")) return this.lastFailure(current, now);
    const outcome = await this.refresh("access_token", "empty");
    return this.answer("access_token", outcome, null);
  }

  /**
   * Passive refresh: a caller was told by WeChat that `reported` is invalid. Acted on only when it
   * is the current token and either the gateway saw WeChat reject it (`seenRejected`, set by the
   * gateway's own calls) or it is older than the minimum age; concurrent reports share one refresh.
   */
  async reportInvalid(reported: string, opts: { seenRejected?: boolean } = {}): Promise<CredentialResult> {
    const app = this.store.app;
    if (!app) return notConfigured();
    const revoked = this.authorizationRefusal(false);
    if (revoked) return revoked;
    let current = this.store.credential("access_token");
    if (opts.seenRejected && current.value === reported && !current.rejected) {
      current = { ...current, rejected: true };
      this.store.saveCredential(current);
    }
    const now = Date.now();
    const running = this.inflight.get("access_token");
    if (!shouldActOnReport(current, reported, now) || !isServeable(current, now)) {
      // Stale report (the token was already replaced), too young to distrust, or no token to keep:
      // no report-driven call; a read's own rules apply.
      if (running && current.value === reported) return this.answer("access_token", await running, reported);
      return this.getAccessToken();
    }
    // A refresh already under way answers this report too, and starts no streak.
    if (running) return this.answer("access_token", await running, reported);
    const declined = this.reportDeclined(current, now);
    if (declined) {
      if (this.loggedDecline !== declined.until) {
        this.loggedDecline = declined.until;
        log("token_report_declined", { appId: app.appId, reason: declined.reason, until: declined.until });
      }
      return { ok: true, credential: held(current), refreshed: false };
    }
    log("token_reported_invalid", { appId: app.appId, seenRejected: current.rejected });
    this.store.saveCredential({ ...current, ...afterReportRefresh(current, now) });
    const outcome = await this.refresh("access_token", "report");
    return this.answer("access_token", outcome, reported);
  }

  /**
   * Why a caller's report may not start a refresh now, if it may not: a failure backoff, the
   * report backoff, or the report share of today's budget used up. None of these is recorded as
   * a failure, so none of them delays the scheduled refresh.
   */
  private reportDeclined(
    current: CredentialRecord,
    now: number,
  ): { reason: "failure_backoff" | "report_backoff" | "report_budget"; until: number } | null {
    if (!mayTryNow(current, now)) return { reason: "failure_backoff", until: current.retryAt! };
    if (!reportMayRefreshNow(current, now))
      return { reason: "report_backoff", until: current.reportBackoffUntil! };
    if (!budgetAllows("report", this.store.callsOn(chinaDay(now), "token"), this.source().dailyBudget)) {
      return { reason: "report_budget", until: nextChinaMidnight(now) };
    }
    return null;
  }

  /** The jsapi_ticket for JS-SDK signatures, refetched whenever the access_token it came with is replaced. */
  async getJsapiTicket(): Promise<TicketResult> {
    if (!this.store.app) return notConfigured();
    const access = await this.getAccessToken();
    if (!access.ok) return access;
    const now = Date.now();
    let ticket = this.store.credential("jsapi_ticket");
    if (ticket.lastRequestedAt === null || now - ticket.lastRequestedAt > LAST_REQUESTED_WRITE_INTERVAL_MS) {
      ticket = { ...ticket, lastRequestedAt: now };
      this.store.saveCredential(ticket);
    }
    if (isServeable(ticket, now) && ticket.sourceCreatedAt === access.credential.createdAt) {
      return { ok: true, credential: held(ticket), refreshed: false, accessToken: access.credential };
    }
    if (!mayTryNow(ticket, now) && !this.inflight.has("jsapi_ticket")) return this.lastFailure(ticket, now);
    const outcome = await this.refresh("jsapi_ticket", "empty");
    const answer = this.answer("jsapi_ticket", outcome, null);
    // Fetching the ticket may have replaced a token WeChat rejected: callers' memories must follow.
    const token = this.store.credential("access_token");
    return answer.ok && isServeable(token, Date.now()) ? { ...answer, accessToken: held(token) } : answer;
  }

  /** The admin's forced refresh: the only unconditional one (sources that can force a new token do). */
  async forceRefresh(): Promise<ForcedRefreshResult> {
    if (!this.store.app) return notConfigured();
    const refused = this.authorizationRefusal(true);
    if (refused) return refused;
    for (
      let running = this.inflight.get("access_token");
      running;
      running = this.inflight.get("access_token")
    ) {
      await running;
    }
    const now = Date.now();
    const limits = this.source().forcedRefresh;
    if (limits) {
      const last = this.store.lastForcedAt;
      const earliest = last === null ? now : last + limits.minIntervalSeconds * 1000;
      if (earliest > now) {
        return {
          ok: false,
          status: 429,
          message: `WeChat ignores forced refreshes less than ${limits.minIntervalSeconds} s apart`,
          retryAfterSeconds: secondsUntil(earliest, now),
        };
      }
      if (this.store.callsOn(chinaDay(now), "forced") >= limits.dailyLimit) {
        return {
          ok: false,
          status: 429,
          message: `WeChat allows ${limits.dailyLimit} forced refreshes a day`,
          retryAfterSeconds: secondsUntil(nextChinaMidnight(now), now),
        };
      }
    }
    const before = this.store.credential("access_token").value;
    const outcome = await this.refresh("access_token", "forced");
    if (!outcome.ok) return outcome.failure;
    const after = this.store.credential("access_token");
    return {
      ok: true,
      createdAt: after.createdAt!,
      expiresAt: after.expiresAt!,
      changed: after.value !== before,
    };
  }

  // ---- RPC: mini-program login sessions -----------------------------------------------------

  /** JSCode2Session (see logins/sessions.ts): the code is exchanged here, where the secret is. */
  async signIn(appKey: string, jsCode: string): Promise<SignInResult> {
    const app = this.store.app;
    if (!app) return notConfigured();
    const login = await this.loginRequest(app, jsCode);
    if (!login.ok) return login;
    return this.sessions.signIn({ appId: app.appId, appKey }, () => exchangeLoginCode(login.request));
  }

  /**
   * How a wx.login code is exchanged for this appid: with its AppSecret, or for an authorizer with
   * its platform's appid and component_access_token (/sns/component/jscode2session).
   */
  private async loginRequest(
    app: KeeperApp,
    jsCode: string,
  ): Promise<{ ok: true; request: LoginCodeRequest } | KeeperFailure> {
    const base = readSettings(this.env).apiBase;
    if (app.source !== "authorizer") {
      return { ok: true, request: { base, appId: app.appId, appSecret: app.appSecret, jsCode } };
    }
    const refused = this.authorizationRefusal(false);
    if (refused) return refused;
    const component = await keeperFor(this.env, app.componentAppId ?? "").getAccessToken();
    if (!component.ok) return component;
    return {
      ok: true,
      request: {
        base,
        appId: app.appId,
        jsCode,
        componentAppId: app.componentAppId ?? "",
        componentAccessToken: component.credential.value,
      },
    };
  }

  /** The session behind a token from signIn, while it lasts. */
  async loginSession(sessionToken: string): Promise<SessionLookup> {
    const session = await this.sessions.find(sessionToken, Date.now());
    return session ? { ok: true, session } : { ok: false };
  }

  // ---- RPC: clear_quota's monthly allowance (see quota-clears.ts) -----------------------------

  /** This month's resets: how many WeChat accepted through the gateway and how many are left. */
  async quotaClearCount(): Promise<QuotaClearCount> {
    return this.quotaClears.count(Date.now());
  }

  /** Takes the appid's turn for one clear_quota call; `settleQuotaClear` must follow it. */
  async takeQuotaClearTurn(): Promise<QuotaClearTurn> {
    return this.quotaClears.take(Date.now());
  }

  async settleQuotaClear(outcome: QuotaClearOutcome): Promise<QuotaClearCount> {
    return this.quotaClears.settle(outcome, Date.now());
  }

  // ---- RPC: the transparent proxy ------------------------------------------------------------

  /** Whether an SDK presented this appid's own appid and secret (compared in constant time). */
  async checkCredentials(appId: string, appSecret: string): Promise<boolean> {
    const app = this.store.app;
    // An authorizer has no AppSecret (its empty one must never match) and a platform's is not an app's.
    if (app?.source !== "secret") return false;
    const [idMatches, secretMatches] = await Promise.all([
      constantTimeEqual(appId, app.appId),
      constantTimeEqual(appSecret, app.appSecret),
    ]);
    return idMatches && secretMatches;
  }

  /** An SDK's own /sns/jscode2session call, made here with the secret, which never leaves. */
  async forwardLogin(jsCode: string, grantType: string): Promise<ForwardedAnswer> {
    const app = this.store.app;
    if (!app) return UNREGISTERED_APPID_ANSWER;
    const login = await this.loginRequest(app, jsCode);
    if (!login.ok) {
      return {
        status: login.status,
        contentType: "application/json",
        text: JSON.stringify({
          errcode: login.errcode ?? ERRCODE.SYSTEM_BUSY,
          errmsg: login.errmsg || login.message,
        }),
      };
    }
    return forwardLoginCode({ ...login.request, grantType });
  }

  /** Whether `token` is this appid's current or still-in-grace previous access_token. */
  async recognizesToken(token: string): Promise<boolean> {
    const now = Date.now();
    const access = this.store.credential("access_token");
    const current = access.value !== null && isServeable(access, now) ? access.value : null;
    const previous = (access.previousValidUntil ?? 0) > now ? access.previousValue : null;
    // Compared in constant time: the token is a credential here.
    const [isCurrent, isPrevious] = await Promise.all([
      current === null ? false : constantTimeEqual(token, current),
      previous === null ? false : constantTimeEqual(token, previous),
    ]);
    return isCurrent || isPrevious;
  }

  async status(): Promise<KeeperStatus> {
    const app = this.store.app;
    if (!app) return { configured: false };
    const now = Date.now();
    const day = chinaDay(now);
    const health = (record: CredentialRecord, callsToday: number, dailyBudget: number) =>
      this.health(record, callsToday, dailyBudget, now);
    return {
      configured: true,
      appId: app.appId,
      tokenMode: app.tokenMode,
      appKeys: this.store.appKeys(),
      accessToken: health(
        this.store.credential("access_token"),
        this.store.callsOn(day, "token"),
        this.source().dailyBudget,
      ),
      jsapiTicket: health(
        this.store.credential("jsapi_ticket"),
        this.store.callsOn(day, "ticket"),
        TICKET_CALL_DAILY_BUDGET,
      ),
      forcedRefreshesToday: this.store.callsOn(day, "forced"),
      alarmsToday: this.store.callsOn(day, "alarm"),
      scheduleWritesToday: this.store.callsOn(day, "schedule"),
      alarmAt: await this.ctx.storage.getAlarm(),
    };
  }

  /**
   * Called by the cron for keepers whose alarm looks missing: re-arm it (it fires at once if due).
   * A keeper whose appid is no longer registered drops its own schedule row, so that this costs
   * the cron one subrequest either way.
   */
  async checkIn(
    appId: string,
  ): Promise<{ ok: true; alarmAt: number | null } | { ok: false; reason: "not_configured" }> {
    this.publishedCheckBy = undefined;
    if (!this.store.app) {
      await this.publishSchedule(appId, null);
      return { ok: false, reason: "not_configured" };
    }
    return { ok: true, alarmAt: await this.arm() };
  }

  private health(
    record: CredentialRecord,
    callsToday: number,
    dailyBudget: number,
    now: number,
  ): CredentialHealth {
    return {
      held: isServeable(record, now),
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      nextRefreshAt: record.dueAt,
      refreshCount: record.refreshCount,
      lastRefreshAt: record.lastRefreshAt,
      lastError:
        record.lastErrorAt === null
          ? null
          : { errcode: record.lastErrorCode, message: record.lastErrorMessage ?? "", at: record.lastErrorAt },
      failuresInRow: record.failuresInRow,
      callsToday,
      dailyBudget,
    };
  }

  // ---- alarm ---------------------------------------------------------------------------------

  override async alarm(): Promise<void> {
    if (!this.store.app) return;
    const now = Date.now();
    this.store.countCall(chinaDay(now), "alarm");
    this.alarmRunning = true;
    try {
      const access = this.store.credential("access_token");
      if (isDue(access, now) && mayTryNow(access, now)) await this.refresh("access_token", "scheduled");
      const ticket = this.store.credential("jsapi_ticket");
      if (this.ticketIsWarm(ticket, now) && isDue(ticket, now) && mayTryNow(ticket, now)) {
        await this.refresh("jsapi_ticket", "scheduled");
      }
      this.sessions.purgeExpired(now);
    } finally {
      this.alarmRunning = false;
    }
    // Every pass either moved its credentials' times forward or waits at least this long: an
    // alarm never re-arms itself for "now", whatever state a refresh left behind.
    await this.arm(Date.now() + MIN_ALARM_INTERVAL_SECONDS * 1000);
  }

  // ---- refresh machinery ---------------------------------------------------------------------

  /** Single flight: every caller of the same credential shares the one refresh in progress. */
  private refresh(kind: CredentialKind, trigger: RefreshTrigger): Promise<RefreshOutcome> {
    const running = this.inflight.get(kind);
    if (running) return running;
    const run = kind === "access_token" ? this.refreshAccessToken(trigger) : this.refreshJsapiTicket();
    const shared = run.finally(() => this.inflight.delete(kind));
    this.inflight.set(kind, shared);
    return shared;
  }

  private async refreshAccessToken(trigger: RefreshTrigger): Promise<RefreshOutcome> {
    const refused = this.authorizationRefusal(true);
    if (refused) return { ok: false, failure: refused };
    const source = this.source();
    const forced = trigger === "forced";
    const forceRefresh = forced && source.forcedRefresh !== null;
    const result = await withRetries(
      () => source.fetch(forceRefresh),
      tokenCallRetries(
        () => {
          const now = Date.now();
          const day = chinaDay(now);
          if (!budgetAllows(trigger, this.store.callsOn(day, "token"), source.dailyBudget)) return false;
          this.store.countCall(day, "token");
          if (forceRefresh) {
            this.store.countCall(day, "forced");
            this.store.markForced(now);
          }
          return true;
        },
        // A second force_refresh inside 30 s would not refresh anyway.
        forced ? 1 : undefined,
      ),
    );
    if (!result.ok && result.errcode === ERRCODE.REFRESH_TOKEN_INVALID) {
      // The authorizer source recovers a 61023 from the authorizer list; this one survived that.
      await this.needsReauthorization();
    }
    const outcome = this.record("access_token", result, trigger, null);
    const unserved = this.authorizationRefusal(true);
    if (unserved) {
      await this.arm();
      return { ok: false, failure: unserved };
    }
    if (outcome.ok && outcome.changed) {
      const ticket = this.store.credential("jsapi_ticket");
      // The ticket is refetched with the new token; do it ahead of time if it is in use.
      if (this.ticketIsWarm(ticket, Date.now())) this.store.saveCredential({ ...ticket, dueAt: Date.now() });
    }
    await this.arm();
    return outcome;
  }

  private async refreshJsapiTicket(): Promise<RefreshOutcome> {
    const settings = readSettings(this.env);
    const access = await this.getAccessToken();
    if (!access.ok) {
      // Without a token the ticket cannot be fetched: it waits, like the token, instead of staying
      // due (which would wake the keeper again at once).
      const outcome = this.recordFailure(
        this.store.credential("jsapi_ticket"),
        { ok: false, kind: "transient", reason: "no valid access_token to fetch it with" },
        Date.now(),
        "scheduled",
        this.store.credential("access_token").retryAt,
      );
      await this.arm();
      return outcome;
    }
    const fetchWith = (token: string) =>
      withRetries(
        () => requestJsapiTicket(settings.apiBase, token),
        tokenCallRetries(() => {
          const day = chinaDay(Date.now());
          if (!budgetAllows("scheduled", this.store.callsOn(day, "ticket"), TICKET_CALL_DAILY_BUDGET))
            return false;
          this.store.countCall(day, "ticket");
          return true;
        }),
      );
    let source = access.credential;
    let result = await fetchWith(source.value);
    if (!result.ok && result.errcode !== undefined && TOKEN_REJECTED_ERRCODES.has(result.errcode)) {
      // WeChat rejected our own token: refresh it (single flight) and try exactly once more.
      const renewed = await this.reportInvalid(source.value, { seenRejected: true });
      if (!renewed.ok) return { ok: false, failure: renewed };
      if (renewed.credential.value !== source.value) {
        source = renewed.credential;
        result = await fetchWith(source.value);
      }
    }
    const outcome = this.record("jsapi_ticket", result, "empty", source.createdAt);
    await this.arm();
    return outcome;
  }

  /**
   * Persists the result of a refresh before anyone is answered, in one SQLite transaction: an
   * authorizer's rotated refresh token is committed with the token it came with, or neither is.
   */
  private record(
    kind: CredentialKind,
    result: UpstreamResult,
    trigger: RefreshTrigger,
    sourceCreatedAt: number | null,
  ): RefreshOutcome {
    return this.ctx.storage.transactionSync(() => this.recordNow(kind, result, trigger, sourceCreatedAt));
  }

  private recordNow(
    kind: CredentialKind,
    result: UpstreamResult,
    trigger: RefreshTrigger,
    sourceCreatedAt: number | null,
  ): RefreshOutcome {
    const app = this.store.app!;
    const now = Date.now();
    const current = this.store.credential(kind);
    const revoked = this.authorizationRefusal(false);
    // Revoked while the call was out: what it brought is not kept.
    if (revoked) return { ok: false, failure: revoked };
    if (!result.ok) return this.recordFailure(current, result, now, trigger);
    if (result.refreshToken !== undefined && result.refreshToken !== app.refreshToken) {
      // A rotated refresh token is stored with the token it came with (one transaction, see record).
      this.store.saveAuthorizer({ refreshToken: result.refreshToken });
    }

    const expiresAt = now + result.expiresInSeconds * 1000;
    const settled = {
      failuresInRow: 0,
      retryAt: null,
      lastRefreshAt: now,
      rejected: false,
      confirmedAt: now,
    };
    if (result.value === current.value) {
      // The same value, confirmed valid (a stable token before WeChat's last 5 minutes).
      const dueAt =
        (kind === "access_token" ? this.source().dueAfterSameToken(expiresAt, now) : null) ??
        Math.max(this.dueAfterIssue(expiresAt), now + MIN_RECHECK_SECONDS * 1000);
      this.store.saveCredential({ ...current, ...settled, expiresAt, dueAt, sourceCreatedAt });
      log("credential_confirmed", { appId: app.appId, kind, trigger });
      return { ok: true, changed: false };
    }
    const keepPrevious = current.value !== null && current.expiresAt !== null && current.expiresAt > now;
    this.store.saveCredential({
      ...current,
      ...settled,
      value: result.value,
      createdAt: now,
      expiresAt,
      sourceCreatedAt,
      previousValue: keepPrevious ? current.value : null,
      previousValidUntil: keepPrevious
        ? Math.min(current.expiresAt!, now + WECHAT_GRACE_SECONDS * 1000)
        : null,
      dueAt: Math.max(this.dueAfterIssue(expiresAt), now + MIN_RECHECK_SECONDS * 1000),
      refreshCount: current.refreshCount + 1,
    });
    log("credential_refreshed", { appId: app.appId, kind, trigger, expiresIn: result.expiresInSeconds });
    return { ok: true, changed: true };
  }

  private recordFailure(
    current: CredentialRecord,
    failure: UpstreamFailure,
    now: number,
    trigger: RefreshTrigger,
    notBefore: number | null = null,
  ): RefreshOutcome {
    const failuresInRow = current.failuresInRow + 1;
    const retryAt = Math.max(
      retryAfterFailure(failure.kind, failure.errcode, failuresInRow, now, nextChinaMidnight(now)),
      notBefore ?? 0,
    );
    const record: CredentialRecord = {
      ...current,
      failuresInRow,
      retryAt,
      dueAt: Math.max(current.dueAt ?? 0, retryAt),
      lastErrorKind: failure.kind,
      lastErrorCode: failure.errcode ?? null,
      lastErrorMessage: failure.errmsg || failure.reason,
      lastErrorAt: now,
    };
    this.store.saveCredential(record);
    log("credential_refresh_failed", {
      appId: this.store.app!.appId,
      kind: current.kind,
      trigger,
      failure: failure.kind,
      errcode: failure.errcode,
      failuresInRow,
    });
    return { ok: false, failure: this.lastFailure(record, now) };
  }

  /** Answers with the held credential when it is still good, else with why there is none. */
  private answer(kind: CredentialKind, outcome: RefreshOutcome, reported: string | null): CredentialResult {
    const now = Date.now();
    const current = this.store.credential(kind);
    if (isServeable(current, now)) {
      return {
        ok: true,
        credential: held(current),
        refreshed: reported !== null && current.value !== reported,
      };
    }
    return outcome.ok ? this.lastFailure(current, now) : outcome.failure;
  }

  /** Why no credential can be handed out, from the last recorded failure. */
  private lastFailure(record: CredentialRecord, now: number): KeeperFailure {
    const what = record.kind;
    const retryAfterSeconds =
      record.retryAt === null ? undefined : Math.max(1, secondsUntil(record.retryAt, now));
    const wechat =
      record.lastErrorCode === null
        ? {}
        : { errcode: record.lastErrorCode, errmsg: record.lastErrorMessage ?? "" };
    const base = { ok: false as const, ...wechat, ...(retryAfterSeconds ? { retryAfterSeconds } : {}) };
    switch (record.lastErrorKind) {
      case "quota":
        return { ...base, status: 429, message: `WeChat's quota for ${what} calls is used up` };
      case "budget":
        return {
          ...base,
          status: 429,
          message: `the daily budget of upstream ${what} calls for this appid is used up`,
        };
      case "definite":
        // Without a WeChat errcode the source refused before asking (a platform without a verify ticket).
        return record.lastErrorCode === null && record.lastErrorMessage
          ? { ...base, status: 503, message: `no ${what} can be fetched yet: ${record.lastErrorMessage}` }
          : { ...base, status: 502, message: `WeChat refused to issue an ${what}` };
      default:
        return {
          ...base,
          status: 503,
          message: `WeChat is unreachable and no valid ${what} is held${
            record.lastErrorMessage && record.lastErrorCode === null ? `: ${record.lastErrorMessage}` : ""
          }`,
        };
    }
  }

  /** When a credential issued now renews: ahead of expiry, at this appid's point of its source's spread. */
  private dueAfterIssue(expiresAt: number): number {
    return dueAfterIssue(expiresAt, readSettings(this.env).refreshAheadSeconds, this.source().spreadSeconds);
  }

  /** Where this appid's access_token comes from, as its stored registration says. */
  private source(): CredentialSource {
    const app = this.store.app!;
    return credentialSourceFor(
      app,
      readSettings(this.env).tokenApiBase,
      this.platform.tickets,
      app.source === "authorizer" ? this.componentLink(app) : null,
    );
  }

  /** WeChat refuses the refresh token and the authorizer list has no other: stop refreshing, tell the platform. */
  private async needsReauthorization(): Promise<void> {
    const app = this.store.app;
    if (app?.source !== "authorizer" || app.authorization !== "authorized") return;
    this.store.saveAuthorizer({ refreshToken: null, authorization: "needs_reauthorization" });
    log("authorizer_needs_reauthorization", { appId: app.appId, componentAppId: app.componentAppId });
    await keeperFor(this.env, app.componentAppId ?? "").authorizerNeedsReauthorization(app.appId);
  }

  private ticketIsWarm(ticket: CredentialRecord, now: number): boolean {
    return ticket.lastRequestedAt !== null && now - ticket.lastRequestedAt < TICKET_KEEP_WARM_SECONDS * 1000;
  }

  /**
   * Sets the alarm to the earliest due credential (not before `notBefore`) and tells the schedule
   * shard; returns the alarm time.
   */
  private async arm(notBefore = 0): Promise<number | null> {
    const app = this.store.app;
    if (!app) return null;
    const now = Date.now();
    const access = this.store.credential("access_token");
    const ticket = this.store.credential("jsapi_ticket");
    if (app.source === "authorizer" && app.authorization !== "authorized") {
      // Revoked or needing a new authorization: nothing is refreshed any more.
      await this.ctx.storage.deleteAlarm();
      await this.publishSchedule(app.appId, null);
      return null;
    }
    const due = [access.dueAt, this.ticketIsWarm(ticket, now) ? ticket.dueAt : null].filter(
      (t): t is number => t !== null,
    );
    if (due.length === 0) {
      await this.ctx.storage.deleteAlarm();
      await this.publishSchedule(app.appId, null);
      return null;
    }
    const at = Math.max(Math.min(...due), now, notBefore);
    if ((await this.ctx.storage.getAlarm()) !== at) await this.ctx.storage.setAlarm(at);
    if (!this.alarmRunning) await this.publishSchedule(app.appId, at + SCHEDULE_GRACE_MS);
    return at;
  }

  private async publishSchedule(appId: string, checkBy: number | null): Promise<void> {
    if (checkBy === this.publishedCheckBy) return;
    try {
      await scheduleFor(this.env, appId).record(appId, checkBy);
      this.publishedCheckBy = checkBy;
      if (this.store.app) this.store.countCall(chinaDay(Date.now()), "schedule");
    } catch (error) {
      // The alarm is already set; the schedule is only the cron's backstop, so this is not fatal.
      log("schedule_publish_failed", { appId, error: error instanceof Error ? error.message : "unknown" });
    }
  }
}

export function keeperFor(env: Env, appId: string) {
  return env.TOKEN_KEEPER.getByName(appId);
}

// A stand-in for api.weixin.qq.com (and the Open Platform's side of a third-party platform), built
// on web-standard APIs except for WXBizMsgCrypt (msg-crypt.ts, on node:crypto, so that it stays
// independent of the gateway's Web Crypto implementation). WeChat endpoints live at their real
// paths; the test/dev control API lives under /__sim (control.ts).

import type { AppRegistration, SimulatedApp } from "./app.ts";
import { CodeWebhookReceiver } from "./code-webhook.ts";
import type { ComponentRegistration } from "./component.ts";
import { pushVerifyTicket } from "./component-push.ts";
import { type AppSettingsView, ControlApi, describeAppSettings } from "./control.ts";
import { type ComponentView, describeComponent, registerComponent } from "./control-components.ts";
import { applyFault, isSimulatorDrop, isSuccessfulAnswer, relabel, type SimulatorDrop } from "./faults.ts";
import type { WeChatCall } from "./request.ts";
import { describeRequest } from "./request-log.ts";
import { wechatJson } from "./responses.ts";
import { ridOfFailure } from "./rid-log.ts";
import { appsNamedBy, componentNamedBy, WECHAT_ROUTES } from "./routes.ts";
import { SimulatorState } from "./state.ts";

export type { AppRegistration } from "./app.ts";
export type { AppSettingsView } from "./control.ts";
export type { ComponentView } from "./control-components.ts";
export { isSimulatorDrop, type SimulatorDrop } from "./faults.ts";

export interface WeChatSimulatorOptions {
  /** Milliseconds since the epoch; defaults to Date.now. Each app adds its own offset (see /advance). */
  now?: () => number;
  /**
   * One line per request. Lines never contain secrets or tokens; they do show the verification
   * codes posted to /__sim/codes, since this simulator plays the mailbox that receives them.
   */
  log?: (line: string) => void;
  /**
   * The gateway's CODE_WEBHOOK_SECRET, to check X-Gateway-Signature on POST /__sim/codes;
   * without it (or with "") each received code has signatureValid null.
   */
  codeWebhookSecret?: string;
  /** Where received verification codes are announced (default: `log`); the stand-in for a mailbox. */
  codeLog?: (line: string) => void;
}

export interface RequestMeta {
  /** The caller's IP, for the whitelist error text. Defaults to 127.0.0.1. */
  remoteIp?: string;
  /**
   * The request-target as it came on the wire (Node's req.url), before URL parsing resolved dot
   * segments or dropped characters; defaults to the parsed URL's path and query.
   */
  target?: string;
}

export class WeChatSimulator {
  private readonly state: SimulatorState;
  private readonly control: ControlApi;
  private readonly log: ((line: string) => void) | undefined;

  constructor(opts: WeChatSimulatorOptions = {}) {
    this.state = new SimulatorState(opts.now ?? Date.now);
    const codes = new CodeWebhookReceiver({
      secret: opts.codeWebhookSecret,
      now: this.state.baseNow,
      log: opts.codeLog ?? opts.log,
    });
    this.control = new ControlApi(this.state, codes);
    this.log = opts.log;
    this.state.log = opts.log;
  }

  /** Same as PUT /__sim/apps/{appid}, for in-process callers (the CLI's --app). */
  registerApp(registration: AppRegistration): AppSettingsView {
    return describeAppSettings(this.state.registerApp(registration));
  }

  /** Same as PUT /__sim/components/{appid}, for in-process callers (npm run dev's demo platform). */
  registerComponent(registration: ComponentRegistration): ComponentView {
    return describeComponent(registerComponent(this.state, registration));
  }

  /**
   * What WeChat does every 10 minutes: a new verify ticket pushed to each component that has a
   * pushUrl. Settles when every receiver answered (or failed to).
   */
  async pushVerifyTickets(): Promise<void> {
    const pushes = [...this.state.components.values()]
      .filter((component) => component.settings.pushUrl !== null)
      .map((component) => pushVerifyTicket(this.state, component).delivery);
    await Promise.all(pushes);
  }

  async handle(req: Request, meta: RequestMeta = {}): Promise<Response | SimulatorDrop> {
    const url = new URL(req.url);
    if (url.pathname === "/__sim" || url.pathname.startsWith("/__sim/")) return this.control.handle(req, url);

    // Read once as bytes (multipart files must arrive intact); the text is the same UTF-8 decoding
    // req.text() would give.
    const bodyBytes = new Uint8Array(await req.arrayBuffer());
    const call: WeChatCall = {
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      bodyText: new TextDecoder().decode(bodyBytes),
      bodyBytes,
      remoteIp: meta.remoteIp ?? "127.0.0.1",
      contentType: req.headers.get("content-type"),
    };
    const target = meta.target ?? `${url.pathname}${url.search}`;
    const wirePath = target.split("?")[0] ?? target;
    for (const named of appsNamedBy(this.state, call)) named.received.record(call.method, wirePath);
    componentNamedBy(this.state, call)?.recordCall(call.path);
    const route = WECHAT_ROUTES.get(call.path);
    if (!route) {
      this.log?.(`${call.method} ${call.path} -> 404 no such api`);
      return wechatJson({ errcode: -1, errmsg: "no such api (simulator)" }, 404);
    }

    const app = route.identifyApp(this.state, call);
    if (!app) {
      const answer = await route.handle(this.state, call);
      await this.logAnswer(call, undefined, answer);
      return answer;
    }

    // Counted as a call: every request that names a registered app on these endpoints, whatever
    // happens next (wrong method or secret, whitelist, over quota, or a fault in its place).
    const startedAt = Date.now();
    const invokedAt = app.now();
    app.calls.record(route.callKind(call), call.path, invokedAt);
    // Business requests are logged as received (token calls carry secrets and are only counted).
    if (route.isTokenEndpoint) app.beginTokenCall();
    else if (!route.unlogged) app.requests.add(describeRequest(call, invokedAt));
    try {
      const fault = app.faults.take(call.path);
      if (fault) {
        const outcome = await applyFault(fault, req.signal);
        if (outcome !== "proceed") {
          this.log?.(`${call.method} ${call.path} app=${app.settings.appid} -> fault ${fault.kind}`);
          if (!isSimulatorDrop(outcome)) await recordRid(app, call, outcome, invokedAt, startedAt);
          return outcome;
        }
      }
      let answer = await route.handle(this.state, call);
      if (app.faults.hasAnswerRewrite(call.path) && (await isSuccessfulAnswer(answer))) {
        const rewrite = app.faults.takeAnswerRewrite(call.path);
        if (rewrite) answer = relabel(answer, rewrite);
      }
      await recordRid(app, call, answer, invokedAt, startedAt);
      await this.logAnswer(call, app.settings.appid, answer);
      return answer;
    } finally {
      if (route.isTokenEndpoint) app.endTokenCall();
    }
  }

  /**
   * Logs the status and errcode (or the Content-Type of anything not labelled JSON: images, media,
   * which are never read here) only: bodies carry tokens and tickets.
   */
  private async logAnswer(call: WeChatCall, appid: string | undefined, answer: Response): Promise<void> {
    if (!this.log) return;
    const contentType = answer.headers.get("content-type") ?? "";
    const isJson = contentType === "" || contentType.includes("json");
    const outcome = isJson
      ? `errcode ${/"errcode":(-?\d+)/.exec(await answer.clone().text())?.[1] ?? "0"}`
      : contentType;
    this.log(`${call.method} ${call.path} app=${appid ?? "-"} -> ${answer.status} ${outcome}`);
  }
}

/** A failed answer's rid, remembered with what the app sent, for openapi/rid/get. */
async function recordRid(
  app: SimulatedApp,
  call: WeChatCall,
  answer: Response,
  invokedAt: number,
  startedAt: number,
): Promise<void> {
  const failure = await ridOfFailure(answer);
  if (failure) app.rids.record(failure.rid, call, failure.text, invokedAt, Date.now() - startedAt);
}

// Fault injection: ways WeChat (or the network in front of it) misbehaves, queued per app.
// A fault is applied before normal processing; a faulted request issues nothing. The exception is
// "contentType", which lets the request through and relabels its successful answer (a proxy that
// rewrites headers), so clients can be tested on telling images from JSON by their bytes.

import { WECHAT_ERRORS, WECHAT_JSON_CONTENT_TYPE, wechatError } from "./responses.ts";

export const FAULT_KINDS = [
  "busy",
  "busy1000",
  "http500",
  "garbage",
  "slow",
  "drop",
  "errcode",
  "contentType",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** A slow fault with no delay given stalls for 30 s: longer than any sane client timeout. */
export const DEFAULT_SLOW_DELAY_MS = 30_000;

export interface Fault {
  readonly kind: FaultKind;
  /** Request paths it applies to ("/cgi-bin/token"); null = every path of the app. */
  readonly paths: readonly string[] | null;
  /** For "slow": how long to stall before answering normally. */
  readonly delayMs: number;
  /** For "errcode": the WeChat error to answer with. */
  readonly errcode: number;
  readonly errmsg: string;
  /** For "contentType": the Content-Type successful answers get instead; "" = no Content-Type at all. */
  readonly contentType: string;
}

/** "Destroy the connection without answering"; the HTTP adapter turns it into a socket reset. */
export interface SimulatorDrop {
  readonly drop: true;
}
const SIMULATOR_DROP: SimulatorDrop = Object.freeze({ drop: true });

export function isSimulatorDrop(value: unknown): value is SimulatorDrop {
  return value === SIMULATOR_DROP;
}

/** What a fault does to a request: answer in its place, or let it through (a slow fault, after the delay). */
export type FaultOutcome = Response | SimulatorDrop | "proceed";

interface QueuedFault {
  readonly fault: Fault;
  remaining: number;
}

function appliesTo(fault: Fault, path: string): boolean {
  return fault.paths === null || fault.paths.includes(path);
}

function rewritesAnswers(fault: Fault): boolean {
  return fault.kind === "contentType";
}

/** An app's queued one-shot faults plus an optional persistent outage. */
export class FaultBook {
  private queue: QueuedFault[] = [];
  outage: Fault | null = null;

  enqueue(fault: Fault, times: number): void {
    this.queue.push({ fault, remaining: times });
  }

  clearQueue(): void {
    this.queue = [];
  }

  /**
   * The fault that answers in place of this request, if any: queued faults go first (each consumed
   * once); otherwise the outage, if any, applies. contentType faults are left for takeAnswerRewrite.
   */
  take(path: string): Fault | null {
    return this.takeMatching(path, (fault) => !rewritesAnswers(fault));
  }

  /** Whether a contentType fault waits for this path (so the answer is worth inspecting). */
  hasAnswerRewrite(path: string): boolean {
    return (
      this.queue.some((q) => rewritesAnswers(q.fault) && appliesTo(q.fault, path)) ||
      (this.outage !== null && rewritesAnswers(this.outage) && appliesTo(this.outage, path))
    );
  }

  /** Takes the contentType fault for a successful answer on this path (consumed like any queued fault). */
  takeAnswerRewrite(path: string): Fault | null {
    return this.takeMatching(path, rewritesAnswers);
  }

  private takeMatching(path: string, kindMatches: (fault: Fault) => boolean): Fault | null {
    const queued = this.queue.find((q) => kindMatches(q.fault) && appliesTo(q.fault, path));
    if (queued) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) this.queue = this.queue.filter((q) => q !== queued);
      return queued.fault;
    }
    return this.outage && kindMatches(this.outage) && appliesTo(this.outage, path) ? this.outage : null;
  }

  describeQueue(): { kind: FaultKind; remaining: number; paths: readonly string[] | null }[] {
    return this.queue.map((q) => ({ kind: q.fault.kind, remaining: q.remaining, paths: q.fault.paths }));
  }
}

/** Waits `ms`, or less if the client hangs up; resolves true only if the full delay passed. */
function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Something a tired HTTP proxy in front of WeChat might send: not JSON, though labelled so. */
const GARBAGE_BODY = '{"access_token":"0_garbage","expires_in":72';
const HTTP_500_BODY = "<html><body><h1>500 Internal Server Error</h1></body></html>";

export async function applyFault(fault: Fault, signal: AbortSignal): Promise<FaultOutcome> {
  switch (fault.kind) {
    case "busy":
      return wechatError(WECHAT_ERRORS.systemBusy);
    case "busy1000":
      return wechatError(WECHAT_ERRORS.systemBusy1000);
    case "errcode":
      return wechatError({ errcode: fault.errcode, errmsg: fault.errmsg });
    case "http500":
      return new Response(HTTP_500_BODY, { status: 500, headers: { "Content-Type": "text/html" } });
    case "garbage":
      return new Response(GARBAGE_BODY, {
        status: 200,
        headers: { "Content-Type": WECHAT_JSON_CONTENT_TYPE },
      });
    case "drop":
      return SIMULATOR_DROP;
    case "slow":
      // If the client gave up meanwhile there is nobody to answer, and nothing must be issued.
      return (await waitUnlessAborted(fault.delayMs, signal)) ? "proceed" : SIMULATOR_DROP;
    case "contentType":
      return "proceed";
  }
}

/**
 * A successful WeChat answer: HTTP 200 that is not WeChat JSON (an image, downloaded media), or
 * WeChat JSON whose errcode is absent or 0. Only JSON is read: media bytes may be anything.
 */
export async function isSuccessfulAnswer(answer: Response): Promise<boolean> {
  if (answer.status !== 200) return false;
  if (answer.headers.get("content-type") !== WECHAT_JSON_CONTENT_TYPE) return true;
  const errcode = /"errcode"\s*:\s*(-?\d+)/.exec(await answer.clone().text())?.[1];
  return errcode === undefined || errcode === "0";
}

/** The same answer under another Content-Type, or none when the fault says "". */
export function relabel(answer: Response, fault: Fault): Response {
  const headers = new Headers(answer.headers);
  if (fault.contentType === "") headers.delete("content-type");
  else headers.set("content-type", fault.contentType);
  // The body goes over as a stream, so the Response constructor adds no text/plain default.
  return new Response(answer.body, { status: answer.status, headers });
}

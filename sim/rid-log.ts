// What WeChat remembers of an app's failed calls, by the rid its errmsg ended with, so that
// /cgi-bin/openapi/rid/get can say what it saw (WECHAT.md §18): when, how long it took, the URL's
// parameters, the body, the answer and the caller's IP. Kept 7 days of the app's clock.

import { RID_LIFETIME_SECONDS, SIM_LOGGED_BODY_MAX_CHARS, SIM_RIDS_KEPT_PER_APP } from "./limits.ts";
import type { WeChatCall } from "./request.ts";
import { WECHAT_JSON_CONTENT_TYPE } from "./responses.ts";

/** rid/get's `request` object, field for field. */
export interface RidRecord {
  /** Unix seconds (app clock). */
  invoke_time: number;
  cost_in_ms: number;
  /** The query string, with the access_token cut short as WeChat shows it ("50_Im7xxxx"). */
  request_url: string;
  request_body: string;
  response_body: string;
  client_ip: string;
}

/** The errmsg suffix WeChat puts on every failure: "rid: 655d9278-7c157f97-69055077". */
const RID_IN_ERRMSG = /rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})$/;
/** WeChat's own example shows this much of the token ("50_Im7xxxx"): enough to tell tokens apart. */
const TOKEN_SHOWN_CHARS = 6;
/** Query parameters shown cut short like the token: the classic token call's secret too. */
const SHORTENED_PARAMETERS = new Set(["access_token", "secret"]);
/** The stable token call's secret, in its JSON body. */
const SECRET_IN_JSON = /("secret"\s*:\s*")([^"\\]*)"/g;

function shortened(value: string): string {
  return `${value.slice(0, TOKEN_SHOWN_CHARS)}xxxx`;
}

function shownQuery(query: URLSearchParams): string {
  const shown = new URLSearchParams();
  for (const [name, value] of query)
    shown.append(name, SHORTENED_PARAMETERS.has(name) ? shortened(value) : value);
  return shown.toString();
}

/** The body as sent (cut to 4 KB, a secret cut short). */
function shownBody(bodyText: string): string {
  return bodyText
    .slice(0, SIM_LOGGED_BODY_MAX_CHARS)
    .replace(SECRET_IN_JSON, (_match, key: string, value: string) => `${key}${shortened(value)}"`);
}

/** The rid of a failed WeChat JSON answer (errcode other than 0), or null for anything else. */
export async function ridOfFailure(answer: Response): Promise<{ rid: string; text: string } | null> {
  if (answer.headers.get("content-type") !== WECHAT_JSON_CONTENT_TYPE) return null;
  const text = await answer.clone().text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const { errcode, errmsg } = (parsed ?? {}) as { errcode?: unknown; errmsg?: unknown };
  if (typeof errcode !== "number" || errcode === 0 || typeof errmsg !== "string") return null;
  const rid = RID_IN_ERRMSG.exec(errmsg)?.[1];
  return rid ? { rid, text } : null;
}

export class RidLog {
  /** Insertion order is age order, so the oldest go first when the log is full. */
  private readonly records = new Map<string, { record: RidRecord; at: number }>();

  record(rid: string, call: WeChatCall, responseText: string, at: number, costMs: number): void {
    this.records.set(rid, {
      at,
      record: {
        invoke_time: Math.floor(at / 1000),
        cost_in_ms: costMs,
        request_url: shownQuery(call.query),
        request_body: shownBody(call.bodyText),
        response_body: responseText,
        client_ip: call.remoteIp,
      },
    });
    for (const oldest of this.records.keys()) {
      if (this.records.size <= SIM_RIDS_KEPT_PER_APP) break;
      this.records.delete(oldest);
    }
  }

  /** The record while it lives (7 days of the app's clock), else undefined. */
  find(rid: string, now: number): RidRecord | undefined {
    const found = this.records.get(rid);
    if (!found || now - found.at > RID_LIFETIME_SECONDS * 1000) return undefined;
    return found.record;
  }

  /** Whether this app ever issued the rid, live or not (rid/get tells another account's rid apart). */
  has(rid: string): boolean {
    return this.records.has(rid);
  }
}

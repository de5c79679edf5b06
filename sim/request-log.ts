// The last business requests an app received, as the client sent them, so tests of a client can
// check what went over the wire: "the token goes in the query, never the body", "unknown fields
// are passed through", the Content-Type sent.

import { SIM_HISTORY_LENGTH, SIM_LOGGED_BODY_MAX_CHARS } from "./limits.ts";
import type { WeChatCall } from "./request.ts";

export interface LoggedRequest {
  /** App-clock milliseconds. */
  at: number;
  method: string;
  path: string;
  /**
   * Every query parameter except access_token (see accessTokenInQuery); a secret or a
   * component_access_token shows as "<redacted>".
   */
  query: Record<string, string>;
  accessTokenInQuery: boolean;
  /** The body as UTF-8 text (binary bytes show as U+FFFD), cut to 4 KB. */
  bodyText: string;
  /** Bytes in the whole body, as sent (the same as its characters for ASCII JSON). */
  bodyLength: number;
  /** The body mentions "access_token" or carries the query's token value. */
  bodyHasAccessToken: boolean;
  /** The request's Content-Type header, null when it sent none. */
  contentType: string | null;
}

/** Query parameters never shown, only noted: the token has its own flag, the secret is just marked. */
const REDACTED_QUERY_VALUE = "<redacted>";
/** The app secret, and a third-party platform's token (on its endpoints and component jscode2session). */
const REDACTED_QUERY_PARAMETERS = new Set(["secret", "component_access_token"]);

export function describeRequest(call: WeChatCall, at: number): LoggedRequest {
  const query: Record<string, string> = {};
  for (const [name, value] of call.query) {
    if (name === "access_token") continue;
    query[name] = REDACTED_QUERY_PARAMETERS.has(name) ? REDACTED_QUERY_VALUE : value;
  }
  const token = call.query.get("access_token");
  return {
    at,
    method: call.method,
    path: call.path,
    query,
    accessTokenInQuery: call.query.has("access_token"),
    bodyText: call.bodyText.slice(0, SIM_LOGGED_BODY_MAX_CHARS),
    bodyLength: call.bodyBytes.length,
    bodyHasAccessToken:
      call.bodyText.includes("access_token") ||
      (token !== null && token !== "" && call.bodyText.includes(token)),
    contentType: call.contentType,
  };
}

/** Keeps the newest 50 entries, oldest first. */
export class History<T> {
  private entries: T[] = [];

  add(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > SIM_HISTORY_LENGTH) this.entries = this.entries.slice(-SIM_HISTORY_LENGTH);
  }

  list(): T[] {
    return [...this.entries];
  }
}

import type { KeeperFailure } from "./tokens/results.ts";
import type { BusinessFailure } from "./wechat/failures.ts";

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 502 | 503;

/**
 * The one error type of the gateway. `app.onError` turns it into the §3 envelope; anything else
 * thrown is logged and answered as a 500 without details.
 */
export class GatewayError extends Error {
  readonly status: ErrorStatus;
  readonly errcode: number | undefined;
  readonly errmsg: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    status: ErrorStatus,
    message: string,
    extra: {
      errcode?: number | undefined;
      errmsg?: string | undefined;
      retryAfterSeconds?: number | undefined;
    } = {},
  ) {
    super(message);
    this.name = "GatewayError";
    this.status = status;
    this.errcode = extra.errcode;
    this.errmsg = extra.errmsg;
    this.retryAfterSeconds = extra.retryAfterSeconds;
  }

  /** From a failure that crossed an RPC boundary (a keeper's answer) or a WeChat business call. */
  static from(failure: KeeperFailure | BusinessFailure): GatewayError {
    return new GatewayError(failure.status, failure.message, failure);
  }
}

// The one error type of the gateway and the plain failure it is made from. Every layer may refuse
// with them; routes/envelope.ts is the one place that turns them into an HTTP answer.

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 429 | 502 | 503;

/**
 * A refusal as plain data: what a Durable Object answers across RPC (error classes lose their
 * properties on the way) and what the WeChat client makes of a failed call. `S` narrows the
 * statuses a producer can answer with.
 */
export type Failure<S extends ErrorStatus = ErrorStatus> = {
  ok: false;
  /** The HTTP status the gateway answers with: it says whose fault the failure is. */
  status: S;
  message: string;
  /** WeChat's errcode and errmsg, as WeChat sent them, when WeChat caused the failure. */
  errcode?: number;
  errmsg?: string;
  retryAfterSeconds?: number;
};

/**
 * The one error type of the gateway. `app.onError` turns it into the error envelope
 * (`{code, data: null, error}`, with WeChat's errcode/errmsg when WeChat caused it); anything else
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
  static from(failure: Failure): GatewayError {
    return new GatewayError(failure.status, failure.message, failure);
  }
}

/**
 * The success branch of a result, or its failure thrown as a GatewayError: the one unwrap of a
 * Durable Object's answer, a credential or a directory refusal into the envelope's error.
 */
export function orThrow<R extends { ok: boolean }>(result: R): Extract<R, { ok: true }> {
  if (!result.ok) throw GatewayError.from(result as unknown as Failure);
  return result as Extract<R, { ok: true }>;
}

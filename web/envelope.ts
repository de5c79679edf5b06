// The gateway's JSON envelope as the pages read it: one fetch for every JSON call they make.

type Envelope = { code?: number; data?: unknown; error?: string; errcode?: number; errmsg?: string };

export type Answer<T> =
  | { ok: true; status: number; data: T }
  | { ok: false; status: number; message: string };

/** The envelope's error, with WeChat's errcode and the wait the gateway asked for, if any. */
function describeFailure(status: number, body: Envelope | null, retryAfter: string | null): string {
  let message = body?.error || `the gateway answered HTTP ${status}`;
  if (body?.errcode !== undefined) message += ` (WeChat errcode ${body.errcode}: ${body.errmsg ?? ""})`;
  if (retryAfter) message += ` Retry after ${retryAfter} s.`;
  return message;
}

/** Calls the gateway (same origin, no cookies) with an optional Bearer token and JSON body. */
export async function callGateway<T>(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    return { ok: false, status: 0, message: "the gateway did not answer (network error)" };
  }
  const envelope = (await response.json().catch(() => null)) as Envelope | null;
  if (response.ok && envelope?.code === 200)
    return { ok: true, status: response.status, data: envelope.data as T };
  return {
    ok: false,
    status: response.status,
    message: describeFailure(response.status, envelope, response.headers.get("Retry-After")),
  };
}

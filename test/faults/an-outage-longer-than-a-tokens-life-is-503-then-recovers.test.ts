import { describe, it } from "vitest";
import { FAST_FAULTS, outageOutlivesTheToken } from "./fault-matrix.ts";

// Fault matrix: an outage (token refreshes and a business API) that outlasts the held token's 600 s
// life. The token is served while it lives, then reads, gateway calls and the proxy say WeChat is
// unreachable (503 / WeChat's -1) without hammering WeChat, and the keeper's own alarm gets a fresh
// token once WeChat is back. The slow variant is in a-slow-wechat-is-abandoned-at-each-timeout.test.ts.

describe.concurrent("an outage longer than a token's life", () => {
  it.each(FAST_FAULTS)(
    "%s on every call past the token's life → served while it lives, then 503, then the alarm gets a fresh token",
    (kind) => outageOutlivesTheToken(kind, `lo-${kind}`, { renewalFailsFirst: true }),
  );
});

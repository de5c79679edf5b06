import { describe, it } from "vitest";
import { expectedGatewayOutcome, FAST_FAULTS, type GatewayApi, gatewayCall } from "./fault-matrix.ts";

// Fault matrix, path (b): §6 gateway calls, a POST (UrlLinkGenerate → /wxa/generate_urllink) and a GET
// (UserInfo → /cgi-bin/user/info, an official account), each faulted once or on every attempt, with a
// token already held. Busy and HTTP 5xx are retried (3 attempts); garbage and drops only on the GET.
// The slow fault is in a-slow-wechat-is-abandoned-at-each-timeout.test.ts. Expectations: fault-matrix.ts.

const APIS: GatewayApi[] = ["UrlLinkGenerate (POST)", "UserInfo (GET)"];
const TIMES = ["once", "every"] as const;

const GATEWAY_CELLS = FAST_FAULTS.flatMap((kind) =>
  APIS.flatMap((api) =>
    TIMES.map((times) => {
      const { status, calls } = expectedGatewayOutcome(kind, api.endsWith("(GET)") ? "GET" : "POST", times);
      const outcome =
        status === 200 ? `200 after ${calls} calls` : `503 after ${calls} call${calls > 1 ? "s" : ""}`;
      return { kind, api, times, when: times === "once" ? "once" : "every time", outcome };
    }),
  ),
);

describe.concurrent("(b) a gateway call", () => {
  it.each(GATEWAY_CELLS)("$kind $when on $api → $outcome, the held token untouched", ({ kind, api, times }) =>
    gatewayCall(kind, `gw-${api.startsWith("Url") ? "link" : "user"}-${times}-${kind}`, api, times),
  );
});

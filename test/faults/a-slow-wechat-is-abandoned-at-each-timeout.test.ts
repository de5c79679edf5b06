import { beforeAll, describe, it } from "vitest";
import {
  coldRefreshFaultedEveryTime,
  coldRefreshFaultedOnce,
  dueRefresh,
  gatewayCall,
  outageOutlivesTheToken,
  proxyCall,
} from "./fault-matrix.ts";

// Fault matrix, the slow fault on every path: WeChat answers just after each client's timeout, so every
// slow answer is abandoned — token calls at UPSTREAM_TIMEOUT_MS (5 s), gateway calls at
// BUSINESS_TIMEOUT_MS (10 s), the proxy at PROXY_TIMEOUT_MS (30 s). Expectations: fault-matrix.ts.
//
// Each cell waits out real timeouts (up to 4 × 5 s, 3 × 10 s or 30 s), so all of them start together
// in beforeAll, each on its own app, and each test awaits its own cell: the file takes as long as its
// slowest cell (~31 s) instead of their sum, which also holds when vitest runs the files one at a time
// (one worker on a 2-CPU machine). describe.concurrent would run at most 5 at once (maxConcurrency).

const CELL_TIMEOUT_MS = 90_000;

const CELLS: { name: string; run: () => Promise<void> }[] = [
  // (a) the token refresh
  {
    name: "slow once on a cold app's token call → abandoned at 5 s, retried, and the read gets a token WeChat accepts",
    run: () => coldRefreshFaultedOnce("slow", "tk-cold1-slow"),
  },
  {
    name: "slow on every token call of a cold app → 503 with Retry-After after 4 × 5 s, a token once WeChat is back",
    run: () => coldRefreshFaultedEveryTime("slow", "tk-coldall-slow"),
  },
  {
    name: "slow once on the due refresh of a held token → the read is answered at once, the retry renews it",
    run: () => dueRefresh("slow", "tk-due1-slow", "once"),
  },
  {
    name: "slow on every call of the due refresh of a held token → the held token is kept and still works",
    run: () => dueRefresh("slow", "tk-dueall-slow", "every"),
  },
  {
    name: "slow on every token call after the held token's life ran out → 503, then the alarm gets a fresh token",
    run: () => outageOutlivesTheToken("slow", "lo-slow", { renewalFailsFirst: false }),
  },
  // (b) a gateway call: a POST that timed out may have been done, so only the GET is asked again
  {
    name: "slow once on UrlLinkGenerate (POST) → 503 after one 10 s call, no link made, the held token untouched",
    run: () => gatewayCall("slow", "gw-link-once-slow", "UrlLinkGenerate (POST)", "once"),
  },
  {
    name: "slow every time on UrlLinkGenerate (POST) → 503 after one 10 s call, not repeated, the held token untouched",
    run: () => gatewayCall("slow", "gw-link-every-slow", "UrlLinkGenerate (POST)", "every"),
  },
  {
    name: "slow once on UserInfo (GET) → 200 after a retry, the held token untouched",
    run: () => gatewayCall("slow", "gw-user-once-slow", "UserInfo (GET)", "once"),
  },
  {
    name: "slow every time on UserInfo (GET) → 503 after 3 × 10 s, the held token untouched",
    run: () => gatewayCall("slow", "gw-user-every-slow", "UserInfo (GET)", "every"),
  },
  // (c) the proxy
  {
    name: 'slow on get_api_domain_ip (GET) via the proxy → 502 {"errcode":-1} after 30 s, the SDK\'s token untouched',
    run: () => proxyCall("slow", "px-ip-slow", "get_api_domain_ip (GET)"),
  },
  {
    name: 'slow on generate_urllink (POST) via the proxy → 502 {"errcode":-1} after 30 s, the SDK\'s token untouched',
    run: () => proxyCall("slow", "px-link-slow", "generate_urllink (POST)"),
  },
];

/** Each cell's outcome: null when it passed, else what it threw (settled here, so never unhandled). */
const outcomes = new Map<string, Promise<unknown>>();

describe("the slow fault on every path", () => {
  beforeAll(() => {
    for (const cell of CELLS) {
      outcomes.set(
        cell.name,
        cell.run().then(
          () => null,
          (error: unknown) => error ?? new Error("the cell failed"),
        ),
      );
    }
  });

  it.each(CELLS)(
    "$name",
    async ({ name }) => {
      const error = await outcomes.get(name);
      if (error) throw error;
    },
    CELL_TIMEOUT_MS,
  );
});

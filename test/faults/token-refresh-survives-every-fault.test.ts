import { describe, it } from "vitest";
import {
  coldRefreshFaultedEveryTime,
  coldRefreshFaultedOnce,
  dueRefresh,
  FAST_FAULTS,
} from "./fault-matrix.ts";

// Fault matrix, path (a): the keeper's token refresh (GET /Wechat/{appKey}/AccessToken), on a cold app
// and as the due renewal of a held token, against the faults that answer at once. The slow fault is in
// a-slow-wechat-is-abandoned-at-each-timeout.test.ts. Expectations and their sources: fault-matrix.ts.

describe.concurrent("(a) the token refresh", () => {
  it.each(FAST_FAULTS)(
    "%s once on a cold app's token call → retried, and the read gets a token WeChat accepts",
    (kind) => coldRefreshFaultedOnce(kind, `tk-cold1-${kind}`),
  );

  it.each(FAST_FAULTS)(
    "%s on every token call of a cold app → 503 with Retry-After after 4 attempts, a token once WeChat is back",
    (kind) => coldRefreshFaultedEveryTime(kind, `tk-coldall-${kind}`),
  );

  it.each(FAST_FAULTS)(
    "%s once on the due refresh of a held token → the read is answered at once, the retry renews it",
    (kind) => dueRefresh(kind, `tk-due1-${kind}`, "once"),
  );

  it.each(FAST_FAULTS)(
    "%s on every call of the due refresh of a held token → the held token is kept and still works",
    (kind) => dueRefresh(kind, `tk-dueall-${kind}`, "every"),
  );
});

import { describe, expect, it } from "vitest";
import { call, getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { rejectEveryCallTo, rejectedProxyCall } from "../support/rejected-calls.ts";
import { errcodeWith } from "../support/simulator.ts";

// SPEC §5, quota care under abuse: a caller that replays calls WeChat answers with 40001 (an API
// the token does not fit, another app's API, a bug) cannot turn each rejection into a token call.
// The simulator answers 40001 on one path whatever the token, the way WeChat does for such calls.

const CALLS = 300;
const AT_ONCE = 10;
/** The first fetch, one report-driven refresh, and a little room: "a handful", not one per call. */
const HANDFUL = 4;

async function inBatches(count: number, send: () => Promise<unknown>) {
  for (let sent = 0; sent < count; sent += AT_ONCE) {
    await Promise.all(Array.from({ length: Math.min(AT_ONCE, count - sent) }, send));
  }
}

describe("quota care under abuse", () => {
  it.each(["classic", "stable"] as const)(
    "%s mode: hundreds of proxied calls that WeChat rejects cost a handful of token calls",
    async (tokenMode) => {
      const suffix = tokenMode === "classic" ? "1" : "2";
      const app = await registerApp(`rejected-proxy-${tokenMode}`, `wxrejectedproxy${suffix}`, { tokenMode });
      await rejectEveryCallTo(app.appId);
      let rejected = 0;
      await inBatches(CALLS, async () => {
        if ((await rejectedProxyCall(app)) === 40001) rejected++;
      });

      expect(rejected).toBe(CALLS);
      expect(await upstreamTokenCalls(app.appId)).toBeLessThanOrEqual(HANDFUL);
      const token = (await getToken(app)).body.data.access_token;
      expect(await errcodeWith(token)).toBe(0);
    },
    60_000,
  );

  it("hundreds of API v1 calls that WeChat rejects cost a handful of token calls", async () => {
    const app = await registerApp("rejected-api-v1", "wxrejectedapiv1", { tokenMode: "classic" });
    await rejectEveryCallTo(app.appId, "/wxa/generate_urllink");
    const statuses = new Set<number>();
    await inBatches(CALLS, async () => {
      const answer = await call("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
        token: app.apiKey,
        body: { path: "pages/index/index" },
      });
      statuses.add(answer.status);
    });

    expect([...statuses]).toEqual([502]);
    expect(await upstreamTokenCalls(app.appId)).toBeLessThanOrEqual(HANDFUL);
    const token = (await getToken(app)).body.data.access_token;
    expect(await errcodeWith(token)).toBe(0);
  }, 60_000);
});

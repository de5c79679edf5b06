import { describe, expect, it } from "vitest";
import { getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { sim } from "../support/simulator.ts";
import { sdkClassicToken, sdkStableToken, viaProxyJson } from "./proxy-client.ts";

// Issue 5: SDKs "refresh" through /cgi-bin/token and /cgi-bin/stable_token (force_refresh
// included) as often as they like; they always get the shared token and never cause an upstream
// token call, so two of them never break each other.

describe("token calls through the proxy", () => {
  it("two SDKs refreshing in turn share one token and one upstream call", async () => {
    const app = await registerApp("proxy-share", "wxproxyshare0001", { tokenMode: "classic" });
    const tokens = new Set<unknown>();
    for (let round = 0; round < 5; round++) {
      const a = await sdkClassicToken(app);
      const b = await sdkStableToken(app, true);
      const c = await sdkStableToken(app, false);
      for (const answer of [a, b, c]) {
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ access_token: expect.any(String), expires_in: expect.any(Number) });
        tokens.add(answer.body.access_token);
      }
    }
    expect(tokens.size).toBe(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
    expect([...tokens][0]).toBe((await getToken(app)).body.data.access_token);

    // Each SDK uses what it got; neither invalidated the other's.
    const [token] = [...tokens] as string[];
    const call = await viaProxyJson(app, "/cgi-bin/get_api_domain_ip", { query: { access_token: token! } });
    expect(call.body).toMatchObject({ ip_list: expect.any(Array) });
  });

  it("expires_in is the shared token's seconds left", async () => {
    const app = await registerApp("proxy-expires", "wxproxyexpire001");
    const held = (await getToken(app)).body.data;
    const answer = await sdkClassicToken(app);
    expect(answer.body.access_token).toBe(held.access_token);
    expect(Math.abs(Number(answer.body.expires_in) - held.expires_in)).toBeLessThanOrEqual(1);
  });

  it("20 concurrent SDK refreshes of a cold app make one upstream call", async () => {
    const app = await registerApp("proxy-cold", "wxproxycold00001");
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? sdkClassicToken(app) : sdkStableToken(app, true))),
    );
    expect(new Set(answers.map((a) => a.body.access_token)).size).toBe(1);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
    expect((await sim.state(app.appId)).calls.stableForce).toBe(0);
  });
});

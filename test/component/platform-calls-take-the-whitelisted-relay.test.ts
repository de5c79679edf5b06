// WECHAT.md §16: component calls need the platform's whitelisted IPs (61004), and Workers have no
// fixed egress, so every one of them must take WECHAT_TOKEN_API_BASE, the fixed-IP relay, while
// business calls go to WeChat directly. The tests' relay (test/support/token-relay-server.ts)
// forwards like the README's nginx and lists the paths it carried.

import { describe, expect, inject, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import { admin, call, type Envelope, getToken } from "../support/gateway.ts";

async function pathsThroughTheRelay(): Promise<string[]> {
  const answer = await fetch(`${inject("tokenRelayUrl")}/__relay/seen`);
  return (await answer.json()) as string[];
}

describe("the IP-whitelist relay", () => {
  it("carries the platform's calls and the authorizer's token calls, not its business calls", async () => {
    const { app } = await boundAuthorizer(
      "relay-platform",
      "wxcomprelay00001",
      "relay-app",
      "wxauthrelay000001",
    );
    expect((await getToken(app)).status).toBe(200);
    // The first token came with the authorization; a forced refresh asks api_authorizer_token.
    expect((await admin("POST", `/apps/${app.appKey}/token/refresh`)).status).toBe(200);
    const link = await call<Envelope<string>>("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: { path: "pages/index/index" },
    });
    expect(link.status).toBe(200);

    const relayed = new Set(await pathsThroughTheRelay());
    for (const path of [
      "/cgi-bin/component/api_component_token",
      "/cgi-bin/component/api_query_auth",
      "/cgi-bin/component/api_authorizer_token",
    ]) {
      expect(relayed, path).toContain(path);
    }
    expect(relayed).not.toContain("/wxa/generate_urllink");
  });
});

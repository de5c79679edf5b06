// Hono matches a request with one precompiled regular expression (RegExpRouter) only when every
// route of the app can be compiled into it; one pattern that cannot (two patterns ambiguous at the
// same segment, e.g. /proxy/component/:key/* beside /proxy/:appKey/*) silently switches every
// request to the trie router, the largest JavaScript cost in a CPU profile of a proxied call.

import { SELF } from "cloudflare:test";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { describe, expect, it } from "vitest";
import { app } from "../../src/routes/app.ts";

describe("every route compiles into one RegExpRouter", () => {
  it("builds a RegExpRouter from every route the app declares", () => {
    const router = new RegExpRouter<string>();
    for (const route of app.routes) router.add(route.method, route.path, route.path);
    expect(() => router.match("GET", "/healthz")).not.toThrow();
  });

  it("serves requests through the RegExpRouter", async () => {
    const answer = await SELF.fetch("https://gateway.test/healthz");
    expect(answer.status).toBe(200);
    expect(app.router.name).toBe("SmartRouter + RegExpRouter");
  });

  it("still sends /proxy/component/… to the platform's proxy and other first segments to the apps' proxy", async () => {
    const platform = await SELF.fetch(
      "https://gateway.test/proxy/component/no-such-platform/cgi-bin/component/api_query_auth",
    );
    expect(await platform.json()).toMatchObject({
      errmsg: expect.stringContaining("no platform is registered"),
    });
    const appProxy = await SELF.fetch("https://gateway.test/proxy/no-such-app-rx/cgi-bin/get_api_domain_ip");
    expect(await appProxy.json()).toMatchObject({ errmsg: expect.stringContaining("no app is registered") });
  });
});

import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getToken, registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { keeper } from "../support/keeper.ts";

describe("persistence", () => {
  it("an evicted keeper serves its stored token without asking WeChat again", async () => {
    const app = await registerApp("restart-app", "wxrestart000001");
    const before = await getToken(app);
    expect(before.status).toBe(200);

    await evictDurableObject(keeper(app.appId));
    const after = await getToken(app);

    expect(after.status).toBe(200);
    expect(after.body.data.access_token).toBe(before.body.data.access_token);
    expect(after.body.data.create_time).toBe(before.body.data.create_time);
    expect(await upstreamTokenCalls(app.appId)).toBe(1);
  });
});

import { describe, expect, it } from "vitest";
import { SECRET, sim } from "../support/simulator.ts";

describe("the control API manages users, authorizations, templates, pages and risky words", () => {
  it("a new app has the demo pages, templates and risky words, and the new quotas", async () => {
    const appid = "wxsimctlu0000001";
    expect(await sim.registerApp(appid)).toMatchObject({
      published: true,
      pages: ["pages/index/index", "pages/login/login", "pages/order/detail"],
      templates: {
        "tmpl-order-shipped": ["thing1", "character_string2", "time3"],
        "tmpl-oa-notice": ["content"],
      },
      riskyWords: ["赌博", "代开发票", "risky-test", "fraud-test"],
      quotas: { links: 500000, wxacodeUnlimitPerMinute: 5000, wxacodeDaily: 10000, wxacodeTotal: 100000 },
    });
  });

  it("PUT replaces pages and risky words, merges templates (null removes one), and keeps what it omits", async () => {
    const appid = "wxsimctlu0000002";
    await sim.registerApp(appid);
    const updated = await sim.raw("PUT", `/apps/${appid}`, {
      published: false,
      pages: ["pages/home/home"],
      templates: { "tmpl-new": ["thing1"], "tmpl-oa-notice": null },
      riskyWords: [],
      quotas: { links: 7 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      published: false,
      pages: ["pages/home/home"],
      templates: { "tmpl-order-shipped": ["thing1", "character_string2", "time3"], "tmpl-new": ["thing1"] },
      riskyWords: [],
      quotas: { links: 7, wxacodeDaily: 10000 },
    });
    expect((updated.body as { templates: object }).templates).not.toHaveProperty("tmpl-oa-notice");
    const bad = await sim.raw("PUT", `/apps/${appid}`, { secret: SECRET, pages: "pages/home/home" });
    expect(bad.status).toBe(400);
  });

  it("users: PUT creates or updates, GET shows session_key and authorizations, unknown users are 404", async () => {
    const appid = "wxsimctlu0000003";
    await sim.registerApp(appid);
    const created = await sim.putUser(appid, "oControlledUser0000000000003");
    expect(created).toMatchObject({
      openid: "oControlledUser0000000000003",
      subscribe: 1,
      session_key: null,
    });
    expect(created.unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
    const unfollowed = await sim.putUser(appid, created.openid, { subscribe: 0, unionid: null });
    expect(unfollowed).toMatchObject({ subscribe: 0, unionid: null });
    const { session_key } = await sim.loginCode(appid, { openid: created.openid });
    expect((await sim.user(appid, created.openid)).session_key).toBe(session_key);
    expect((await sim.raw("GET", `/apps/${appid}/users/oNoSuchUser`)).status).toBe(404);
    expect((await sim.state(appid)).users.map((u) => u.openid)).toEqual([created.openid]);
  });

  it("authorizations add up per template and scene; the template must be the app's", async () => {
    const appid = "wxsimctlu0000004";
    await sim.registerApp(appid);
    const { openid } = await sim.putUser(appid, "oAuthorizingUser000000000004");
    await sim.authorize(appid, openid, { template_id: "tmpl-order-shipped", count: 2 });
    await sim.authorize(appid, openid, { template_id: "tmpl-order-shipped" });
    const granted = await sim.authorize(appid, openid, { template_id: "tmpl-oa-notice", scene: 5 });
    expect(granted.authorizations).toEqual([
      { template_id: "tmpl-order-shipped", scene: null, remaining: 3 },
      { template_id: "tmpl-oa-notice", scene: "5", remaining: 1 },
    ]);
    const unknownTemplate = await sim.raw("POST", `/apps/${appid}/users/${openid}/authorizations`, {
      template_id: "tmpl-nope",
    });
    expect(unknownTemplate.status).toBe(400);
    const unknownUser = await sim.raw("POST", `/apps/${appid}/users/oNobody/authorizations`, {
      template_id: "tmpl-order-shipped",
    });
    expect(unknownUser.status).toBe(404);
  });
});

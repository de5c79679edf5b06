import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, admin, call } from "../support/gateway.ts";

// SPEC §3/§4: bad input is a 400 whose `error` says which field; appKey is 1–64 of [A-Za-z0-9_-],
// appId a WeChat appid, type and tokenMode one of their values. Nothing is stored.

const good = { appId: "wxadmbadfield01", appSecret: "some-secret" };

function expectBadRequestNaming(answer: { status: number; body: unknown }, field: string) {
  expect(answer.status).toBe(400);
  expect(answer.body).toEqual({ code: 400, data: null, error: expect.stringContaining(field) });
}

describe("PUT /admin/apps/{appKey} validation", () => {
  it("rejects an appKey longer than 64 characters", async () => {
    expectBadRequestNaming(await admin("PUT", `/apps/${"k".repeat(65)}`, good), "appKey");
  });

  it("accepts an appKey of exactly 64 characters", async () => {
    // The boundary: without it the test above could pass for any appKey.
    const answer = await admin("PUT", `/apps/${"k".repeat(64)}`, { ...good, appId: "wxadmbadfield02" });
    expect(answer.status).toBe(201);
  });

  it("rejects an appKey with characters outside [A-Za-z0-9_-]", async () => {
    expectBadRequestNaming(await admin("PUT", "/apps/a%20b", good), "appKey");
    expectBadRequestNaming(await admin("PUT", "/apps/a.b", good), "appKey");
  });

  it("rejects an appId that is not a WeChat appid", async () => {
    expectBadRequestNaming(await admin("PUT", "/apps/adm-bad", { ...good, appId: "notwechat" }), "appId");
    expectBadRequestNaming(await admin("PUT", "/apps/adm-bad", { ...good, appId: "wx" }), "appId");
    expectBadRequestNaming(await admin("PUT", "/apps/adm-bad", { ...good, appId: "wx has space" }), "appId");
    expectBadRequestNaming(await admin("PUT", "/apps/adm-bad", { appSecret: "s" }), "appId");
  });

  it("rejects an unknown type", async () => {
    expectBadRequestNaming(await admin("PUT", "/apps/adm-bad", { ...good, type: "game" }), "type");
  });

  it("rejects an unknown tokenMode", async () => {
    expectBadRequestNaming(await admin("PUT", "/apps/adm-bad", { ...good, tokenMode: "turbo" }), "tokenMode");
  });

  it("rejects a bad profile field, naming its path", async () => {
    const answer = await admin("PUT", "/apps/adm-bad", { ...good, profile: { appID: "one" } });
    expectBadRequestNaming(answer, "profile.appID");
  });

  it("rejects a body that is not JSON with a 400 envelope", async () => {
    const answer = await call("PUT", "/admin/apps/adm-bad", { token: ADMIN_TOKEN, body: "appId=wx1" });
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ code: 400, data: null, error: expect.stringMatching(/\S/) });
  });

  it("stores nothing for a rejected registration", async () => {
    await admin("PUT", "/apps/adm-bad", { ...good, tokenMode: "turbo" });
    const one = await admin("GET", "/apps/adm-bad");
    expect(one.status).toBe(404);
    expect(one.body).toEqual({ code: 404, data: null, error: expect.stringMatching(/\S/) });
  });
});

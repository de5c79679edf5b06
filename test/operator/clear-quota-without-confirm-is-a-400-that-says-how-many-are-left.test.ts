import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, registerApp } from "../support/gateway.ts";
import { allowanceOf, CLEAR_QUOTA_PATH, callsTo, clearQuota } from "./operator-client.ts";

// SPEC §4: POST /admin/apps/{appKey}/quota/clear spends one of the 10 resets WeChat allows a
// month, so it needs {"confirm": true}; without it the answer is a 400 naming `confirm` and saying
// how many are left, and WeChat is not asked. GET on the same path shows the allowance.

describe("clear_quota needs an explicit confirmation", () => {
  it("refuses a missing, false or non-boolean confirm without asking WeChat", async () => {
    const app = await registerApp("op-clear-confirm", "wxopclearconf01");
    const noBody = await call("POST", `/admin/apps/${app.appKey}/quota/clear`, { token: ADMIN_TOKEN });
    expect(noBody.status).toBe(400);
    expect(noBody.body).toMatchObject({ error: expect.stringMatching(/^confirm: /) });
    for (const body of [{}, { confirm: false }, { confirm: "yes" }, { confirm: 1 }, { confirm: [true] }]) {
      const answer = await clearQuota(app.appKey, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toEqual({
        code: 400,
        data: null,
        error: expect.stringMatching(/^confirm: .*10 .*\(10 left this month\)$/),
      });
    }
    const asForm = await call("POST", `/admin/apps/${app.appKey}/quota/clear`, {
      token: ADMIN_TOKEN,
      body: "confirm=true",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(asForm.status).toBe(400);
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(0);
  });

  it("resets once confirmed, and the allowance counts it", async () => {
    const app = await registerApp("op-clear-once", "wxopclearonce01");
    const before = await allowanceOf(app.appKey);
    expect(before.status).toBe(200);
    expect(before.body.data).toEqual({
      month: expect.stringMatching(/^\d{4}-\d{2}$/),
      monthlyLimit: 10,
      clearsThisMonth: 0,
      clearsLeft: 10,
      usedUpAtWeChat: false,
      nextMonthStartsAt: expect.stringMatching(/^\d{4}-\d{2}-01T00:00:00\+08:00$/),
    });

    const cleared = await clearQuota(app.appKey);
    expect(cleared.status).toBe(200);
    expect(cleared.body.data).toMatchObject({ clearsThisMonth: 1, clearsLeft: 9, usedUpAtWeChat: false });
    expect(await callsTo(app.appId, CLEAR_QUOTA_PATH)).toBe(1);
    expect((await allowanceOf(app.appKey)).body.data).toEqual(cleared.body.data);
  });
});

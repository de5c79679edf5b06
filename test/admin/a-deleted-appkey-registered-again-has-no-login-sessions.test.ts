import { describe, expect, it } from "vitest";
import { admin, call, type Envelope, miniProgramLogin, registerApp } from "../support/gateway.ts";
import { deleteAndRegisterAgain } from "../support/registry.ts";

// SPEC §4: DELETE /admin/apps/{appKey} removes the mini-program login sessions issued for it. They
// live in the appid's keeper, which stays configured while another appKey names the appid, so the
// deletion must remove them itself.

/** A QR-Auth user endpoint: 401 when the session token is unknown, 404 when it works (no such session). */
function scanWith(appKey: string, sessionToken: string) {
  return call<Envelope>("POST", `/Wechat/${appKey}/QR-Auth/Scan`, {
    token: sessionToken,
    body: { signInKey: 1 },
  });
}

describe("a deleted appKey registered again", () => {
  it("refuses the session tokens opened through it before, while its appid's other appKey keeps its own", async () => {
    const appId = "wxadmdelsess0001";
    const deleted = await registerApp("adm-del-sessions", appId);
    const sibling = await registerApp("adm-del-sessions-sibling", appId);
    const old = await miniProgramLogin(deleted, { openid: "oAdmDelSessions00000000000001" });
    const kept = await miniProgramLogin(sibling, { openid: "oAdmDelSessions00000000000001" });
    expect((await scanWith(deleted.appKey, old.session)).status).toBe(404);

    await deleteAndRegisterAgain(deleted);

    const refused = await scanWith(deleted.appKey, old.session);
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({
      code: 401,
      data: null,
      error: "the session is unknown or has expired: log in again",
    });
    expect((await scanWith(sibling.appKey, kept.session)).status).toBe(404);
    // The user logs in again and is served.
    const again = await miniProgramLogin(deleted, { openid: "oAdmDelSessions00000000000001" });
    expect((await scanWith(deleted.appKey, again.session)).status).toBe(404);
    expect(
      (await admin<{ appKeys: string[] }>("GET", `/apps/${sibling.appKey}/status`)).body.data.appKeys.sort(),
    ).toEqual([deleted.appKey, sibling.appKey].sort());
  });
});

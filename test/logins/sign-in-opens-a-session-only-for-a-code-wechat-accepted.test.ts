// Mini-program sign-in without HTTP (src/logins/sessions.ts): the keeper hands LoginSessions the
// code exchange as a function, so any exchange drives it here, in a keeper's own SQLite storage.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { isSessionToken, LOGIN_SESSION_TTL_SECONDS, LoginSessions } from "../../src/logins/sessions.ts";
import type { CodeSession, UpstreamFailure } from "../../src/wechat/credential-calls.ts";
import { keeper } from "../support/keeper.ts";

const WECHAT_SESSION: CodeSession = {
  ok: true,
  openid: "oUser1",
  sessionKey: "c2Vzc2lvbktleQ==",
  unionid: null,
};

/** Runs `body` against LoginSessions over the storage of a keeper of its own. */
function withSessions<T>(appId: string, body: (sessions: LoginSessions, sql: SqlStorage) => Promise<T>) {
  return runInDurableObject(keeper(appId), (_instance, state) =>
    body(new LoginSessions(state.storage.sql), state.storage.sql),
  );
}

function rows(sql: SqlStorage): number {
  return Number(sql.exec("SELECT COUNT(*) AS n FROM login_session").one().n);
}

describe("LoginSessions.signIn", () => {
  it("opens a session for an accepted code and hands out only an opaque token for it", async () => {
    await withSessions("wxloginsunit0001", async (sessions) => {
      const before = Date.now();
      let exchanges = 0;
      const signedIn = await sessions.signIn({ appId: "wxloginsunit0001", appKey: "mini" }, async () => {
        exchanges += 1;
        return WECHAT_SESSION;
      });
      expect(exchanges).toBe(1);
      if (!signedIn.ok) throw new Error(signedIn.message);
      expect(isSessionToken(signedIn.sessionToken)).toBe(true);
      expect(JSON.stringify(signedIn)).not.toContain(WECHAT_SESSION.sessionKey);
      expect(signedIn.expiresAt).toBeGreaterThanOrEqual(before + LOGIN_SESSION_TTL_SECONDS * 1000);

      const found = await sessions.find(signedIn.sessionToken, Date.now());
      expect(found).toMatchObject({
        appKey: "mini",
        openid: "oUser1",
        unionid: null,
        sessionKey: "c2Vzc2lvbktleQ==",
      });
    });
  });

  it("opens nothing for a code WeChat refused, and answers its errcode as the caller's fault", async () => {
    await withSessions("wxloginsunit0002", async (sessions, sql) => {
      const refused: UpstreamFailure = {
        ok: false,
        kind: "definite",
        errcode: 40029,
        errmsg: "invalid code",
        reason: "WeChat answered errcode 40029",
      };
      const answer = await sessions.signIn(
        { appId: "wxloginsunit0002", appKey: "mini" },
        async () => refused,
      );
      expect(answer).toMatchObject({ ok: false, status: 400, errcode: 40029, errmsg: "invalid code" });
      expect(rows(sql)).toBe(0);
    });
  });

  it("answers 503 when WeChat could not be reached, naming the login API", async () => {
    await withSessions("wxloginsunit0003", async (sessions, sql) => {
      const unreachable: UpstreamFailure = {
        ok: false,
        kind: "transient",
        reason: "WeChat did not answer in time",
      };
      const answer = await sessions.signIn(
        { appId: "wxloginsunit0003", appKey: "mini" },
        async () => unreachable,
      );
      expect(answer).toMatchObject({ ok: false, status: 503 });
      expect(answer.ok ? "" : answer.message).toContain("/sns/jscode2session");
      expect(rows(sql)).toBe(0);
    });
  });
});

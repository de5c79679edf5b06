// SPEC §11: everything of §§5–8 works for an appKey bound to an authorizer. The token comes from
// the authorizer's keeper (api_authorizer_token, never /cgi-bin/token), JSCode2Session goes to
// /sns/component/jscode2session with the platform's token, and the proxy answers the SDK token
// paths from the keeper for an API key (an authorizer has no AppSecret to present).

import { describe, expect, it } from "vitest";
import { boundAuthorizer } from "../support/component.ts";
import { admin, call, type Envelope, fetchGateway, getToken, miniProgramLogin } from "../support/gateway.ts";
import { miniProgram, setQrAuth, webBackend } from "../support/qrauth.ts";
import { SECRET, sim } from "../support/simulator.ts";

describe("an appKey bound to an authorizer", () => {
  it("serves the token, the legacy endpoint and API v1 with the authorizer's token", async () => {
    const { platform, app } = await boundAuthorizer(
      "served-platform",
      "wxcompserved0001",
      "served-app",
      "wxauthserved00001",
    );
    const token = await getToken(app);
    expect(token.status).toBe(200);
    const held = (await sim.state(app.appId)).tokens.authorizer.current?.token;
    expect(token.body.data?.access_token).toBe(held);

    const legacy = await call<{ Data: { access_token: string }; Status: number }>(
      "POST",
      `/api/v1/Common/WxToken?appid=${app.appId}`,
      { token: app.apiKey },
    );
    expect(legacy.body).toMatchObject({ Status: 0, Data: { access_token: held } });

    const link = await call<Envelope<string>>("POST", `/Wechat/${app.appKey}/UrlLinkGenerate`, {
      token: app.apiKey,
      body: { path: "pages/index/index" },
    });
    expect(link.status).toBe(200);
    expect(link.body.data).toMatch(/^https:\/\//);
    const used = (await sim.requests(app.appId)).filter((r) => r.path === "/wxa/generate_urllink");
    expect(used).toHaveLength(1);
    // Never the AppSecret token calls.
    const state = await sim.state(app.appId);
    expect(state.calls.token + state.calls.stableNormal + state.calls.stableForce).toBe(0);
    expect((await sim.component(platform.componentAppId)).calls.componentToken).toBe(1);
  });

  it("signs a mini-program user in through /sns/component/jscode2session with the platform's token", async () => {
    const { platform, app } = await boundAuthorizer(
      "login-platform",
      "wxcomplogin00001",
      "login-app",
      "wxauthlogin000001",
    );
    const code = await sim.loginCode(app.appId);
    const answer = await call<Envelope<string>>(
      "GET",
      `/Wechat/${app.appKey}/JSCode2Session?js_code=${code.code}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatch(/^wgs_/);
    const view = await sim.component(platform.componentAppId);
    expect(view.calls.jscode2session).toBe(1);
    const logged = (await sim.requests(app.appId)).filter((r) => r.path === "/sns/component/jscode2session");
    expect(logged).toHaveLength(1);
    expect(logged[0]?.query).toMatchObject({
      appid: app.appId,
      component_appid: platform.componentAppId,
    });
  });

  it("through the proxy: token paths for an API key, business calls, and the SDK's login", async () => {
    const { platform, app } = await boundAuthorizer(
      "proxy-platform",
      "wxcompproxy00001",
      "proxy-app",
      "wxauthproxy000001",
    );
    const held = (await getToken(app)).body.data?.access_token;
    const byKey = await fetchGateway(
      "GET",
      `/proxy/${app.appKey}/cgi-bin/token?grant_type=client_credential`,
      {
        token: app.apiKey,
      },
    );
    expect(await byKey.json()).toMatchObject({ access_token: held });
    // No AppSecret exists for an authorizer: any secret is refused, an empty one too.
    for (const secret of [SECRET, ""]) {
      const bySecret = await fetchGateway(
        "GET",
        `/proxy/${app.appKey}/cgi-bin/token?grant_type=client_credential&appid=${app.appId}&secret=${secret}`,
      );
      expect(((await bySecret.json()) as { errcode: number }).errcode).not.toBe(0);
    }
    const told = await fetchGateway(
      "GET",
      `/proxy/${app.appKey}/cgi-bin/token?grant_type=client_credential&appid=${app.appId}&secret=${SECRET}`,
    );
    expect(await told.json()).toEqual({
      errcode: 40125,
      errmsg: expect.stringContaining("third-party platform and has no AppSecret; call with an API key"),
    });
    const business = await fetchGateway(
      "GET",
      `/proxy/${app.appKey}/cgi-bin/get_api_domain_ip?access_token=${held}`,
    );
    expect(((await business.json()) as { errcode?: number }).errcode ?? 0).toBe(0);
    const code = await sim.loginCode(app.appId);
    const login = await fetchGateway(
      "GET",
      `/proxy/${app.appKey}/sns/jscode2session?appid=${app.appId}&js_code=${code.code}&grant_type=authorization_code`,
      { token: app.apiKey },
    );
    expect(await login.json()).toMatchObject({ openid: code.openid, session_key: code.session_key });
    expect((await sim.component(platform.componentAppId)).calls.jscode2session).toBe(1);
  });

  it("runs a QR-Auth sign-in: the code image is drawn with the authorizer's token", async () => {
    const { app } = await boundAuthorizer("qr-platform", "wxcompqrauth0001", "qr-app", "wxauthqrauth00001");
    // An update that names neither a platform nor a secret keeps the app bound.
    await setQrAuth(app, { tokenTtlSeconds: 600 });
    const web = webBackend(app);
    const signInKey = await web.initiate({ scopes: "profile" });
    const code = await web.code(signInKey);
    expect(code.status).toBe(200);
    const drawn = (await sim.requests(app.appId)).filter((r) => r.path === "/wxa/getwxacodeunlimit");
    expect(drawn).toHaveLength(1);
    const user = await miniProgramLogin(app, { unionid: "oUnionQrAuthorizer0000000001" });
    expect((await miniProgram(app, user).scan(signInKey)).status).toBe(200);
    expect((await admin<{ component: string }>("GET", `/apps/${app.appKey}`)).body.data.component).toBe(
      "qr-platform",
    );
  });
});

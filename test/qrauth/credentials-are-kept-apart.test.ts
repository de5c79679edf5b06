import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  type Envelope,
  type MiniProgramLogin,
  miniProgramLogin,
  type RegisteredApp,
  registerApp,
} from "../support/gateway.ts";
import { qrPath, said, webBackend } from "../support/qrauth.ts";

// SPEC §7: the web backend calls Initiate, Code and Status with its API key; the mini-program user
// calls Scan, Confirm-Login, Confirm-Register and SendCode with the session token JSCode2Session
// gave them. Neither credential opens the other side, and each is good only for its own appKey.

const SERVER = ["Initiate", "Code", "Status"] as const;
const USER = ["Scan", "Confirm-Login", "Confirm-Register", "SendCode"] as const;

let app: RegisteredApp;
let user: MiniProgramLogin;
let signInKey: number;

beforeAll(async () => {
  app = await registerApp("qr-creds", "wxqrcreds0000001");
  user = await miniProgramLogin(app);
  signInKey = await webBackend(app).initiate();
});

/** A well-formed request to `endpoint` of `appKey`, sent with `token` (or other headers). */
function request(appKey: string, endpoint: string, token?: string, headers: Record<string, string> = {}) {
  const path = qrPath(appKey, endpoint);
  switch (endpoint) {
    case "Initiate":
      return call<Envelope<unknown>>("POST", path, { token, headers, body: {} });
    case "Code":
    case "Status":
      return call<Envelope<unknown>>("GET", `${path}?signInKey=${signInKey}`, { token, headers });
    case "SendCode":
      return call<Envelope<unknown>>("POST", path, {
        token,
        headers,
        body: { channel: "email", target: "creds@example.com" },
      });
    default:
      return call<Envelope<unknown>>("POST", path, {
        token,
        headers,
        body: { signInKey, unionID: user.unionid },
      });
  }
}

function expectRefused(answer: { status: number; body: Envelope<unknown> }, status: number, error: RegExp) {
  expect(answer.status, said(answer)).toBe(status);
  expect(answer.body.data).toBeNull();
  expect(answer.body.error).toMatch(error);
}

/** Well-formed but never issued: a session token and an API key of the right shapes. */
const UNKNOWN_SESSION = `wgs_${"A".repeat(43)}`;
const UNKNOWN_API_KEY = `wgk_${"0".repeat(16)}_${"0".repeat(64)}`;

describe("the two sides' credentials", () => {
  it.each(USER)("an API key cannot call %s (403)", async (endpoint) => {
    expectRefused(await request(app.appKey, endpoint, app.apiKey), 403, /session token/);
  });

  it.each(SERVER)("a session token cannot call %s (403)", async (endpoint) => {
    expectRefused(await request(app.appKey, endpoint, user.session), 403, /API key/);
  });

  it.each([...SERVER, ...USER])("%s without a Bearer is 401", async (endpoint) => {
    expectRefused(await request(app.appKey, endpoint), 401, /Authorization: Bearer/);
    const basic = { Authorization: `Basic ${btoa(`user:${app.apiKey}`)}` };
    expectRefused(await request(app.appKey, endpoint, undefined, basic), 401, /Authorization: Bearer/);
    const bare = { Authorization: "Bearer" };
    expectRefused(await request(app.appKey, endpoint, undefined, bare), 401, /Authorization: Bearer/);
  });

  it.each(USER)("%s refuses a garbage or unknown session token (401)", async (endpoint) => {
    expectRefused(await request(app.appKey, endpoint, "garbage"), 401, /session/);
    expectRefused(await request(app.appKey, endpoint, `${user.session}x`), 401, /session/);
    expectRefused(await request(app.appKey, endpoint, UNKNOWN_SESSION), 401, /session/);
  });

  it.each(SERVER)("%s refuses a garbage or unknown API key (401)", async (endpoint) => {
    expectRefused(await request(app.appKey, endpoint, "garbage"), 401, /API key/);
    expectRefused(await request(app.appKey, endpoint, UNKNOWN_API_KEY), 401, /API key/);
  });

  it("nothing the refused calls sent changed the session", async () => {
    expect((await webBackend(app).status(signInKey)).body.data).toMatchObject({ status: "pending" });
  });
});

describe("each credential is good for its own appKey only", () => {
  it.each(SERVER)("another app's API key cannot call %s (403)", async (endpoint) => {
    const other = await registerApp(`qr-creds-key-${endpoint.toLowerCase()}`, `wxqrcredskey${endpoint}`);
    expectRefused(await request(app.appKey, endpoint, other.apiKey), 403, /not allowed for this appKey/);
  });

  it.each(USER)(
    "a session opened through another appKey of the same appid cannot call %s (403)",
    async (endpoint) => {
      const sibling = await registerApp(`qr-creds-sib-${endpoint.toLowerCase()}`, app.appId);
      const siblingUser = await miniProgramLogin(sibling);
      expectRefused(await request(app.appKey, endpoint, siblingUser.session), 403, /another appKey/);
    },
  );

  it.each(USER)(
    "a session opened through an appKey of another appid is unknown to %s (401)",
    async (endpoint) => {
      const stranger = await registerApp(
        `qr-creds-far-${endpoint.toLowerCase()}`,
        `wxqrcredsfar${endpoint.replace("-", "")}`,
      );
      const strangerUser = await miniProgramLogin(stranger);
      expectRefused(await request(app.appKey, endpoint, strangerUser.session), 401, /unknown or has expired/);
    },
  );

  it.each(USER)("%s of an unknown appKey is 404", async (endpoint) => {
    expectRefused(await request("qr-creds-nobody", endpoint, user.session), 404, /no app is registered/);
  });

  it.each(SERVER)(
    "%s of an unknown appKey is 403 for an API key, which belongs elsewhere",
    async (endpoint) => {
      expectRefused(
        await request("qr-creds-nobody", endpoint, app.apiKey),
        403,
        /not allowed for this appKey/,
      );
    },
  );
});

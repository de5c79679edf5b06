import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  type Envelope,
  type MiniProgramLogin,
  miniProgramLogin,
  type RegisteredApp,
  registerApp,
} from "../support/gateway.ts";
import { miniProgram, qrPath, said, webBackend } from "../support/qrauth.ts";

// SPEC §7: every QR-Auth request is checked before anything happens, and a refusal is a 400 whose
// error names the field first ("scopes: ...").

let app: RegisteredApp;
let user: MiniProgramLogin;

beforeAll(async () => {
  app = await registerApp("qr-valid", "wxqrvalid0000001");
  user = await miniProgramLogin(app);
});

function expectFieldRefused(answer: { status: number; body: Envelope<unknown> }, field: string) {
  expect(answer.status, said(answer)).toBe(400);
  expect(answer.body.error.startsWith(`${field}: `), said(answer)).toBe(true);
  expect(answer.body.data).toBeNull();
}

const TOO_BIG = 2 ** 53;
const BAD_SIGN_IN_KEYS: [string, unknown][] = [
  ["zero", 0],
  ["negative", -5],
  ["2^53", TOO_BIG],
  ["a fraction", 1.5],
  ["text", "abc"],
  ["a numeric string with a sign", "-1"],
  ["null", null],
  ["a boolean", true],
];

describe("Initiate", () => {
  it.each([
    ["scopes", { scopes: "a".repeat(101) }],
    ["scopes", { scopes: "profile email" }],
    ["scopes", { scopes: "profile;email" }],
    ["scopes", { scopes: "profil_e" }],
    ["scopes", { scopes: 5 }],
    ["remark", { remark: "r".repeat(201) }],
    ["remark", { remark: 7 }],
    ["scheme", { scheme: "s".repeat(51) }],
    ["scheme", { scheme: "https://" }],
    ["scheme", { scheme: "my-app" }],
  ])("refuses a bad %s: %j", async (field, body) => {
    expectFieldRefused(await webBackend(app).initiateAnswer(body), field);
  });

  it("accepts each field at its longest, and all of them left out", async () => {
    const longest = await webBackend(app).initiateAnswer({
      scopes: `${"ab,".repeat(33)}z`,
      remark: "r".repeat(200),
      scheme: "S1".repeat(25),
    });
    expect(longest.status, said(longest)).toBe(200);
    const bare = await webBackend(app).initiateAnswer({});
    expect(bare.status, said(bare)).toBe(200);
    const scanned = await miniProgram(app, user).scan(longest.body.data);
    expect(scanned.body.data).toMatchObject({
      scopes: `${"ab,".repeat(33)}z`,
      remark: "r".repeat(200),
      scheme: "S1".repeat(25),
    });
  });
});

describe("signInKey", () => {
  it.each(["Scan", "Confirm-Login", "Confirm-Register"])("is required by %s", async (endpoint) => {
    expectFieldRefused(await miniProgram(app, user).post(endpoint, { unionID: user.unionid }), "signInKey");
  });

  it.each(["Status", "Code"])("is required by %s", async (endpoint) => {
    const answer = await call<Envelope<null>>("GET", qrPath(app.appKey, endpoint), { token: app.apiKey });
    expectFieldRefused(answer, "signInKey");
  });

  it.each(BAD_SIGN_IN_KEYS)("in a body, refuses %s", async (_, signInKey) => {
    const mini = miniProgram(app, user);
    for (const endpoint of ["Scan", "Confirm-Login", "Confirm-Register"]) {
      expectFieldRefused(await mini.post(endpoint, { signInKey, unionID: user.unionid }), "signInKey");
    }
  });

  it.each([
    ["zero", "0"],
    ["negative", "-5"],
    ["2^53", String(TOO_BIG)],
    ["a fraction", "1.5"],
    ["text", "abc"],
    ["empty", ""],
    ["a leading zero", "012"],
    ["an exponent", "1e5"],
  ])("in a query, refuses %s", async (_, signInKey) => {
    const backend = webBackend(app);
    expectFieldRefused(await backend.status(encodeURIComponent(signInKey)), "signInKey");
    expectFieldRefused(await backend.code(encodeURIComponent(signInKey)), "signInKey");
  });

  it("accepts 2^53 − 1, which then names no session (404)", async () => {
    const largest = 2 ** 53 - 1;
    expect((await webBackend(app).status(largest)).status).toBe(404);
    expect((await miniProgram(app, user).scan(largest)).status).toBe(404);
  });
});

describe("Confirm-Register", () => {
  const register = (fields: object) =>
    miniProgram(app, user).post("Confirm-Register", { signInKey: 1, unionID: user.unionid, ...fields });

  it.each([
    ["empty", ""],
    ["51 characters", "u".repeat(51)],
    ["a space", "oUnion Id"],
    ["a dot", "o.union"],
    ["non-ASCII letters", "o联合"],
    ["a number", 12345],
  ])("refuses a unionID that is %s", async (_, unionID) => {
    expectFieldRefused(await register({ unionID }), "unionID");
  });

  it("requires a unionID", async () => {
    expectFieldRefused(await miniProgram(app, user).post("Confirm-Register", { signInKey: 1 }), "unionID");
  });

  it.each([
    ["10 digits", "1380013800"],
    ["12 digits", "138001380000"],
    ["a letter", "1380013800a"],
    ["a plus sign", "+8613800138"],
    ["a number", 13800138000],
  ])("refuses a phone of %s", async (_, phone) => {
    expectFieldRefused(await register({ phone }), "phone");
  });

  it.each([
    ["3 digits", "123"],
    ["9 digits", "123456789"],
    ["a letter", "12a45"],
    ["empty", ""],
    ["a number", 123456],
  ])("refuses codes of %s", async (_, code) => {
    expectFieldRefused(await register({ emailCode: code }), "emailCode");
    expectFieldRefused(await register({ phoneCode: code }), "phoneCode");
  });

  it.each([
    ["plain text", "not-an-email"],
    ["no domain", "alice@"],
    ["no local part", "@example.com"],
    ["spaces", "a lice@example.com"],
  ])("refuses an email that is %s", async (_, email) => {
    expectFieldRefused(await register({ email }), "email");
  });

  it("refuses a nickName over 64 characters, an avatar over 1024 and data over 16 KB of JSON", async () => {
    expectFieldRefused(await register({ nickName: "n".repeat(65) }), "nickName");
    expectFieldRefused(await register({ avatar: `https://a.test/${"a".repeat(1010)}` }), "avatar");
    expectFieldRefused(await register({ data: { note: "d".repeat(16_384) } }), "data");
  });
});

describe("SendCode", () => {
  const send = (body: object) => miniProgram(app, user).post("SendCode", body);

  it.each(["sms", "Email", "", "wechat"])("refuses the channel %j", async (channel) => {
    expectFieldRefused(await send({ channel, target: "alice@example.com" }), "channel");
  });

  it("requires a channel and a target", async () => {
    expectFieldRefused(await send({ target: "alice@example.com" }), "channel");
    expectFieldRefused(await send({ channel: "email" }), "target");
    expectFieldRefused(await send({ channel: "email", target: "" }), "target");
  });

  it.each([
    ["email", "13800138000"],
    ["email", "alice@"],
    ["phone", "alice@example.com"],
    ["phone", "1380013800"],
    ["phone", "138001380001"],
  ])("refuses a target that is not valid for the %s channel: %s", async (channel, target) => {
    expectFieldRefused(await send({ channel, target }), "target");
  });
});

import { describe, expect, it } from "vitest";
import { RID_SUFFIX, SECRET, SIM_BASE, sim } from "../support/simulator.ts";

async function getToken(params: Record<string, string>, method = "GET") {
  const res = await fetch(`${SIM_BASE}/cgi-bin/token?${new URLSearchParams(params)}`, { method });
  return { res, body: (await res.json()) as { errcode?: number; errmsg?: string } };
}

async function postStable(body: string | undefined, method = "POST") {
  const res = await fetch(`${SIM_BASE}/cgi-bin/stable_token`, {
    method,
    body: method === "GET" ? null : body,
  });
  return { res, body: (await res.json()) as { errcode?: number; errmsg?: string } };
}

const grant = "client_credential";

describe("token endpoints reject bad requests with WeChat's errcodes", () => {
  it("answers errors as HTTP 200 JSON with WeChat's Content-Type and a rid suffix", async () => {
    const appid = "wxsimbadreq01";
    await sim.registerApp(appid);
    const { res, body } = await getToken({ grant_type: grant, appid, secret: "wrong" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    expect(body.errcode).toBe(40125);
    expect(body.errmsg).toMatch(/^invalid appsecret/);
    expect(body.errmsg).toMatch(RID_SUFFIX);
  });

  it("classic: missing params, wrong grant_type, unknown appid, wrong method", async () => {
    const appid = "wxsimbadreq02";
    await sim.registerApp(appid);
    expect((await getToken({ grant_type: grant, secret: SECRET })).body.errcode).toBe(41002);
    expect((await getToken({ grant_type: grant, appid })).body.errcode).toBe(41004);
    expect((await getToken({ grant_type: "password", appid, secret: SECRET })).body.errcode).toBe(40002);
    expect((await getToken({ appid, secret: SECRET })).body.errcode).toBe(40002);
    const unknown = await getToken({ grant_type: grant, appid: "wxsimneverregistered", secret: SECRET });
    expect(unknown.body.errcode).toBe(40013);
    expect(unknown.body.errmsg).toMatch(/^invalid appid rid: /);
    const post = await getToken({ grant_type: grant, appid, secret: SECRET }, "POST");
    expect(post.body.errcode).toBe(43001);
    expect(post.body.errmsg).toMatch(/^require GET method/);
  });

  it("classic and stable: a caller outside the IP whitelist gets 40164", async () => {
    const appid = "wxsimbadreq03";
    await sim.registerApp(appid, { whitelisted: false });
    const classic = await getToken({ grant_type: grant, appid, secret: SECRET });
    expect(classic.body.errcode).toBe(40164);
    expect(classic.body.errmsg).toMatch(/^invalid ip \S+ ipv6 \S+, not in whitelist rid: /);
    const stable = await postStable(JSON.stringify({ grant_type: grant, appid, secret: SECRET }));
    expect(stable.body.errcode).toBe(40164);
    await sim.registerApp(appid, { whitelisted: true });
    expect((await getToken({ grant_type: grant, appid, secret: SECRET })).body.errcode).toBeUndefined();
  });

  it("stable: wrong method, empty body, non-JSON body", async () => {
    expect((await postStable(undefined, "GET")).body.errcode).toBe(43002);
    expect((await postStable("")).body.errcode).toBe(44002);
    expect((await postStable("grant_type=client_credential&appid=wx1")).body.errcode).toBe(47001);
    expect((await postStable("[1,2]")).body.errcode).toBe(47001);
    expect((await postStable('{"appid":')).body.errcode).toBe(47001);
  });

  it("stable: missing or wrongly typed fields, unknown appid, wrong secret", async () => {
    const appid = "wxsimbadreq04";
    await sim.registerApp(appid);
    const send = (fields: Record<string, unknown>) => postStable(JSON.stringify(fields));
    expect((await send({ grant_type: grant, secret: SECRET })).body.errcode).toBe(41002);
    expect((await send({ grant_type: grant, appid })).body.errcode).toBe(41004);
    expect((await send({ grant_type: "x", appid, secret: SECRET })).body.errcode).toBe(40002);
    expect((await send({ grant_type: grant, appid: 42, secret: SECRET })).body.errcode).toBe(47001);
    expect(
      (await send({ grant_type: grant, appid, secret: SECRET, force_refresh: "yes" })).body.errcode,
    ).toBe(47001);
    expect((await send({ grant_type: grant, appid: "wxsimnope", secret: SECRET })).body.errcode).toBe(40013);
    expect((await send({ grant_type: grant, appid, secret: "wrong" })).body.errcode).toBe(40125);
    expect((await send({ grant_type: grant, appid, secret: SECRET })).body.errcode).toBeUndefined();
  });

  it("unknown paths get an obvious 404", async () => {
    const res = await fetch(`${SIM_BASE}/cgi-bin/no-such-api`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ errcode: -1, errmsg: "no such api (simulator)" });
  });
});

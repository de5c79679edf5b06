import { describe, expect, it } from "vitest";
import { appWithToken, fetchStableToken, postBusiness, RID_SUFFIX, sim } from "../support/simulator.ts";

// WECHAT.md §18: every failing errmsg ends with "rid: …", and POST /cgi-bin/openapi/rid/get {rid}
// with the same account's token answers what WeChat saw of that call; 76002 for a malformed rid,
// 76003 for another account's, 76001 for one never issued or older than 7 days.

const RID_GET = "/cgi-bin/openapi/rid/get";

function ridOf(errmsg: string | undefined): string {
  const rid = /rid: (\S+)$/.exec(errmsg ?? "")?.[1];
  if (!rid) throw new Error(`no rid in ${errmsg}`);
  return rid;
}

describe("openapi/rid/get", () => {
  it("answers the failed call's time, URL parameters, body, answer and client IP", async () => {
    const appid = "wxsimridget01";
    const token = await appWithToken(appid, { pages: ["pages/home/home"] });
    const body = { path: "pages/missing", query: "a=1" };
    const failed = await postBusiness("/wxa/generate_urllink", token, body);
    expect(failed.errmsg).toMatch(RID_SUFFIX);

    const answer = await postBusiness(RID_GET, token, { rid: ridOf(failed.errmsg) });
    expect(answer.errcode).toBe(0);
    const request = answer.request!;
    expect(request).toEqual({
      invoke_time: expect.any(Number),
      cost_in_ms: expect.any(Number),
      request_url: `access_token=${token.slice(0, 6)}xxxx`,
      request_body: JSON.stringify(body),
      response_body: JSON.stringify(failed),
      client_ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(Math.abs(request.invoke_time - (await sim.state(appid)).now / 1000)).toBeLessThan(60);
    expect(JSON.stringify(answer)).not.toContain(token);
  });

  it("remembers failed token calls too, with the secret cut short", async () => {
    const appid = "wxsimridget02";
    const token = await appWithToken(appid);
    const refused = await fetchStableToken(appid, { secret: "a-wrong-secret" });
    expect(refused.errcode).toBe(40125);
    const answer = await postBusiness(RID_GET, token, { rid: ridOf(refused.errmsg) });
    expect(answer.request?.request_body).toContain('"secret":"a-wronxxxx"');
    expect(answer.request?.request_body).not.toContain("a-wrong-secret");
  });

  it("refuses a malformed rid, another account's rid and one older than 7 days", async () => {
    const appid = "wxsimridget03";
    const token = await appWithToken(appid);
    const other = await appWithToken("wxsimridget04");
    const failed = await postBusiness("/cgi-bin/clear_quota", token, { appid: "wxsomeoneelse" });
    const rid = ridOf(failed.errmsg);
    const errcodeFor = async (asking: string, body: unknown) =>
      (await postBusiness(RID_GET, asking, body)).errcode;

    expect(await errcodeFor(token, {})).toBe(76002);
    expect(await errcodeFor(token, { rid: "not-a-rid" })).toBe(76002);
    expect(await errcodeFor(other, { rid })).toBe(76003);
    expect(await errcodeFor(token, { rid: "00000000-00000000-00000000" })).toBe(76001);
    expect(await errcodeFor(token, { rid })).toBe(0);

    await sim.advance(appid, 7 * 86_400 + 1);
    const { access_token: fresh = "" } = await fetchStableToken(appid);
    expect(await errcodeFor(fresh, { rid })).toBe(76001);
  });
});

import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, postRaw, RID_SUFFIX, sim } from "../support/simulator.ts";

const UNLIMITED = "/wxa/getwxacodeunlimit";
const LIMITED = "/wxa/getwxacode";

/** The image's Content-Type, or the errcode of a JSON answer. */
async function outcome(path: string, token: string, body: unknown): Promise<string | number> {
  const res = await postRaw(path, token, body);
  const contentType = res.headers.get("content-type") ?? "";
  if (contentType.startsWith("image/")) {
    await res.arrayBuffer();
    return contentType;
  }
  return ((await res.json()) as { errcode: number }).errcode;
}

describe("QR-code quotas end in 45009 (per minute / per day) and 45029 (lifetime)", () => {
  it("getwxacodeunlimit: the per-minute limit lifts in the next minute", async () => {
    const appid = "wxsimqrqt0000001";
    const token = await appWithToken(appid, { quotas: { wxacodeUnlimitPerMinute: 2 } });
    // Start just after a minute boundary of the app's clock, so the test cannot straddle one.
    const { now } = await sim.state(appid);
    await sim.advance(appid, (60_000 - (now % 60_000) + 1) / 1000);
    expect(await outcome(UNLIMITED, token, { scene: "a" })).toBe("image/jpeg");
    expect(await outcome(UNLIMITED, token, { scene: "" })).toBe(40169); // a refused request costs nothing
    expect(await outcome(UNLIMITED, token, { scene: "b" })).toBe("image/jpeg");
    const over = await postBusiness(UNLIMITED, token, { scene: "c" });
    expect(over.errcode).toBe(45009);
    expect(over.errmsg).toMatch(RID_SUFFIX);
    await sim.advance(appid, 60);
    expect(await outcome(UNLIMITED, token, { scene: "c" })).toBe("image/jpeg");
  });

  it("getwxacode: a daily cap (45009) and a lifetime cap (45029)", async () => {
    const appid = "wxsimqrqt0000002";
    const token = await appWithToken(appid, { quotas: { wxacodeDaily: 2, wxacodeTotal: 3 } });
    expect(await outcome(LIMITED, token, { path: "pages/index/index?n=1" })).toBe("image/jpeg");
    expect(await outcome(LIMITED, token, { path: "pages/index/index?n=2" })).toBe("image/jpeg");
    expect(await outcome(LIMITED, token, { path: "pages/index/index?n=3" })).toBe(45009);
    await sim.advance(appid, 24 * 3600);
    const fresh = await appWithToken(appid); // the first token expired with the day
    expect(await outcome(LIMITED, fresh, { path: "pages/index/index?n=3" })).toBe("image/jpeg");
    const spent = await postBusiness(LIMITED, fresh, { path: "pages/index/index?n=4" });
    expect(spent.errcode).toBe(45029);
    expect(spent.errmsg).toMatch(/^qrcode count out of limit/);
    const state = await sim.state(appid);
    expect(state.issued.total.wxacode).toBe(3);
    expect(state.issued.today.wxacode).toBe(1);
  });
});

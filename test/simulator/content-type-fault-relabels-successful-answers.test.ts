import { describe, expect, it } from "vitest";
import { appWithToken, postRaw, sim } from "../support/simulator.ts";
import { isJpeg } from "./image-bytes.ts";

const UNLIMITED = "/wxa/getwxacodeunlimit";

describe("a contentType fault relabels the next successful answers, so clients must sniff the bytes", () => {
  it("an image can come back as application/octet-stream, then the label is right again", async () => {
    const appid = "wxsimctyp0000001";
    const token = await appWithToken(appid);
    await sim.queueFault(appid, {
      kind: "contentType",
      contentType: "application/octet-stream",
      paths: [UNLIMITED],
    });
    const relabelled = await postRaw(UNLIMITED, token, { scene: "x" });
    expect(relabelled.headers.get("content-type")).toBe("application/octet-stream");
    const bytes = new Uint8Array(await relabelled.arrayBuffer());
    expect(isJpeg(bytes)).toBe(true);
    expect(Number(relabelled.headers.get("content-length"))).toBe(bytes.length);
    const next = await postRaw(UNLIMITED, token, { scene: "x" });
    expect(next.headers.get("content-type")).toBe("image/jpeg");
    expect(new Uint8Array(await next.arrayBuffer())).toEqual(bytes);
  });

  it('contentType "" removes the header altogether', async () => {
    const appid = "wxsimctyp0000002";
    const token = await appWithToken(appid);
    await sim.queueFault(appid, { kind: "contentType", contentType: "", paths: [UNLIMITED] });
    const res = await postRaw(UNLIMITED, token, { scene: "x", is_hyaline: true });
    expect(res.headers.has("content-type")).toBe(false);
    expect(new Uint8Array(await res.arrayBuffer()).subarray(0, 4)).toEqual(
      new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
    );
  });

  it("error answers keep their JSON label and do not use the fault up", async () => {
    const appid = "wxsimctyp0000003";
    const token = await appWithToken(appid);
    await sim.queueFault(appid, { kind: "contentType", contentType: "application/octet-stream", times: 1 });
    const error = await postRaw(UNLIMITED, token, { scene: "" });
    expect(error.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    await error.text();
    // Without paths it applies to any successful answer, JSON ones included.
    const ok = await postRaw("/wxa/generate_urllink", token, {});
    expect(ok.headers.get("content-type")).toBe("application/octet-stream");
    expect(((await ok.json()) as { errcode: number }).errcode).toBe(0);
    const after = await postRaw("/wxa/generate_urllink", token, {});
    expect(after.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    await after.text();
  });

  it("a contentType outage relabels every success until lifted; the fault needs a contentType", async () => {
    const appid = "wxsimctyp0000004";
    const token = await appWithToken(appid);
    await sim.startOutage(appid, { kind: "contentType", contentType: "text/plain", paths: [UNLIMITED] });
    for (let i = 0; i < 2; i++) {
      const res = await postRaw(UNLIMITED, token, { scene: `n${i}` });
      expect(res.headers.get("content-type")).toBe("text/plain");
      await res.arrayBuffer();
    }
    await sim.endOutage(appid);
    const res = await postRaw(UNLIMITED, token, { scene: "n" });
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    await res.arrayBuffer();
    const missing = await sim.raw("POST", `/apps/${appid}/faults`, { kind: "contentType" });
    expect(missing.status).toBe(400);
  });
});

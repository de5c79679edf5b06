import { describe, expect, it } from "vitest";
import { appWithToken, postBusiness, postRaw, RID_SUFFIX } from "../support/simulator.ts";
import {
  endsWithEoi,
  inflatePngData,
  isJpeg,
  isPng,
  jpegSize,
  pngChunkTypes,
  pngHeader,
} from "./image-bytes.ts";

const UNLIMITED = "/wxa/getwxacodeunlimit";
const LIMITED = "/wxa/getwxacode";

async function image(path: string, token: string, body: unknown) {
  const res = await postRaw(path, token, body);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes, contentType: res.headers.get("content-type") };
}

describe("QR codes are images and errors are JSON", () => {
  it("getwxacodeunlimit answers a baseline JPEG of the asked width, with its length", async () => {
    const token = await appWithToken("wxsimqrcd0000001");
    const { res, bytes, contentType } = await image(UNLIMITED, token, {
      scene: "id=42",
      page: "pages/index/index",
    });
    expect(res.status).toBe(200);
    expect(contentType).toBe("image/jpeg");
    expect(Number(res.headers.get("content-length"))).toBe(bytes.length);
    expect(isJpeg(bytes)).toBe(true);
    expect(endsWithEoi(bytes)).toBe(true);
    expect(jpegSize(bytes)).toEqual({ width: 430, height: 430, components: 1 });
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(bytes.length).toBeLessThan(200_000);
    const wide = await image(UNLIMITED, token, { scene: "id=42", width: 1280 });
    expect(jpegSize(wide.bytes).width).toBe(1280);
    expect(wide.bytes.length).toBeGreaterThan(bytes.length);
  });

  it("is_hyaline gives a PNG with an alpha channel whose pixel data inflates to width × width", async () => {
    const token = await appWithToken("wxsimqrcd0000002");
    const { bytes, contentType } = await image(UNLIMITED, token, {
      scene: "abc",
      width: 300,
      is_hyaline: true,
    });
    expect(contentType).toBe("image/png");
    expect(isPng(bytes)).toBe(true);
    expect(pngHeader(bytes)).toEqual({ width: 300, height: 300, colorType: 6 });
    expect(pngChunkTypes(bytes)).toEqual(["IHDR", "tEXt", "IDAT", "IEND"]);
    expect((await inflatePngData(bytes)).length).toBe(300 * (1 + 300 * 4));
  });

  it("the same request gives the same bytes; another scene or colour gives other bytes", async () => {
    const token = await appWithToken("wxsimqrcd0000003");
    const first = await image(UNLIMITED, token, { scene: "same" });
    const again = await image(UNLIMITED, token, { scene: "same" });
    const other = await image(UNLIMITED, token, { scene: "other" });
    const red = await image(UNLIMITED, token, { scene: "same", line_color: { r: 200, g: 0, b: 0 } });
    expect(again.bytes).toEqual(first.bytes);
    expect(other.bytes).not.toEqual(first.bytes);
    expect(red.bytes).not.toEqual(first.bytes);
  });

  it("getwxacode answers images too", async () => {
    const token = await appWithToken("wxsimqrcd0000004");
    const jpeg = await image(LIMITED, token, { path: "pages/order/detail?id=9", width: 280 });
    expect(jpeg.contentType).toBe("image/jpeg");
    expect(jpegSize(jpeg.bytes).width).toBe(280);
    const png = await image(LIMITED, token, { path: "pages/order/detail?id=9", is_hyaline: true });
    expect(png.contentType).toBe("image/png");
    expect(pngHeader(png.bytes).width).toBe(430);
  });

  it("getwxacodeunlimit errors: scene (40169 / 40129), page (41030 unless check_path is false), width, env_version", async () => {
    const token = await appWithToken("wxsimqrcd0000005");
    const cases: [unknown, number][] = [
      [{}, 40169],
      [{ scene: "" }, 40169],
      [{ scene: "x".repeat(33) }, 40169],
      [{ scene: 42 }, 40169],
      ["scene=abc", 40169],
      [{ scene: "a b" }, 40129],
      [{ scene: "%E4%B8%AD" }, 40129],
      [{ scene: "ok", page: "pages/missing/missing" }, 41030],
      [{ scene: "ok", page: "pages/index/index?x=1" }, 41030],
      [{ scene: "ok", width: 279 }, 40189],
      [{ scene: "ok", width: 1281 }, 40189],
      [{ scene: "ok", width: 430.5 }, 40189],
      [{ scene: "ok", env_version: "prod" }, 40097],
    ];
    for (const [body, errcode] of cases) {
      const res = await postRaw(UNLIMITED, token, body);
      expect(res.headers.get("content-type"), JSON.stringify(body)).toBe("application/json; encoding=utf-8");
      const answer = (await res.json()) as { errcode: number; errmsg: string };
      expect(answer.errcode, JSON.stringify(body)).toBe(errcode);
      expect(answer.errmsg).toMatch(RID_SUFFIX);
    }
    expect((await postBusiness(UNLIMITED, token, { scene: "" })).errmsg).toMatch(
      /^invalid length for scene, or the data is not json string/,
    );
    const unchecked = await image(UNLIMITED, token, {
      scene: "ok",
      page: "pages/draft/draft",
      check_path: false,
    });
    expect(unchecked.contentType).toBe("image/jpeg");
    const everyAllowed = await image(UNLIMITED, token, { scene: "aZ9!#$&'()*+,/:;=?@-._~" });
    expect(everyAllowed.contentType).toBe("image/jpeg");
  });

  it("getwxacode errors: path (40159), width (40189), env_version (40097), not JSON (40169)", async () => {
    const token = await appWithToken("wxsimqrcd0000006");
    const cases: [unknown, number][] = [
      [{}, 40159],
      [{ path: "" }, 40159],
      [{ path: `pages/index/index?q=${"中".repeat(400)}` }, 40159],
      [{ path: "pages/index/index", width: 100 }, 40189],
      [{ path: "pages/index/index", env_version: "x" }, 40097],
      ["path=pages/index/index", 40169],
    ];
    for (const [body, errcode] of cases) {
      expect((await postBusiness(LIMITED, token, body)).errcode, JSON.stringify(body).slice(0, 40)).toBe(
        errcode,
      );
    }
  });

  it("a body that arrives in several chunks still adds up to Content-Length", async () => {
    const token = await appWithToken("wxsimqrcd0000007");
    const res = await postRaw(UNLIMITED, token, { scene: "chunks" });
    const reader = res.body?.getReader();
    let chunks = 0;
    let total = 0;
    for (;;) {
      const { done, value } = (await reader?.read()) ?? { done: true, value: undefined };
      if (done) break;
      chunks += 1;
      total += value?.length ?? 0;
    }
    expect(total).toBe(Number(res.headers.get("content-length")));
    expect(chunks).toBeGreaterThan(1);
  });
});

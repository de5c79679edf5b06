import { describe, expect, it } from "vitest";
import { registerApp, upstreamTokenCalls } from "../support/gateway.ts";
import { mediaForm, sha256Hex, sim } from "../support/simulator.ts";
import { sdkClassicToken, viaProxy } from "./proxy-client.ts";

// Issue 5: bodies and content types pass through as streams: a multipart media upload reaches
// WeChat byte for byte, and the download comes back byte for byte with WeChat's headers.

/** Every byte value, then pseudo-random bytes: anything a text decoder would mangle. */
function binaryFile(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  let x = 0x9e3779b9;
  for (let i = 256; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** The multipart body as a browser or SDK would send it, with its boundary in the content type. */
async function multipart(form: FormData): Promise<{ body: Uint8Array; contentType: string }> {
  const encoded = new Response(form);
  return {
    body: new Uint8Array(await encoded.arrayBuffer()),
    contentType: encoded.headers.get("content-type")!,
  };
}

describe("binary through the proxy", () => {
  it("a 600 KB multipart upload arrives intact and downloads intact", async () => {
    const app = await registerApp("proxy-media", "wxproxymedia0001", { type: "officialaccount" });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const file = binaryFile(600 * 1024);
    const { body, contentType } = await multipart(mediaForm(file, "photo.jpg", "image/jpeg"));

    const uploaded = await viaProxy(app, "/cgi-bin/media/upload", {
      query: { access_token: token, type: "image" },
      body,
      headers: { "Content-Type": contentType, "Content-Length": String(body.byteLength) },
    });
    const answer = (await uploaded.json()) as { media_id: string; type: string };
    expect(answer).toMatchObject({ type: "image", media_id: expect.any(String) });
    const stored = (await sim.media(app.appId)).find((m) => m.media_id === answer.media_id)!;
    expect(stored).toMatchObject({ size: file.byteLength, contentType: "image/jpeg", filename: "photo.jpg" });
    expect(stored.sha256).toBe(await sha256Hex(file));

    const downloaded = await viaProxy(app, "/cgi-bin/media/get", {
      query: { access_token: token, media_id: answer.media_id },
    });
    expect(downloaded.status).toBe(200);
    expect(downloaded.headers.get("content-type")).toBe("image/jpeg");
    expect(downloaded.headers.get("content-disposition")).toBe('attachment; filename="photo.jpg"');
    expect(await sha256Hex(await downloaded.arrayBuffer())).toBe(stored.sha256);
  });

  it("an upload that meets a dead token is recovered with the same bytes", async () => {
    const app = await registerApp("proxy-media-recover", "wxproxymedia0002", { type: "officialaccount" });
    const token = (await sdkClassicToken(app)).body.access_token as string;
    const tokenCalls = await upstreamTokenCalls(app.appId);
    await sim.invalidate(app.appId);
    const file = binaryFile(200 * 1024);
    const { body, contentType } = await multipart(mediaForm(file, "voice.amr", "audio/amr"));
    const uploaded = await viaProxy(app, "/cgi-bin/media/upload", {
      query: { access_token: token, type: "voice" },
      body,
      headers: { "Content-Type": contentType },
    });
    const answer = (await uploaded.json()) as { media_id: string };
    expect(answer.media_id).toEqual(expect.any(String));
    expect(await upstreamTokenCalls(app.appId)).toBe(tokenCalls + 1);
    const stored = (await sim.media(app.appId)).find((m) => m.media_id === answer.media_id)!;
    expect(stored.sha256).toBe(await sha256Hex(file));
  });
});

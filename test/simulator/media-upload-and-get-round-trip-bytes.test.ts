import { describe, expect, it } from "vitest";
import {
  appWithToken,
  businessUrl,
  fetchClassicToken,
  getMedia,
  mediaForm,
  RID_SUFFIX,
  SIM_BASE,
  sha256Hex,
  sim,
  uploadMedia,
  type WeChatAnswer,
} from "../support/simulator.ts";

/** crypto.getRandomValues fills at most 64 KiB per call. */
const RANDOM_FILL_MAX_BYTES = 65_536;

/** Every byte value 0..255 in order, then `randomBytes` random ones: nothing a text decoding would keep. */
function binaryBlob(randomBytes: number): Uint8Array {
  const bytes = new Uint8Array(256 + randomBytes);
  for (let i = 0; i < 256; i++) bytes[i] = i;
  for (let offset = 256; offset < bytes.length; offset += RANDOM_FILL_MAX_BYTES) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(bytes.length, offset + RANDOM_FILL_MAX_BYTES)));
  }
  return bytes;
}

/** `size` bytes of filler (content does not matter for the size checks). */
function filler(size: number): Uint8Array {
  return new Uint8Array(size).fill(0xab);
}

async function upload(token: string, type: string, body: BodyInit): Promise<WeChatAnswer> {
  return (await uploadMedia(token, type, body)).json();
}

async function expectError(answer: Response | Promise<Response>, errcode: number, errmsg: string) {
  const res = await answer;
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json; encoding=utf-8");
  const body = (await res.json()) as WeChatAnswer;
  expect(body.errcode).toBe(errcode);
  expect(body.errmsg?.replace(RID_SUFFIX, "")).toBe(errmsg);
  expect(body.errmsg).toMatch(RID_SUFFIX);
}

describe("media/upload stores the file byte for byte and media/get hands the same bytes back", () => {
  it("round-trips every byte value plus 300 KB of random bytes, with type, filename and length", async () => {
    const appid = "wxsimmedia00001";
    const token = await appWithToken(appid);
    const bytes = binaryBlob(300 * 1024);
    const digest = await sha256Hex(bytes);

    const res = await uploadMedia(token, "image", mediaForm(bytes, "photo.jpg", "image/jpeg"));
    expect(res.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    const uploaded = (await res.json()) as WeChatAnswer;
    const { now } = await sim.state(appid);
    expect(uploaded).toEqual({
      type: "image",
      media_id: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/),
      created_at: expect.any(Number),
    });
    expect(Math.abs((uploaded.created_at ?? 0) - now / 1000)).toBeLessThan(5);

    expect(await sim.media(appid)).toEqual([
      {
        media_id: uploaded.media_id,
        type: "image",
        contentType: "image/jpeg",
        filename: "photo.jpg",
        size: bytes.length,
        sha256: digest,
      },
    ]);

    const got = await getMedia(token, uploaded.media_id ?? "");
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/jpeg");
    expect(got.headers.get("content-disposition")).toBe('attachment; filename="photo.jpg"');
    expect(got.headers.get("content-length")).toBe(String(bytes.length));
    const body = await got.arrayBuffer();
    expect(body.byteLength).toBe(bytes.length);
    expect(await sha256Hex(body)).toBe(digest);
    // And again: getting media does not consume it.
    expect(await sha256Hex(await (await getMedia(token, uploaded.media_id ?? "")).arrayBuffer())).toBe(
      digest,
    );
  });

  it("serves every type with the part's own Content-Type; a part without one is text/plain as parsed", async () => {
    const token = await appWithToken("wxsimmedia00002");
    const cases = [
      { type: "voice", contentType: "audio/amr", filename: "hello.amr" },
      { type: "video", contentType: "video/mp4", filename: "clip.mp4" },
      { type: "thumb", contentType: "image/jpeg", filename: "thumb.jpg" },
    ];
    for (const c of cases) {
      const bytes = binaryBlob(4096);
      const uploaded = await upload(token, c.type, mediaForm(bytes, c.filename, c.contentType));
      expect(uploaded.type).toBe(c.type);
      const got = await getMedia(token, uploaded.media_id ?? "");
      expect(got.headers.get("content-type")).toBe(c.contentType);
      expect(got.headers.get("content-disposition")).toBe(`attachment; filename="${c.filename}"`);
      expect(await sha256Hex(await got.arrayBuffer())).toBe(await sha256Hex(bytes));
    }

    // A hand-written multipart body whose file part names no Content-Type.
    const boundary = "simmediaboundary7f3a";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="media"; filename="raw.bin"\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    const file = binaryBlob(1000);
    const encoder = new TextEncoder();
    const multipart = new Uint8Array([...encoder.encode(head), ...file, ...encoder.encode(tail)]);
    const res = await fetch(businessUrl("/cgi-bin/media/upload", token, { type: "image" }), {
      method: "POST",
      headers: { "Content-Type": `multipart/form-data; boundary=${boundary}` },
      body: multipart,
    });
    const uploaded = (await res.json()) as WeChatAnswer;
    const got = await getMedia(token, uploaded.media_id ?? "");
    expect(got.headers.get("content-type")).toBe("text/plain");
    expect(await sha256Hex(await got.arrayBuffer())).toBe(await sha256Hex(file));
  });

  it("a name that cannot be quoted as it is gets a fallback plus filename*=UTF-8''", async () => {
    const appid = "wxsimmedia00003";
    const token = await appWithToken(appid);
    const uploaded = await upload(token, "image", mediaForm(binaryBlob(10), "照片.jpg", "image/jpeg"));
    const [stored] = await sim.media(appid);
    const disposition = (await getMedia(token, uploaded.media_id ?? "")).headers.get("content-disposition");
    const match = /^attachment; filename="([^"]*)"; filename\*=UTF-8''(.+)$/.exec(disposition ?? "");
    expect(match?.[1]).toMatch(/^[\x20-\x7e]+$/);
    expect(decodeURIComponent(match?.[2] ?? "")).toBe(stored?.filename);
    expect(stored?.filename).toBe("照片.jpg");
  });

  it("the request log records the multipart body's byte length and Content-Type, not the token", async () => {
    const appid = "wxsimmedia00004";
    const token = await appWithToken(appid);
    const form = mediaForm(binaryBlob(20_000), "log.bin", "application/octet-stream");
    // Serialised first, so the test knows exactly how many bytes went over the wire.
    const serialised = new Request(SIM_BASE, { method: "POST", body: form });
    const contentType = serialised.headers.get("content-type") ?? "";
    const body = new Uint8Array(await serialised.arrayBuffer());
    const uploaded = await upload(token, "image", new Blob([body], { type: contentType }));
    expect(uploaded.media_id).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const logged = (await sim.requests(appid)).at(-1);
    expect(logged).toMatchObject({
      method: "POST",
      path: "/cgi-bin/media/upload",
      query: { type: "image" },
      accessTokenInQuery: true,
      bodyLength: body.length,
      contentType,
    });
    expect(logged?.bodyText).toContain('name="media"; filename="log.bin"');
    expect(logged?.bodyText.length).toBeLessThanOrEqual(4096);
  });
});

describe("media/upload and media/get errors", () => {
  it("token: missing 41001, unknown 40001; wrong methods 43002 / 43001", async () => {
    const token = await appWithToken("wxsimmedia00005");
    const form = () => mediaForm(binaryBlob(10), "a.jpg", "image/jpeg");
    await expectError(
      fetch(`${SIM_BASE}/cgi-bin/media/upload?type=image`, { method: "POST", body: form() }),
      41001,
      "access_token missing",
    );
    await expectError(
      uploadMedia("not-a-token", "image", form()),
      40001,
      "invalid credential, access_token is invalid or not latest",
    );
    await expectError(fetch(`${SIM_BASE}/cgi-bin/media/get?media_id=x`), 41001, "access_token missing");
    await expectError(
      getMedia("not-a-token", "x"),
      40001,
      "invalid credential, access_token is invalid or not latest",
    );
    await expectError(
      fetch(businessUrl("/cgi-bin/media/upload", token, { type: "image" })),
      43002,
      "require POST method",
    );
    await expectError(
      fetch(businessUrl("/cgi-bin/media/get", token, { media_id: "x" }), { method: "POST", body: "{}" }),
      43001,
      "require GET method",
    );
  });

  it("type not image/voice/video/thumb -> 40004; no multipart media file -> 41005", async () => {
    const token = await appWithToken("wxsimmedia00006");
    const file = mediaForm(binaryBlob(10), "a.jpg", "image/jpeg");
    await expectError(uploadMedia(token, "file", file), 40004, "invalid media type");
    await expectError(uploadMedia(token, "IMAGE", file), 40004, "invalid media type");
    await expectError(
      fetch(businessUrl("/cgi-bin/media/upload", token), { method: "POST", body: file }),
      40004,
      "invalid media type",
    );

    const otherPart = new FormData();
    otherPart.append("file", new Blob([binaryBlob(10)]), "a.jpg");
    const textField = new FormData();
    textField.append("media", "not a file");
    const emptyFile = mediaForm(new Uint8Array(0), "empty.jpg", "image/jpeg");
    const bodies: BodyInit[] = [
      otherPart,
      textField,
      emptyFile,
      JSON.stringify({ media: "abc" }),
      new Blob([binaryBlob(100)], { type: "multipart/form-data; boundary=nothing-like-this" }),
    ];
    for (const body of bodies)
      await expectError(uploadMedia(token, "image", body), 41005, "media data missing");
    await expectError(
      fetch(businessUrl("/cgi-bin/media/upload", token, { type: "image" }), { method: "POST" }),
      41005,
      "media data missing",
    );
  });

  it("size limits per type: thumb 64 KB, voice 2 MB (one byte more -> 40006 'invalid meida size')", async () => {
    const appid = "wxsimmedia00007";
    const token = await appWithToken(appid);
    const thumbMax = 64 * 1024;
    const voiceMax = 2 * 1024 * 1024;
    const thumb = await upload(token, "thumb", mediaForm(filler(thumbMax), "t.jpg", "image/jpeg"));
    expect(thumb.type).toBe("thumb");
    await expectError(
      uploadMedia(token, "thumb", mediaForm(filler(thumbMax + 1), "t.jpg", "image/jpeg")),
      40006,
      "invalid meida size",
    );
    const voice = await upload(token, "voice", mediaForm(filler(voiceMax), "v.mp3", "audio/mpeg"));
    expect(voice.type).toBe("voice");
    await expectError(
      uploadMedia(token, "voice", mediaForm(filler(voiceMax + 1), "v.mp3", "audio/mpeg")),
      40006,
      "invalid meida size",
    );
    // The same 64 KB + 1 is a fine image.
    expect((await upload(token, "image", mediaForm(filler(thumbMax + 1), "i.jpg", "image/jpeg"))).type).toBe(
      "image",
    );
    expect((await sim.media(appid)).map((m) => [m.type, m.size])).toEqual([
      ["thumb", thumbMax],
      ["voice", voiceMax],
      ["image", thumbMax + 1],
    ]);
  });

  it("media/get: media_id missing 41006; unknown or another app's 40007", async () => {
    const token = await appWithToken("wxsimmedia00008");
    const otherToken = await appWithToken("wxsimmedia00009");
    const uploaded = await upload(token, "image", mediaForm(binaryBlob(10), "a.jpg", "image/jpeg"));
    await expectError(fetch(businessUrl("/cgi-bin/media/get", token)), 41006, "media_id missing");
    await expectError(getMedia(token, "A".repeat(64)), 40007, "invalid media_id");
    await expectError(getMedia(otherToken, uploaded.media_id ?? ""), 40007, "invalid media_id");
    expect((await getMedia(token, uploaded.media_id ?? "")).headers.get("content-type")).toBe("image/jpeg");
  });

  it("keeps the last 100 uploads per app, each for 3 days", async () => {
    const appid = "wxsimmedia00010";
    const token = await appWithToken(appid);
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) {
      const uploaded = await upload(token, "image", mediaForm(new Uint8Array([i]), `${i}.jpg`, "image/jpeg"));
      ids.push(uploaded.media_id ?? "");
    }
    const media = await sim.media(appid);
    expect(media).toHaveLength(100);
    expect(media[0]?.media_id).toBe(ids[1]);
    await expectError(getMedia(token, ids[0] ?? ""), 40007, "invalid media_id");
    expect((await getMedia(token, ids[1] ?? "")).status).toBe(200);

    // Just before 3 days it still works; at 3 days it is gone (with a fresh token: the old one expired).
    await sim.advance(appid, 3 * 24 * 3600 - 60);
    const { access_token: fresh } = await fetchClassicToken(appid);
    expect((await getMedia(fresh ?? "", ids[100] ?? "")).headers.get("content-type")).toBe("image/jpeg");
    await sim.advance(appid, 60);
    await expectError(getMedia(fresh ?? "", ids[100] ?? ""), 40007, "invalid media_id");
    expect(await sim.media(appid)).toEqual([]);
  });
});

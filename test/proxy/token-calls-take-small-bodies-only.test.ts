import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TOKEN_CALL_BODY_LIMIT_BYTES } from "../../src/routes/proxy.ts";
import { registerApp } from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";
import { proxyUrl, viaProxyJson } from "./proxy-client.ts";

// Issue 12 §5: POST /proxy/{appKey}/cgi-bin/stable_token used to read and parse up to 25 MB of JSON
// before any credential was checked. Its body is four short fields: anything much larger is refused
// with WeChat's 45002 and 413, and no more of it is read than the small limit.

const LARGE_BYTES = 64 * 1024;
/** Far above the small limit and below the proxy's 25 MB: what matters is how much is read. */
const STREAMED_BYTES = 8 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024;
/** What the gateway may pull beyond the limit: a chunk in flight and the stream's own queue. */
const READ_SLACK_BYTES = 8 * CHUNK_BYTES;

describe("token calls take small bodies only", () => {
  it("a large body with its length is refused with 413, even with the right secret", async () => {
    const app = await registerApp("proxy-small-body", "wxproxysmallbd01");
    const body = JSON.stringify({
      grant_type: "client_credential",
      appid: app.appId,
      secret: SECRET,
      padding: "x".repeat(LARGE_BYTES),
    });
    const answer = await viaProxyJson(app, "/cgi-bin/stable_token", {
      body,
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      errcode: 45002,
      errmsg: expect.stringContaining("content size out of limit"),
    });
  });

  it("a streamed body without a length is cut off after the limit, not read to the end", async () => {
    const app = await registerApp("proxy-small-stream", "wxproxysmallbd02");
    let pulled = 0;
    const chunk = new TextEncoder().encode(" ".repeat(CHUNK_BYTES));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= STREAMED_BYTES) {
          controller.close();
          return;
        }
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const response = await exports.default.fetch(
      new Request(proxyUrl(app, "/cgi-bin/stable_token"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ errcode: 45002 });
    expect(pulled).toBeLessThan(TOKEN_CALL_BODY_LIMIT_BYTES + READ_SLACK_BYTES);
  });

  it("is refused before its credentials are looked at", async () => {
    const app = await registerApp("proxy-small-first", "wxproxysmallbd03");
    const answer = await viaProxyJson(app, "/cgi-bin/stable_token", {
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: app.appId,
        secret: "x".repeat(LARGE_BYTES),
      }),
      headers: { "Content-Type": "application/json" },
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ errcode: 45002 });
  });
});

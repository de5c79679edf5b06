import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GATEWAY_BODY_LIMIT_BYTES } from "../../src/routes/api-v1.ts";
import { ADMIN_TOKEN, call } from "../support/gateway.ts";
import { oddText, utf8Length, wrongTypeFor } from "./arbitraries.ts";
import { ask, askRaw, expectNoWeChatCall, expectRefusal, said } from "./bad-input.ts";
import {
  ADMIN_PUT_ENDPOINT,
  type Apps,
  appIdsOf,
  appKeyFor,
  type BodyEndpoint,
  credentialFor,
  LIMITED_BODY_ENDPOINTS,
  REFRESH_ENDPOINT,
  registerApps,
} from "./endpoints.ts";

// The §6 and QR-Auth routes take at most GATEWAY_BODY_LIMIT_BYTES (64 KB): anything larger is a
// 413 envelope, whatever it holds and however it is sent, before anything else happens. The other
// routes have no such limit but still refuse an oversized field with a 4xx, never a 500.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("huge");
});

/** `seed` repeated to at least `bytes` bytes of UTF-8. */
function grow(seed: string, bytes: number): string {
  return seed.repeat(Math.ceil(bytes / Math.max(1, utf8Length(seed))));
}

/** Bodies of more than `minBytes`: padded valid requests, huge fields, non-JSON, big arrays. */
function hugeBodyFor(endpoint: BodyEndpoint, minBytes: number, maxBytes: number): fc.Arbitrary<string> {
  const seed = fc.oneof(oddText, fc.string({ unit: "grapheme", minLength: 1, maxLength: 16 }));
  const size = fc.integer({ min: minBytes + 1, max: maxBytes });
  const fields = Object.keys(endpoint.fields);
  return fc.oneof(
    fc.tuple(seed, size).map(([s, bytes]) => JSON.stringify({ ...endpoint.valid, padding: grow(s, bytes) })),
    fc
      .tuple(fc.constantFrom(...fields), seed, size)
      .map(([field, s, bytes]) => JSON.stringify({ ...endpoint.valid, [field]: grow(s, bytes) })),
    fc.tuple(seed, size).map(([s, bytes]) => grow(s, bytes)),
    size.map((bytes) => JSON.stringify(Array.from({ length: Math.ceil(bytes / 2) }, (_, i) => i % 10))),
  );
}

describe("a body over 64 KB", () => {
  it.each(LIMITED_BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is a 413 from %s, and reaches nobody",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      await fc.assert(
        fc.asyncProperty(hugeBodyFor(endpoint, GATEWAY_BODY_LIMIT_BYTES, 200_000), async (body) => {
          const request = `${endpoint.method} ${path} ${utf8Length(body)} bytes: ${body.slice(0, 100)}`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
            ask(endpoint.method, path, { ...(token ? { token } : {}), body }),
          );
          expectRefusal(answer, request);
          expect(answer.status, said(request, answer)).toBe(413);
        }),
        { numRuns: 8 },
      );
    },
  );

  it.each(LIMITED_BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "is a 413 from %s when streamed without a Content-Length",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1_000, max: 16_384 }),
          fc.integer({ min: GATEWAY_BODY_LIMIT_BYTES + 1, max: 200_000 }),
          async (chunkBytes, total) => {
            let sent = 0;
            const stream = new ReadableStream<Uint8Array>({
              pull(controller) {
                if (sent >= total) return controller.close();
                const chunk = new Uint8Array(Math.min(chunkBytes, total - sent)).fill(0x20);
                sent += chunk.byteLength;
                controller.enqueue(chunk);
              },
            });
            const headers = new Headers({ "Content-Type": "application/json" });
            if (token) headers.set("Authorization", `Bearer ${token}`);
            const request = `${endpoint.method} ${path} streamed ${total} bytes in chunks of ${chunkBytes}`;
            const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
              askRaw(endpoint.method, path, { headers, body: stream }),
            );
            expectRefusal(answer, request);
            expect(answer.status, said(request, answer)).toBe(413);
          },
        ),
        // Few runs: workerd logs "read end of pipe was aborted" for each body left unread.
        { numRuns: 2 },
      );
    },
  );

  it.each(LIMITED_BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "%s refuses 64 KB + 1 byte with 413 but reads exactly 64 KB",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      const [field, kind] = Object.entries(endpoint.fields)[0]!;
      // One field of the wrong type: read in full, the body is a 400 naming it, and calls nobody.
      await fc.assert(
        fc.asyncProperty(wrongTypeFor(kind), fc.boolean(), async (bad, over) => {
          const bytes = GATEWAY_BODY_LIMIT_BYTES + (over ? 1 : 0);
          const shell = JSON.stringify({ ...endpoint.valid, [field]: bad, padding: "" });
          const body = shell.replace('"padding":""', `"padding":"${"p".repeat(bytes - utf8Length(shell))}"`);
          expect(utf8Length(body)).toBe(bytes);
          const request = `${endpoint.method} ${path} ${bytes} bytes, ${field}: ${JSON.stringify(bad)}`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
            ask(endpoint.method, path, { ...(token ? { token } : {}), body }),
          );
          expectRefusal(answer, request);
          expect(answer.status, said(request, answer)).toBe(over ? 413 : 400);
        }),
        {
          numRuns: 4,
          examples: [
            [null, true],
            [null, false],
          ],
        },
      );
    },
  );
});

describe("a huge body on the admin, token and legacy routes", () => {
  it.each([REFRESH_ENDPOINT, ADMIN_PUT_ENDPOINT].map((endpoint) => [endpoint.name, endpoint] as const))(
    "is refused by %s with a 4xx envelope",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      const stringFields = Object.keys(endpoint.fields).filter((f) => endpoint.fields[f] === "string");
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...stringFields),
          fc.oneof(oddText, fc.string({ minLength: 1, maxLength: 8 })),
          fc.integer({ min: GATEWAY_BODY_LIMIT_BYTES, max: 1_000_000 }),
          async (field, seed, bytes) => {
            const body = JSON.stringify({ ...endpoint.valid, [field]: grow(seed, bytes) });
            const request = `${endpoint.method} ${path} ${field} of ${bytes} bytes`;
            const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
              ask(endpoint.method, path, { ...(token ? { token } : {}), body }),
            );
            expectRefusal(answer, request);
          },
        ),
        { numRuns: 5 },
      );
    },
  );

  it("is refused by the legacy WxToken in its RequestResult envelope", async () => {
    const path = `/api/v1/Common/WxToken?appid=${apps.mp.appId}`;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(oddText, fc.string({ minLength: 1, maxLength: 8 })),
        fc.integer({ min: GATEWAY_BODY_LIMIT_BYTES, max: 1_000_000 }),
        fc.boolean(),
        async (seed, bytes, asJson) => {
          const text = grow(seed, bytes);
          const body = asJson ? JSON.stringify({ access_token: text }) : text;
          const request = `POST ${path} ${asJson ? "access_token" : "text"} of ${bytes} bytes`;
          const answer = await expectNoWeChatCall(appIdsOf(apps), request, () =>
            ask("POST", path, { token: apps.mp.apiKey, body }),
          );
          expect(answer.status, said(request, answer)).toBeGreaterThanOrEqual(400);
          expect(answer.status, said(request, answer)).toBeLessThan(500);
          expect(answer.body, said(request, answer)).toMatchObject({ Data: null, Status: 1, Total: 0 });
        },
      ),
      { numRuns: 5 },
    );
  });
});

describe("every route has a body limit", () => {
  it("admin, token and legacy routes refuse a body over 64 KB with 413", async () => {
    const big = JSON.stringify({ access_token: "x".repeat(70_000) });
    for (const [method, path] of [
      ["PUT", "/admin/apps/bodylimit-app"],
      ["POST", "/Wechat/bodylimit-app/AccessToken/Refresh"],
      ["POST", "/api/v1/Common/WxToken?appid=wxbodylimit00001"],
    ] as const) {
      const answer = await call(method, path, { token: ADMIN_TOKEN, body: big });
      expect(answer.status, path).toBe(413);
    }
  });
});

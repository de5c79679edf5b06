import { describe, expect, it } from "vitest";
import { call, registerApp } from "../support/gateway.ts";
import { fetchWith } from "./demo-client.ts";

// The demo opens sign-in sessions with no API key, so it exists only where DEMO_PAGES is "true"
// (`npm run dev`, the browser tests). Anywhere else every demo path answers like a path that does
// not exist: the 404 envelope, before the appKey is even looked up.

const PATHS: [string, string][] = [
  ["GET", "/demo/qr-login/qr-demo-off"],
  ["POST", "/demo/qr-login/qr-demo-off/session"],
  ["GET", "/demo/qr-login/qr-demo-off/session/12345"],
  ["GET", "/demo/qr-login/qr-demo-off/session/12345/code"],
  ["GET", "/demo/qr-login/qr-demo-off/phone"],
  ["POST", "/demo/qr-login/qr-demo-off/phone/wx-login"],
  ["GET", "/demo/qr-login/qr-demo-off/phone/codes?target=a@example.com"],
  ["GET", "/demo/qr-login/no-such-app"],
];

describe("the QR-login demo is off unless DEMO_PAGES is true", () => {
  it("answers the 404 envelope on every path with wrangler.toml's DEMO_PAGES=false", async () => {
    await registerApp("qr-demo-off", "wxqrdemooff00001");
    for (const [method, path] of PATHS) {
      const answer = await call(method, path, method === "POST" ? { body: {} } : {});
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body).toEqual({
        code: 404,
        data: null,
        error: `no route for ${method} ${path.split("?")[0]}`,
      });
    }
  });

  it("stays off for any value but the string true", async () => {
    for (const value of ["", "1", "TRUE", "yes", undefined]) {
      const response = await fetchWith({ DEMO_PAGES: value as string }, "GET", "/demo/qr-login/qr-demo-off");
      expect(response.status, String(value)).toBe(404);
      expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
    }
  });

  it("keeps the demo out of the OpenAPI document", async () => {
    const document = (await call("GET", "/openapi.json")).body as unknown as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(document.paths).filter((path) => path.startsWith("/demo"))).toEqual([]);
  });
});

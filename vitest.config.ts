import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const ADMIN_TOKEN = "test-admin-token";
// wrangler.toml lists ADMIN_TOKEN as a required secret; give it one so the config loads quietly.
process.env.ADMIN_TOKEN ??= ADMIN_TOKEN;

// Tests run inside workerd with the real Durable Objects, KV, alarms and cron handler from
// wrangler.toml. The only stand-in is the WeChat simulator (sim/), which the global setup starts
// as a real HTTP server on loopback so that timeouts and dropped connections are real too.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          WECHAT_API_BASE: inject<string>("simulatorUrl"),
          WECHAT_TOKEN_API_BASE: "",
          ADMIN_TOKEN,
        },
      },
    })),
  ],
  test: {
    globalSetup: ["./test/global-setup.ts"],
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    // The workers log one JSON line per event; show them only for failing tests.
    silent: "passed-only",
    hookTimeout: 30_000,
  },
});

import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { CODE_WEBHOOK_SECRET } from "./test/global-setup.ts";

const ADMIN_TOKEN = "test-admin-token";
// wrangler.toml lists ADMIN_TOKEN and CODE_WEBHOOK_SECRET as required secrets; give them values so
// the config loads quietly.
process.env.ADMIN_TOKEN ??= ADMIN_TOKEN;
process.env.CODE_WEBHOOK_SECRET ??= CODE_WEBHOOK_SECRET;

// Tests run inside workerd with the real Durable Objects, KV, alarms and cron handler from
// wrangler.toml. The only stand-in is the WeChat simulator (sim/), which also receives the
// verification-code webhook (/__sim/codes) in place of a mail/SMS service. The global setup starts it
// as a real HTTP server on loopback so that timeouts and dropped connections are real too.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          WECHAT_API_BASE: inject<string>("simulatorUrl"),
          // Token and platform calls take the relay, as a deployment behind WeChat's IP whitelist does.
          WECHAT_TOKEN_API_BASE: inject<string>("tokenRelayUrl"),
          ADMIN_TOKEN,
          // Verification codes go to the simulator's webhook receiver (sim/code-webhook.ts).
          CODE_WEBHOOK_URL: `${inject<string>("simulatorUrl")}/__sim/codes`,
          CODE_WEBHOOK_SECRET,
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

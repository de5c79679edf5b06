// The gateway's HTTP surface as one Hono app: every area's router mounted in the order they must
// match, the OpenAPI document built from their schemas, and the one mapping of errors to the
// envelope. src/index.ts hands requests to it.

import { OpenAPIHono } from "@hono/zod-openapi";
import { adminRoutes } from "./admin.ts";
import { limitBody } from "./api-v1.ts";
import { assetRoutes } from "./assets.ts";
import { componentProxyRoutes, componentRoutes } from "./component.ts";
import { componentAuthorizationAdminRoutes, componentAuthorizationPages } from "./component-authorization.ts";
import { componentAdminRoutes } from "./components.ts";
import { consoleRoutes } from "./console.ts";
import { demoRoutes } from "./demo.ts";
import { docsRoutes } from "./docs.ts";
import { type GatewayEnv, handleError } from "./envelope.ts";
import { healthRoutes } from "./health.ts";
import { jssdkRoutes } from "./jssdk.ts";
import { legacyRoutes } from "./legacy.ts";
import { linkRoutes } from "./links.ts";
import { messageRoutes } from "./messages.ts";
import { operatorToolRoutes } from "./operator-tools.ts";
import { proxyOperations, proxyRoutes } from "./proxy.ts";
import { pushRoutes } from "./pushes.ts";
import { qrAuthRoutes } from "./qrauth.ts";
import { tokenRoutes } from "./tokens.ts";
import { userRoutes } from "./users.ts";

/** Every HTTP route of the gateway, its OpenAPI document and its error envelope. */
export const app = new OpenAPIHono<GatewayEnv>();

/** How each kind of caller proves itself, as the API reference shows it. */
const SECURITY_SCHEMES = {
  ApiKey: {
    type: "http",
    scheme: "bearer",
    description: "An API key from POST /admin/apps/{appKey}/keys, valid for its own appKey only.",
  },
  UserSession: {
    type: "http",
    scheme: "bearer",
    description: "A mini-program user's session token from GET /Wechat/{appKey}/JSCode2Session (wgs_…).",
  },
  AdminToken: { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN secret." },
  WeChatAccessToken: {
    type: "apiKey",
    in: "query",
    name: "access_token",
    description:
      "Proxy only: a token this gateway handed out for the app (current, or the previous one within its grace), the way an SDK sends it.",
  },
} as const;
for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) {
  app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);
}

// Answers carry tokens and session tokens: no cache may keep them unless a route says otherwise
// (the JWKS does), and no browser may sniff a JSON or image answer into something else.
app.use("*", async (c, next) => {
  await next();
  if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
  c.res.headers.set("X-Content-Type-Options", "nosniff");
});

// Every route reads small JSON. The proxy carries media uploads and has its own limit; the legacy
// endpoint applies this one itself, after choosing its own error envelope.
app.use("*", async (c, next) =>
  c.req.path.startsWith("/proxy/") || c.req.path.startsWith("/api/v1/") ? next() : limitBody(c, next),
);

app.route("/", healthRoutes);
app.route("/", tokenRoutes);
app.route("/", legacyRoutes);
app.route("/", userRoutes);
app.route("/", messageRoutes);
app.route("/", linkRoutes);
app.route("/", jssdkRoutes);
app.route("/", qrAuthRoutes);
app.route("/", componentRoutes);
app.route("/", pushRoutes);
// Before the apps' proxy, whose /proxy/{appKey}/… would take "component" for an appKey.
app.route("/", componentProxyRoutes);
app.route("/", proxyRoutes);
app.route("/", adminRoutes);
app.route("/", componentAdminRoutes);
app.route("/", componentAuthorizationAdminRoutes);
app.route("/", componentAuthorizationPages);
app.route("/", operatorToolRoutes);
app.route("/", docsRoutes);
// Described after the routes, so the reference lists it after the endpoints it mirrors WeChat for.
for (const operation of proxyOperations) app.openAPIRegistry.registerPath(operation);
app.route("/", consoleRoutes);
app.route("/", assetRoutes);
app.route("/", demoRoutes);

app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "WeChat edge gateway",
    version: "0.1.0",
    description: "access_token central control and WeChat API gateway on Cloudflare Workers.",
  },
  // The reference's order: what most callers need first, the operator's endpoints last.
  tags: [
    {
      name: "Tokens",
      description:
        "The appid's one shared access_token: fetched and renewed by its keeper alone, served to every caller.",
    },
    {
      name: "Users",
      description: "Mini-program login, decryption and official-account users, with the appid's token.",
    },
    { name: "Messages", description: "Subscribe messages and content security, with the appid's token." },
    {
      name: "Links and codes",
      description: "URL links, schemes and mini-program codes (images as WeChat sends them).",
    },
    {
      name: "JS-SDK",
      description: "wx.config parameters for official-account pages, signed with the appid's ticket.",
    },
    {
      name: "QR-Auth",
      description:
        "Scan-to-login with a mini program: a web backend opens a session and polls it; the user scans and confirms.",
    },
    {
      name: "Proxy",
      description:
        "Mirror of api.weixin.qq.com for unchanged WeChat SDKs, answered and forwarded with the appid's token.",
    },
    {
      name: "Pushes",
      description:
        "WeChat's pushes (messages and events) received at the app's server URL and delivered once to every backend.",
    },
    { name: "Health", description: "Liveness: no auth, no storage, no WeChat." },
    { name: "Admin", description: "Apps, API keys and token health, with the ADMIN_TOKEN." },
  ],
});

app.notFound((c) =>
  c.json({ code: 404, data: null, error: `no route for ${c.req.method} ${c.req.path}` }, 404),
);
app.onError(handleError);

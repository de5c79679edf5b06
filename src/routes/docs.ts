import { Hono } from "hono";
import { html } from "hono/html";
import { renderPage } from "../pages/layout.ts";
import type { GatewayEnv } from "./envelope.ts";

// Swagger UI renders /openapi.json; its files come from the Worker itself (/assets/, no CDN), so
// the reference works offline and behind firewalls.
export const docsRoutes = new Hono<GatewayEnv>();
docsRoutes.get("/docs", (c) =>
  renderPage(c, {
    title: "API reference · WeChat edge gateway",
    stylesheets: ["/assets/swagger-ui/swagger-ui.css"],
    scripts: ["/assets/swagger-ui/swagger-ui-bundle.js", "/assets/docs.js"],
    body: html`<header class="bar"><strong>WeChat edge gateway</strong> <nav><a href="/docs">API reference</a> <a href="/console">Console</a> <a href="/openapi.json">openapi.json</a></nav></header>
<main id="swagger-ui" class="docs"><noscript>The reference needs JavaScript; the document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript></main>`,
  }),
);

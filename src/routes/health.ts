import { createRoute, z } from "@hono/zod-openapi";
import { jsonContent, newRouter, ok, okEnvelope } from "./envelope.ts";

const healthz = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["Health"],
  summary: "Liveness: no auth, no storage, no WeChat (the benchmark's baseline)",
  responses: { 200: jsonContent(okEnvelope(z.object({ status: z.literal("ok") })), "Alive") },
});

export const healthRoutes = newRouter();

healthRoutes.openapi(healthz, (c) => ok(c, { status: "ok" as const }));

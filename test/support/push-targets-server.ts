// A stand-in for an app's backends, run by the global setup as a real HTTP server on loopback (the
// worker under test reaches it like any backend, with real timeouts): POST /targets/{name} records
// the delivery and answers what the test scripted for that name (a status, a delay, a body), in
// order, then 200 "ok". Control calls: PUT /script/{name} {responses: [...]}, GET /received/{name}.

import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export type ScriptedAnswer = { status?: number; delayMs?: number; body?: string; contentType?: string };
export type ReceivedDelivery = { headers: Record<string, string>; body: string; at: number };

async function read(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startPushTargets(): Promise<{ url: string; close: () => Promise<void> }> {
  const scripts = new Map<string, ScriptedAnswer[]>();
  const received = new Map<string, ReceivedDelivery[]>();
  const server = createServer(async (request, response) => {
    const [, kind, name = ""] = (request.url ?? "").split("?")[0]!.split("/");
    const body = await read(request);
    if (request.method === "PUT" && kind === "script") {
      scripts.set(name, (JSON.parse(body) as { responses: ScriptedAnswer[] }).responses);
      response.writeHead(204).end();
      return;
    }
    if (request.method === "GET" && kind === "received") {
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify(received.get(name) ?? []));
      return;
    }
    if (request.method === "POST" && kind === "targets") {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([key, value]) => [key, String(value)]),
      );
      received.set(name, [...(received.get(name) ?? []), { headers, body, at: Date.now() }]);
      const answer = scripts.get(name)?.shift() ?? {};
      if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
      if (response.destroyed) return;
      response.writeHead(answer.status ?? 200, { "Content-Type": answer.contentType ?? "text/plain" });
      response.end(answer.body ?? "ok");
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

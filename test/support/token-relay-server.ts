// The fixed-IP relay of the README's IP-whitelist section, as the tests run it: every test's
// WECHAT_TOKEN_API_BASE points here (vitest.config.ts), and it forwards each request to the
// simulator unchanged, the way the README's nginx `proxy_pass` does. A dropped upstream connection
// drops the caller's too, so faults look the same through it. GET /__relay/seen answers the paths
// (no query: it carries secrets) it forwarded, so tests can check which calls took the relay.

import { Agent, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

/** Upstream connections the relay keeps open at most; further requests wait for one. */
const RELAY_UPSTREAM_CONNECTIONS = 64;

export async function startTokenRelay(
  upstream: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const target = new URL(upstream);
  // A bounded pool, like nginx's upstream keepalive: a thousand simultaneous token calls (the
  // platform scale test) queue here instead of opening a thousand connections to the simulator.
  const agent = new Agent({ keepAlive: true, maxSockets: RELAY_UPSTREAM_CONNECTIONS });
  const seen: string[] = [];
  const server = createServer((incoming, outgoing) => {
    const path = incoming.url ?? "/";
    if (incoming.method === "GET" && path === "/__relay/seen") {
      outgoing.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(seen));
      return;
    }
    seen.push(path.split("?")[0]!);
    const forwarded = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path,
        headers: { ...incoming.headers, host: target.host },
        agent,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
        answer.on("error", () => outgoing.destroy());
      },
    );
    forwarded.on("error", () => outgoing.destroy());
    outgoing.on("close", () => {
      if (!outgoing.writableFinished) forwarded.destroy();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

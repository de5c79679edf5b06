// What reached the simulator, read the most lenient way a web server could read a path, so that a
// test of the proxy's path rules does not depend on how strictly WeChat itself parses paths.

import { expect } from "vitest";
import { sim } from "../support/simulator.ts";

/** The paths the gateway must never let through in any spelling (it answers them itself). */
export const TOKEN_PATHS = ["/cgi-bin/token", "/cgi-bin/stable_token"];

const MAX_DECODING_ROUNDS = 4;

function decodeEscapes(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/**
 * A path as the most forgiving server would route it: escapes decoded (repeatedly, for servers that
 * decode twice), control characters dropped, backslashes taken as slashes, empty and dot segments
 * resolved, lower case, no trailing slash.
 */
export function leniently(path: string): string {
  let text = path.split("?")[0] ?? "";
  for (let round = 0; round < MAX_DECODING_ROUNDS; round++) {
    const decoded = decodeEscapes(text);
    if (decoded === text) break;
    text = decoded;
  }
  const printable = [...text].filter((character) => character >= " " && character !== "\u007f").join("");
  const segments: string[] = [];
  for (const segment of printable.replace(/\\/g, "/").split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment.toLowerCase());
  }
  return `/${segments.join("/")}`;
}

/** Whether a server could take `path` for a token endpoint (a prefix match counts: nginx-style locations). */
export function couldBeTokenPath(path: string): boolean {
  const lenient = leniently(path);
  return TOKEN_PATHS.some((token) => lenient.startsWith(token));
}

export type Received = Record<string, number>;

/** The "METHOD path" requests the simulator received for the app, as sent on the wire. */
export async function receivedBy(appId: string): Promise<Received> {
  return (await sim.state(appId)).received;
}

/** Requests received since `before` (a count that grew counts once per new request). */
export function receivedSince(before: Received, after: Received): string[] {
  const added: string[] = [];
  for (const [request, count] of Object.entries(after)) {
    for (let i = before[request] ?? 0; i < count; i++) added.push(request);
  }
  return added;
}

/** The path of a "METHOD path" entry. */
export function pathOf(request: string): string {
  return request.slice(request.indexOf(" ") + 1);
}

/** Upstream token calls (classic + stable) and jsapi/card ticket calls the simulator counted. */
export async function tokenAndTicketCalls(appId: string): Promise<number> {
  const { calls } = await sim.state(appId);
  return calls.token + calls.stableNormal + calls.stableForce + calls.ticket;
}

/** Nothing received since `before` could be a token path, and every path stays under `prefix`. */
export function expectOnlyUnder(prefix: string, received: string[], what: string): void {
  for (const request of received) {
    expect(couldBeTokenPath(pathOf(request)), `${what}: ${request} reached WeChat`).toBe(false);
    // With a slash added: the prefix itself ("/cgi-bin/message/") is allowed too.
    expect(`${leniently(pathOf(request))}/`.startsWith(prefix), `${what}: ${request} reached WeChat`).toBe(
      true,
    );
  }
}

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, type RegisteredApp, registerApp } from "../support/gateway.ts";
import { SECRET } from "../support/simulator.ts";
import {
  couldBeTokenPath,
  expectOnlyUnder,
  pathOf,
  receivedBy,
  receivedSince,
  tokenAndTicketCalls,
} from "./paths-at-wechat.ts";
import { viaProxy } from "./proxy-client.ts";

// Issue 12 §2 as a property: whatever spelling a caller gives a path (percent-encoded letters,
// case changes, control characters raw or encoded, dot segments, extra or encoded slashes,
// backslashes) and whatever the method, with a working API key, nothing outside the app's
// allow-list and no token path ever reaches WeChat, and nothing is answered with a 5xx.

const ALLOWED = "/cgi-bin/message/";
/** Enough spellings to cover each kind many times over, in a few seconds. */
const RUNS = 1000;

/** Where a caller might want to go: the token paths, the keeper's paths, refused and allowed APIs. */
const TARGETS = [
  "/cgi-bin/token",
  "/cgi-bin/stable_token",
  "/cgi-bin/ticket/getticket",
  "/sns/jscode2session",
  "/cgi-bin/user/info",
  "/wxa/generate_urllink",
  "/__sim/apps",
  "/cgi-bin/message/custom/send",
];

/** Pieces inserted anywhere: dot segments, control characters, slashes and backslashes in many spellings. */
const GADGETS = [
  ".",
  "..",
  "/./",
  "/../",
  "/x/../",
  "%2e",
  "%2E%2e",
  ".%2e",
  "%2e.",
  "/%2e%2e/",
  ".%0A.",
  "/.%0a./",
  "/.%09./",
  "/%0D../",
  "/..%0A/",
  "/.%0A./.%0A./",
  "/%2e%0a%2e/",
  "%0A",
  "%0D",
  "%09",
  "%00",
  "%1F",
  "%7F",
  "\t",
  "\n",
  "\r",
  "\\",
  "%5C",
  "%5c",
  "%2F",
  "%2f",
  "//",
  ";",
  "%3B",
  "%",
  "%25",
  "%252e",
  " ",
  "%20",
  "~",
  "/",
];

const percentEncoded = (ch: string, lower: boolean) => {
  const hex = ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0");
  return `%${lower ? hex.toLowerCase() : hex}`;
};

const flippedCase = (ch: string) => (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase());

/** One character of a path, as it is, in another case, or percent-encoded. */
const spelledCharacter = (ch: string) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(ch) },
    { weight: 1, arbitrary: fc.constant(flippedCase(ch)) },
    { weight: 1, arbitrary: fc.boolean().map((lower) => percentEncoded(ch, lower)) },
  );

const spelledPath = (path: string) =>
  fc.tuple(...[...path].map(spelledCharacter)).map((characters) => characters.join(""));

/** Where in `path` a gadget goes: at a slash (a segment boundary, where dot segments bite) or anywhere. */
function insertionPoint(path: string, atSlash: boolean, n: number): number {
  if (!atSlash) return n % (path.length + 1);
  const slashes = [...path.matchAll(/\//g)].map((match) => match.index);
  return slashes.length === 0 ? 0 : (slashes[n % slashes.length] ?? 0);
}

/** A target, maybe under the allowed prefix, respelled, with gadgets inserted and maybe a trailing slash. */
const wechatPath = fc
  .tuple(
    fc.constantFrom("", ALLOWED.slice(0, -1)),
    fc.constantFrom(...TARGETS).chain(spelledPath),
    fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.constantFrom(...GADGETS)), { maxLength: 4 }),
    fc.constantFrom("", "/", "//"),
  )
  .map(([prefix, path, gadgets, trailer]) => {
    let spelled = prefix + path;
    for (const [atSlash, n, gadget] of gadgets) {
      const index = insertionPoint(spelled, atSlash, n);
      spelled = spelled.slice(0, index) + gadget + spelled.slice(index);
    }
    return spelled + trailer;
  });

const method = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH");

let app: RegisteredApp;

beforeAll(async () => {
  app = await registerApp("proxy-spellings", "wxproxyspelling1");
  await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, proxy: { allowedPrefixes: [ALLOWED] } });
  // The keeper's own token call, before the baseline: every later token call would be a leak.
  const first = await viaProxy(app, "/cgi-bin/token", {
    query: { grant_type: "client_credential", appid: app.appId, secret: SECRET },
  });
  expect(await first.json()).toMatchObject({ access_token: expect.any(String) });
});

describe("generated spellings of a path", () => {
  it("never reach a path outside the allow-list, nor a token path, and are never a 5xx", async () => {
    const tokenCalls = await tokenAndTicketCalls(app.appId);
    await fc.assert(
      fc.asyncProperty(wechatPath, method, async (path, verb) => {
        const before = await receivedBy(app.appId);
        const response = await viaProxy(app, path, {
          method: verb,
          headers: { Authorization: `Bearer ${app.apiKey}`, "Content-Type": "application/json" },
          query: {
            grant_type: "client_credential",
            appid: app.appId,
            secret: SECRET,
            type: "jsapi",
            js_code: "code",
            force_refresh: "true",
          },
          ...(verb === "GET"
            ? {}
            : {
                body: JSON.stringify({
                  grant_type: "client_credential",
                  appid: app.appId,
                  secret: SECRET,
                  force_refresh: true,
                }),
              }),
        });
        const text = await response.text();
        const what = `${verb} ${JSON.stringify(path)} -> ${response.status} ${text.slice(0, 200)}`;
        expect(response.status, what).toBeLessThan(500);
        const reached = receivedSince(before, await receivedBy(app.appId));
        expect(
          reached.filter((request) => couldBeTokenPath(pathOf(request))),
          what,
        ).toEqual([]);
        expectOnlyUnder(ALLOWED, reached, what);
        expect(await tokenAndTicketCalls(app.appId), what).toBe(tokenCalls);
      }),
      { numRuns: RUNS },
    );
  });
});

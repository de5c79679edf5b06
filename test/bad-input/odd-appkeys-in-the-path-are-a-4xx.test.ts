import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { ADMIN_TOKEN } from "../support/gateway.ts";
import { isWellFormedAppKey, oddAppKeySegment } from "./arbitraries.ts";
import { ask, expectNoWeChatCall, expectRefusal, RUNS } from "./bad-input.ts";
import {
  ADMIN_APP_ROUTES,
  ADMIN_PUT_ENDPOINT,
  type Apps,
  appIdsOf,
  BODY_ENDPOINTS,
  credentialFor,
  QUERY_ENDPOINTS,
  queryString,
  registerApps,
} from "./endpoints.ts";

// An appKey in the path that is malformed (dot segments, %2F, invalid UTF-8, control bytes), too
// long (for the 64-character rule, and for KV's 512-byte keys), odd unicode, or simply unknown:
// every route answers a 4xx envelope, with whatever credential it was given, and calls nobody.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("paths");
});

type Route = {
  name: string;
  method: string;
  path: (appKey: string) => string;
  /** The credential the route wants (read once the apps are registered). */
  token: () => string | undefined;
  body?: string;
};

function routes(): Route[] {
  const list: Route[] = [];
  for (const endpoint of BODY_ENDPOINTS) {
    if (endpoint === ADMIN_PUT_ENDPOINT) continue;
    list.push({
      name: endpoint.name,
      method: endpoint.method,
      path: endpoint.path,
      token: () => credentialFor(apps, endpoint),
      body: JSON.stringify(endpoint.valid),
    });
  }
  for (const endpoint of QUERY_ENDPOINTS) {
    list.push({
      name: endpoint.name,
      method: "GET",
      path: (appKey) => `${endpoint.path(appKey)}${queryString(endpoint.valid)}`,
      token: () => credentialFor(apps, endpoint),
    });
  }
  for (const route of ADMIN_APP_ROUTES) {
    list.push({ ...route, name: `admin ${route.name}`, token: () => ADMIN_TOKEN });
  }
  return list;
}

describe("an odd appKey", () => {
  // The WeChat call counters are compared around each whole property.
  it.each(routes().map((route) => [route.name, route] as const))("is a 4xx from %s", async (_, route) => {
    await expectNoWeChatCall(appIdsOf(apps), `${route.name} with odd appKeys`, () =>
      fc.assert(
        fc.asyncProperty(oddAppKeySegment, async (segment) => {
          const path = route.path(segment);
          const token = route.token();
          const answer = await ask(route.method, path, {
            ...(token ? { token } : {}),
            ...(route.body ? { body: route.body } : {}),
          });
          expectRefusal(answer, `${route.method} ${path}`);
        }),
        { numRuns: RUNS },
      ),
    );
  });

  it("is a 4xx from the admin PUT, whose body is a valid registration", async () => {
    const body = JSON.stringify({ ...ADMIN_PUT_ENDPOINT.valid, appId: apps.mp.appId });
    await expectNoWeChatCall(appIdsOf(apps), "admin PUT with odd appKeys", () =>
      fc.assert(
        fc.asyncProperty(
          oddAppKeySegment.filter((segment) => !isWellFormedAppKey(segment)),
          async (segment) => {
            const path = ADMIN_PUT_ENDPOINT.path(segment);
            expectRefusal(await ask("PUT", path, { token: ADMIN_TOKEN, body }), `PUT ${path}`);
          },
        ),
        { numRuns: RUNS },
      ),
    );
  });
});

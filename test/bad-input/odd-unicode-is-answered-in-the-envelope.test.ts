import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { ADMIN_TOKEN } from "../support/gateway.ts";
import { oddText, rawBodyText, textBreaking } from "./arbitraries.ts";
import {
  ask,
  expectAnsweredWithoutCrash,
  expectFieldRefused,
  expectNoWeChatCall,
  expectRefusal,
  RUNS,
} from "./bad-input.ts";
import {
  ADMIN_PUT_ENDPOINT,
  type Apps,
  appFor,
  appIdsOf,
  appKeyFor,
  BODY_ENDPOINTS,
  type BodyEndpoint,
  credentialFor,
  LIMITED_BODY_ENDPOINTS,
  parsesToObject,
  QUERY_ENDPOINTS,
  queryString,
  registerApps,
} from "./endpoints.ts";

// Lone surrogates, right-to-left overrides, zero-width characters, emoji ZWJ sequences, combining
// marks, full-width digits... in any field. A field with a character rule refuses them with a 400
// naming it, and WeChat is not called; free text is accepted or refused, always in the envelope.

let apps: Apps;

beforeAll(async () => {
  apps = await registerApps("unicode");
});

const byName = (name: string) => BODY_ENDPOINTS.find((e) => e.name === name)!;
const queryEndpoint = (name: string) => QUERY_ENDPOINTS.find((e) => e.name === name)!;

/** Body fields with a character rule (ASCII-only patterns, base64, enums, emails, digits). */
const RULED_BODY_FIELDS: [BodyEndpoint, string, Record<string, unknown>?][] = [
  [ADMIN_PUT_ENDPOINT, "appId"],
  [ADMIN_PUT_ENDPOINT, "type"],
  [ADMIN_PUT_ENDPOINT, "tokenMode"],
  [byName("SubscribeSend"), "miniprogram_state"],
  [byName("UrlLinkGenerate"), "query"],
  [byName("UrlLinkGenerate"), "env_version"],
  [byName("WXACodeGetUnlimited"), "scene"],
  [byName("WXACodeGet"), "env_version"],
  [byName("QR-Auth/Initiate"), "scopes"],
  [byName("QR-Auth/Initiate"), "scheme"],
  [byName("QR-Auth/Scan"), "signInKey"],
  [byName("QR-Auth/Confirm-Register"), "unionID"],
  [byName("QR-Auth/Confirm-Register"), "email"],
  [byName("QR-Auth/Confirm-Register"), "emailCode"],
  [byName("QR-Auth/Confirm-Register"), "phone"],
  [byName("QR-Auth/Confirm-Register"), "phoneCode"],
  [byName("QR-Auth/SendCode"), "channel"],
  [byName("QR-Auth/SendCode"), "target", { channel: "email" }],
  [byName("QR-Auth/SendCode"), "target", { channel: "phone" }],
];

/** Query parameters with a character rule. */
const RULED_QUERY_FIELDS: [string, string][] = [
  ["JSCode2Session", "js_code"],
  ["Decrypt", "sessionKey"],
  ["Decrypt", "iv"],
  ["Decrypt", "encryptedData"],
  ["UserInfo", "openid"],
  ["UserInfo", "lang"],
  ["JSConfig", "url"],
  ["JSConfig", "jsApiList"],
  ["QR-Auth/Code", "signInKey"],
  ["QR-Auth/Status", "signInKey"],
];

/** Free text: WeChat (or the gateway's store) takes any characters. */
const FREE_TEXT_FIELDS: [BodyEndpoint, string][] = [
  [byName("SubscribeSend"), "touser"],
  [byName("SubscribeSend"), "page"],
  [byName("SubscribeMSG"), "title"],
  [byName("SubscribeMSG"), "url"],
  [byName("MsgSecCheck"), "content"],
  [byName("MsgSecCheck"), "nickname"],
  [byName("UrlLinkGenerate"), "path"],
  [byName("QR-Auth/Initiate"), "remark"],
  [byName("QR-Auth/Confirm-Register"), "nickName"],
  [byName("QR-Auth/Confirm-Register"), "avatar"],
  [byName("AccessToken/Refresh"), "access_token"],
];

describe("a field with a character rule", () => {
  it.each(RULED_BODY_FIELDS.map(([e, field, base]) => [`${e.name} ${field}`, e, field, base] as const))(
    "refuses odd unicode: %s",
    async (_, endpoint, field, base) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      await expectNoWeChatCall(appIdsOf(apps), `${endpoint.name} ${field}`, () =>
        fc.assert(
          fc.asyncProperty(oddText, async (text) => {
            const body = JSON.stringify({ ...endpoint.valid, ...base, [field]: text });
            const answer = await ask(endpoint.method, path, { ...(token ? { token } : {}), body });
            expectFieldRefused(answer, `${endpoint.method} ${path} ${body}`, field);
          }),
          { numRuns: RUNS },
        ),
      );
    },
  );

  it.each(RULED_QUERY_FIELDS)("refuses odd unicode in the query: %s %s", async (name, field) => {
    const endpoint = queryEndpoint(name);
    const token = credentialFor(apps, endpoint);
    const breaking = field === "url" ? textBreaking(/^https?:\/\/\S+$/i) : oddText;
    await expectNoWeChatCall(appIdsOf(apps), `${name} ${field}`, () =>
      fc.assert(
        fc.asyncProperty(breaking, async (text) => {
          const query = queryString({ ...endpoint.valid, [field]: text });
          const path = `${endpoint.path(appFor(apps, endpoint.type).appKey)}${query}`;
          expectFieldRefused(await ask("GET", path, token ? { token } : {}), `GET ${path}`, field);
        }),
        { numRuns: RUNS },
      ),
    );
  });
});

describe("free text", () => {
  it.each(FREE_TEXT_FIELDS.map(([e, field]) => [`${e.name} ${field}`, e, field] as const))(
    "is answered in the envelope: %s",
    async (_, endpoint, field) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      await fc.assert(
        fc.asyncProperty(oddText, async (text) => {
          const body = JSON.stringify({ ...endpoint.valid, [field]: text });
          const answer = await ask(endpoint.method, path, { ...(token ? { token } : {}), body });
          expectAnsweredWithoutCrash(answer, `${endpoint.method} ${path} ${body}`);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it("in an app's profile is stored and answered in the envelope", async () => {
    const path = `/admin/apps/${apps.mp.appKey}`;
    await fc.assert(
      fc.asyncProperty(oddText, oddText, async (name, description) => {
        const body = JSON.stringify({ appId: apps.mp.appId, profile: { name, description, tags: [name] } });
        const answer = await ask("PUT", path, { token: ADMIN_TOKEN, body });
        expectAnsweredWithoutCrash(answer, `PUT ${path} ${body}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("odd unicode that is not JSON, or in a field name", () => {
  it.each(LIMITED_BODY_ENDPOINTS.map((endpoint) => [endpoint.name, endpoint] as const))(
    "%s refuses a body of odd text, and answers odd field names in the envelope",
    async (_, endpoint) => {
      const path = endpoint.path(appKeyFor(apps, endpoint));
      const token = credentialFor(apps, endpoint);
      const auth = token ? { token } : {};
      await fc.assert(
        fc.asyncProperty(oddText, rawBodyText, async (key, raw) => {
          const notJson = `${raw}${key}`;
          if (endpoint.anyObjectIsValid && parsesToObject(notJson)) return; // e.g. "\uFEFF{}": valid
          expectRefusal(await ask(endpoint.method, path, { ...auth, body: notJson }), `${path} ${notJson}`);
          const oddKeys = JSON.stringify({ [key]: raw, ...endpoint.valid });
          if (endpoint.name === "QR-Auth/Initiate") return; // valid: each run would open a session
          const answer = await ask(endpoint.method, path, { ...auth, body: oddKeys });
          expectAnsweredWithoutCrash(answer, `${path} ${oddKeys}`);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    },
  );
});

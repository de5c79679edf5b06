// The componentAppSecret, the message Token and the EncodingAESKey go to the platform's keeper
// only: no admin answer (registration, read, status, keys) and no KV record carries them, nor the
// component_access_token.

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { componentToken, pushTicket, registerPlatform } from "../support/component.ts";
import { admin } from "../support/gateway.ts";
import { COMPONENT_AES_KEY, COMPONENT_SECRET, COMPONENT_TOKEN } from "../support/simulator.ts";

describe("a platform's secrets", () => {
  it("are in no admin answer and no KV record", async () => {
    const platform = await registerPlatform("secrets-platform", "wxcompsecrets001");
    await pushTicket(platform);
    const token = (await componentToken(platform)).body.data.component_access_token;
    const answers = [
      await admin("PUT", `/components/${platform.componentKey}`, {
        componentAppId: platform.componentAppId,
        componentAppSecret: COMPONENT_SECRET,
        token: COMPONENT_TOKEN,
        encodingAESKey: COMPONENT_AES_KEY,
      }),
      await admin("GET", `/components/${platform.componentKey}`),
      await admin("GET", `/components/${platform.componentKey}/status`),
      await admin("POST", `/components/${platform.componentKey}/keys`),
    ];
    const kv = await Promise.all(
      (await env.REGISTRY.list()).keys.map(async ({ name }) => `${name}=${await env.REGISTRY.get(name)}`),
    );
    for (const text of [...answers.map((a) => JSON.stringify(a.body)), ...kv]) {
      for (const secret of [COMPONENT_SECRET, COMPONENT_TOKEN, COMPONENT_AES_KEY, token]) {
        expect(text).not.toContain(secret);
      }
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 201]);
    expect(answers[1]!.body).toMatchObject({
      data: {
        componentKey: platform.componentKey,
        componentAppId: platform.componentAppId,
        autoRegister: false,
      },
    });
  });

  it("are required the first time and kept when an update omits them", async () => {
    const first = await admin("PUT", "/components/secrets-required", { componentAppId: "wxcompsecrets002" });
    expect(first.status).toBe(400);
    const platform = await registerPlatform("secrets-kept", "wxcompsecrets003");
    const update = await admin("PUT", `/components/${platform.componentKey}`, {
      componentAppId: platform.componentAppId,
      autoRegister: true,
    });
    expect(update.status).toBe(200);
    expect((await pushTicket(platform)).answer.status).toBe(200);
    expect((await componentToken(platform)).status).toBe(200);
    // A platform's appid does not change under its componentKey.
    const moved = await admin("PUT", `/components/${platform.componentKey}`, {
      componentAppId: "wxcompsecrets004",
    });
    expect(moved.status).toBe(409);
  });
});

// WeChat checks the platform's 消息与事件接收URL with a signed GET: echostr comes back when it is
// signed with the platform's Token, and 401 otherwise (an app's own push Token is not it).

import { describe, expect, it } from "vitest";
import { registerPlatform } from "../support/component.ts";
import { deliverAuthorizerPush, PUSH_TOKEN } from "../support/pushes.ts";
import { COMPONENT_TOKEN } from "../support/simulator.ts";

async function urlCheck(token: string, echostr: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = "4051372612";
  const digest = await crypto.subtle.digest(
    "SHA-1",
    new TextEncoder().encode([token, timestamp, nonce].sort().join("")),
  );
  const signature = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { query: { signature, timestamp, nonce, echostr }, body: "" };
}

describe("the authorizers' URL check", () => {
  it("answers echostr with the platform's Token, 401 with another", async () => {
    const platform = await registerPlatform("authpush-urlcheck", "wxauthpushcomp04");
    const path = [platform.componentKey, "wxauthpushapp004"] as const;
    expect(await deliverAuthorizerPush(...path, await urlCheck(COMPONENT_TOKEN, "echo-4711"), "GET")).toEqual(
      {
        status: 200,
        text: "echo-4711",
      },
    );
    const other = await deliverAuthorizerPush(...path, await urlCheck(PUSH_TOKEN, "echo-4712"), "GET");
    expect(other.status).toBe(401);
    expect(other.text).not.toContain("echo-4712");
  });
});

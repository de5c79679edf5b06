import { describe, expect, it } from "vitest";
import { admin, registerApp } from "../support/gateway.ts";

// A deletion removes every key of the app within one request (Workers allow 1,000 KV operations
// per invocation), so an app holds at most 100 keys: one per calling service and a few rotations.

describe("API keys per app", () => {
  it("the 101st key is refused with 409 until one is revoked", async () => {
    const app = await registerApp("adm-key-cap", "wxadmkeycap00001");
    for (let i = 1; i < 100; i++) expect((await admin("POST", `/apps/${app.appKey}/keys`)).status).toBe(201);

    const refused = await admin("POST", `/apps/${app.appKey}/keys`);
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({
      code: 409,
      data: null,
      error: "adm-key-cap already has 100 API keys: revoke one first",
    });

    expect((await admin("DELETE", `/apps/${app.appKey}/keys/${app.keyId}`)).status).toBe(200);
    expect((await admin("POST", `/apps/${app.appKey}/keys`)).status).toBe(201);
  });
});

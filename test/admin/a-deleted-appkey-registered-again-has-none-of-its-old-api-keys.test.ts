import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, getToken, registerApp } from "../support/gateway.ts";
import { deleteAndRegisterAgain } from "../support/registry.ts";

// SPEC §4: DELETE /admin/apps/{appKey} removes all of its API keys, including one created a moment
// before, and an appKey registered again later starts empty. KV lists are eventually consistent
// (a key written a moment ago may be missing from a list for up to a minute), so a deletion that
// looked for keys through one could miss it; and a KV write racing the deletion can land after it.

describe("a deleted appKey registered again", () => {
  it("refuses a key created just before the deletion, even one a KV list did not show yet", async () => {
    const app = await registerApp("adm-del-keys", "wxadmdelkeys0001");
    const late = await admin<{ id: string; key: string }>("POST", `/apps/${app.appKey}/keys`);
    expect(late.status).toBe(201);
    // What a KV list a moment after the write may answer: the new key's index entry not there yet.
    await env.REGISTRY.delete(`appkeys:${app.appKey}:${late.body.data.id}`);

    const next = await deleteAndRegisterAgain(app);

    for (const key of [app.apiKey, late.body.data.key]) {
      const answer = await getToken({ ...app, apiKey: key });
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ code: 401, data: null, error: "the API key is not valid" });
    }
    expect((await getToken(next)).status).toBe(200);
    const detail = await admin<{ keys: { id: string }[] }>("GET", `/apps/${app.appKey}`);
    expect(detail.body.data.keys.map((key) => key.id)).toEqual([next.keyId]);
  });

  it("refuses an old key whose record reappears in KV after the deletion", async () => {
    const app = await registerApp("adm-del-race", "wxadmdelrace0001");
    const record = await env.REGISTRY.get(`apikey:${app.keyId}`);
    expect(record).not.toBeNull();

    const next = await deleteAndRegisterAgain(app);
    expect(await env.REGISTRY.get(`apikey:${app.keyId}`)).toBeNull();
    // A key creation racing the deletion: its KV write lands after the deletion removed the rest.
    await env.REGISTRY.put(`apikey:${app.keyId}`, record!);

    expect((await getToken(app)).status).toBe(401);
    expect((await getToken(next)).status).toBe(200);
  });
});

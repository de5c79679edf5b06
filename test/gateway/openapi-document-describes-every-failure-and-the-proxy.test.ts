import { describe, expect, it } from "vitest";
import { call } from "../support/gateway.ts";

// The document a developer reads (/docs renders it) tells every way a call can fail and how to
// authenticate it, including the proxy catch-all that answers in WeChat's own shapes.

type Operation = {
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type OpenApi = {
  tags: { name: string; description: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }> };
};

const document = async () => (await call<OpenApi>("GET", "/openapi.json")).body;

function operations(doc: OpenApi): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]),
  );
}

describe("the OpenAPI document", () => {
  it("gives every failure of every gateway operation its error envelope", async () => {
    const doc = await document();
    let failures = 0;
    for (const [name, operation] of operations(doc)) {
      if (name.includes(" /proxy/")) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        failures++;
        const schema = response.content?.["application/json"]?.schema;
        // The legacy endpoint keeps its own RequestResult envelope (SPEC §5).
        const envelope = name.includes("/api/v1/") ? "RequestResult" : "ErrorEnvelope";
        expect(schema?.$ref, `${name} ${status}`).toBe(`#/components/schemas/${envelope}`);
      }
    }
    expect(failures).toBeGreaterThan(100);
  });

  it("documents 401 on every operation that needs a credential", async () => {
    const doc = await document();
    for (const [name, operation] of operations(doc)) {
      if (!operation.security || name.includes(" /proxy/")) continue;
      expect(Object.keys(operation.responses), name).toContain("401");
    }
  });

  it("describes the proxy with WeChat's error shape and both ways an SDK authenticates", async () => {
    const doc = await document();
    const item = doc.paths["/proxy/{appKey}/{wechatPath}"];
    expect(Object.keys(item ?? {}).sort()).toEqual(["get", "post"]);
    for (const operation of Object.values(item!)) {
      expect(operation.security).toEqual([{ ApiKey: [] }, { WeChatAccessToken: [] }]);
      expect(operation.responses["403"]?.content?.["application/json"]?.schema?.$ref).toBe(
        "#/components/schemas/WeChatError",
      );
    }
    expect(doc.components.securitySchemes.WeChatAccessToken).toEqual(
      expect.objectContaining({ type: "apiKey", in: "query", name: "access_token" }),
    );
  });

  it("groups every operation under a described tag, listed in reading order", async () => {
    const doc = await document();
    const names = doc.tags.map((tag) => tag.name);
    expect(names[0]).toBe("Tokens");
    expect(names.at(-1)).toBe("Admin");
    for (const tag of doc.tags) expect(tag.description, tag.name).not.toBe("");
    for (const [name, operation] of operations(doc)) {
      expect(operation.tags?.length, name).toBe(1);
      expect(names, name).toContain(operation.tags![0]);
    }
  });
});

import { describe, expect, it } from "vitest";
import { call } from "../support/gateway.ts";

// SPEC §9: GET /openapi.json is the OpenAPI 3.1 document of every public endpoint; GET /docs
// renders it.

type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
  components?: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
};

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with the token, legacy, admin and health paths", async () => {
    const answer = await call<OpenApi>("GET", "/openapi.json");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Content-Type")).toMatch(/^application\/json/);
    const doc = answer.body;
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/Wechat/{appKey}/AccessToken",
        "/Wechat/{appKey}/AccessToken/Refresh",
        "/api/v1/Common/WxToken",
        "/admin/apps",
        "/admin/apps/{appKey}",
        "/admin/apps/{appKey}/keys",
        "/admin/apps/{appKey}/status",
        "/admin/apps/{appKey}/token/refresh",
        "/healthz",
      ]),
    );
    expect(Object.keys(doc.paths["/admin/apps/{appKey}"]!).sort()).toEqual(["delete", "get", "put"]);
    expect(doc.paths["/Wechat/{appKey}/AccessToken"]?.get?.security).toEqual([{ ApiKey: [] }]);
    expect(doc.paths["/admin/apps/{appKey}"]?.put?.security).toEqual([{ AdminToken: [] }]);
  });

  it("lists the twelve API v1 endpoints of §6, JSCode2Session without auth", async () => {
    const doc = (await call<OpenApi>("GET", "/openapi.json")).body;
    const v1: [string, string][] = [
      ["post", "SubscribeSend"],
      ["get", "JSCode2Session"],
      ["get", "Decrypt"],
      ["get", "UserInfo"],
      ["post", "SubscribeMSG"],
      ["get", "JSConfig"],
      ["post", "UrlLinkGenerate"],
      ["post", "GenerateScheme"],
      ["post", "WXACodeGet"],
      ["post", "WXACodeGetUnlimited"],
      ["post", "MsgSecCheck"],
      ["post", "PhoneNumber"],
    ];
    for (const [method, name] of v1) {
      const operation = doc.paths[`/Wechat/{appKey}/${name}`]?.[method];
      expect(operation, name).toBeDefined();
      expect(operation?.security, name).toEqual(name === "JSCode2Session" ? undefined : [{ ApiKey: [] }]);
    }
  });

  it("lists QR-Auth with the right credential per side, and the JWKS", async () => {
    const doc = (await call<OpenApi>("GET", "/openapi.json")).body;
    const sides: [string, string, string][] = [
      ["post", "Initiate", "ApiKey"],
      ["get", "Code", "ApiKey"],
      ["get", "Status", "ApiKey"],
      ["post", "Scan", "UserSession"],
      ["post", "Confirm-Login", "UserSession"],
      ["post", "Confirm-Register", "UserSession"],
      ["post", "SendCode", "UserSession"],
    ];
    for (const [method, name, scheme] of sides) {
      expect(doc.paths[`/Wechat/{appKey}/QR-Auth/${name}`]?.[method]?.security, name).toEqual([
        { [scheme]: [] },
      ]);
    }
    expect(doc.paths["/.well-known/jwks.json"]?.get).toBeDefined();
    expect(doc.components?.securitySchemes?.UserSession).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("declares the ApiKey and AdminToken bearer schemes", async () => {
    const doc = (await call<OpenApi>("GET", "/openapi.json")).body;
    expect(doc.components?.securitySchemes).toMatchObject({
      ApiKey: { type: "http", scheme: "bearer" },
      AdminToken: { type: "http", scheme: "bearer" },
    });
  });

  it("GET /docs is an HTML page that reads /openapi.json", async () => {
    const answer = await call<string>("GET", "/docs");
    expect(answer.status).toBe(200);
    expect(answer.headers.get("Content-Type")).toMatch(/^text\/html/);
    expect(answer.body).toMatch(/<html/i);
    expect(answer.body).toContain("/openapi.json");
  });
});

import { describe, expect, it } from "vitest";
import { generateSigningJwk, issueAccessToken, parseSigningKeys } from "../../src/qrauth/signing.ts";
import { admin, call, miniProgramLogin, registerApp } from "../support/gateway.ts";
import { base64UrlBytes, decodeJwt, miniProgram, webBackend } from "../support/qrauth.ts";

// Issue 4: access tokens are ES256 JWTs (iss, sub, aud, scope, iat, exp, jti; kid in the header)
// that an app verifies with /.well-known/jwks.json alone. Verified here with Web Crypto directly,
// not with the JWT library the gateway signs with.

type Jwk = JsonWebKey & { kid: string };

async function verifyWithJwks(jwt: string, keys: Jwk[]): Promise<boolean> {
  const [header, payload, signature] = jwt.split(".");
  const { kid, alg } = decodeJwt(jwt).header;
  const jwk = keys.find((k) => k.kid === kid);
  if (!jwk || alg !== "ES256") return false;
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, [
    "verify",
  ]);
  return crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    base64UrlBytes(signature!),
    new TextEncoder().encode(`${header}.${payload}`),
  );
}

async function jwks(): Promise<Jwk[]> {
  const answer = await call<{ keys: Jwk[] }>("GET", "/.well-known/jwks.json");
  expect(answer.status).toBe(200);
  return answer.body.keys;
}

describe("QR-Auth access tokens", () => {
  it("carry the claims and verify against the published keys", async () => {
    const app = await registerApp("qr-jwt", "wxqrjwt000000001");
    await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, qrAuth: { tokenTtlSeconds: 900 } });
    const web = webBackend(app);
    const phone = miniProgram(app, await miniProgramLogin(app));
    const signInKey = await web.initiate({ scopes: "profile,orders" });
    await phone.scan(signInKey);
    const before = Math.floor(Date.now() / 1000);
    const token = (await phone.confirmRegister(signInKey)).body.data;
    expect(token).toMatchObject({ token_type: "Bearer", expires_in: 900 });

    const { header, claims } = decodeJwt(token.access_token);
    expect(header).toMatchObject({ alg: "ES256", typ: "JWT", kid: expect.any(String) });
    expect(claims).toMatchObject({
      iss: "https://gateway.test",
      sub: expect.stringMatching(/^[0-9a-f-]{36}$/),
      aud: "qr-jwt",
      scope: "profile orders",
      jti: expect.any(String),
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(900);

    const keys = await jwks();
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
      expect(key).not.toHaveProperty("d");
    }
    expect(await verifyWithJwks(token.access_token, keys)).toBe(true);
    // Another audience with the original signature must not verify.
    const [head, , signature] = token.access_token.split(".");
    const forged = btoa(JSON.stringify({ ...claims, aud: "another-app" }))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replace(/=+$/, "");
    const tampered = `${head}.${forged}.${signature}`;
    expect(await verifyWithJwks(tampered, keys)).toBe(false);
  });

  it("the JWKS is cacheable and never holds private material", async () => {
    const answer = await call("GET", "/.well-known/jwks.json");
    expect(answer.headers.get("cache-control")).toMatch(/max-age=\d+/);
    expect(JSON.stringify(answer.body)).not.toMatch(/"d"/);
  });
});

describe("key rotation (QR_SIGNING_JWK as a list)", () => {
  it("the first key signs; every listed key stays published, so older tokens still verify", async () => {
    const older = await generateSigningJwk();
    const newer = await generateSigningJwk();
    const beforeRotation = await parseSigningKeys(JSON.stringify(older));
    const oldToken = await issueAccessToken(beforeRotation, {
      issuer: "https://gw",
      subject: "u1",
      audience: "app",
      scope: "",
      ttlSeconds: 60,
    });

    const afterRotation = await parseSigningKeys(JSON.stringify([newer, older]));
    expect(afterRotation.signer.kid).toBe(newer.kid);
    expect(afterRotation.published.map((k) => k.kid)).toEqual([newer.kid, older.kid]);
    const newToken = await issueAccessToken(afterRotation, {
      issuer: "https://gw",
      subject: "u1",
      audience: "app",
      scope: "",
      ttlSeconds: 60,
    });
    expect(decodeJwt(newToken.access_token).header.kid).toBe(newer.kid);
    expect(await verifyWithJwks(oldToken.access_token, afterRotation.published)).toBe(true);
    expect(await verifyWithJwks(newToken.access_token, afterRotation.published)).toBe(true);
  });

  it("a key without a kid gets its RFC 7638 thumbprint; a non-P-256 key is refused", async () => {
    const { kid: _kid, ...withoutKid } = await generateSigningJwk();
    const parsed = await parseSigningKeys(JSON.stringify(withoutKid));
    expect(parsed.signer.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect(parseSigningKeys(JSON.stringify({ kty: "RSA", n: "x", e: "AQAB" }))).rejects.toThrow(
      /P-256/,
    );
    await expect(parseSigningKeys("not json")).rejects.toThrow(/not JSON/);
  });
});

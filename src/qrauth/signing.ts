// ES256 keys for QR-Auth access tokens. The signing key comes from the QR_SIGNING_JWK secret: one
// private JWK, or an array whose first key signs and whose others are still published (rotation:
// put the new key first and drop the old one once its last tokens have expired). Without the
// secret (wrangler dev), a key is generated once and kept in the SigningKeys Durable Object.

import { DurableObject } from "cloudflare:workers";
import { sign } from "hono/jwt";
import { base64Url } from "../platform/crypto.ts";
import type { TokenModel } from "./session.ts";

export type PrivateSigningJwk = JsonWebKey & {
  kty: "EC";
  crv: "P-256";
  d: string;
  kid: string;
  alg: "ES256";
};
type PublicJwk = {
  kty: "EC";
  crv: "P-256";
  x: string;
  y: string;
  kid: string;
  alg: "ES256";
  use: "sig";
};
export type SigningKeySet = { signer: PrivateSigningJwk; published: PublicJwk[] };

class SigningKeyError extends Error {}

/** RFC 7638 thumbprint: the kid of a key that was given none. */
async function thumbprint(jwk: { crv: string; kty: string; x: string; y: string }): Promise<string> {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return base64Url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical)));
}

async function asSigningJwk(value: unknown): Promise<PrivateSigningJwk> {
  const jwk = value as Partial<JsonWebKey & { kid: string }>;
  if (
    typeof jwk !== "object" ||
    jwk === null ||
    jwk.kty !== "EC" ||
    jwk.crv !== "P-256" ||
    typeof jwk.x !== "string" ||
    typeof jwk.y !== "string" ||
    typeof jwk.d !== "string"
  ) {
    throw new SigningKeyError("QR_SIGNING_JWK must hold EC P-256 private keys (kty EC, crv P-256, x, y, d)");
  }
  const kid =
    typeof jwk.kid === "string" && jwk.kid !== ""
      ? jwk.kid
      : await thumbprint(jwk as { crv: string; kty: string; x: string; y: string });
  return { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, d: jwk.d, kid, alg: "ES256" };
}

function publicJwk(jwk: PrivateSigningJwk): PublicJwk {
  return { kty: "EC", crv: "P-256", x: jwk.x!, y: jwk.y!, kid: jwk.kid, alg: "ES256", use: "sig" };
}

/** Reads QR_SIGNING_JWK: a private JWK, or [signing key, ...keys still published]. */
export async function parseSigningKeys(secret: string): Promise<SigningKeySet> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new SigningKeyError("QR_SIGNING_JWK is not JSON");
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) throw new SigningKeyError("QR_SIGNING_JWK holds no key");
  const keys = await Promise.all(list.map(asSigningJwk));
  return { signer: keys[0]!, published: keys.map(publicJwk) };
}

export async function generateSigningJwk(): Promise<PrivateSigningJwk> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  return asSigningJwk(await crypto.subtle.exportKey("jwk", pair.privateKey));
}

/** Holds the generated key used when no QR_SIGNING_JWK secret is set (one object, "default"). */
export class SigningKeys extends DurableObject<Env> {
  async generatedKey(): Promise<PrivateSigningJwk> {
    const stored = await this.ctx.storage.get<PrivateSigningJwk>("key");
    if (stored) return stored;
    const key = await generateSigningJwk();
    await this.ctx.storage.put("key", key);
    return key;
  }
}

let cached: { source: string; keys: Promise<SigningKeySet> } | undefined;

/** The key set for this isolate's configuration, loaded once per isolate. */
export function signingKeysFor(env: Env): Promise<SigningKeySet> {
  const source = env.QR_SIGNING_JWK ?? "";
  if (cached?.source !== source) {
    const keys = source
      ? parseSigningKeys(source)
      : env.SIGNING_KEYS.getByName("default")
          .generatedKey()
          .then((signer) => ({ signer, published: [publicJwk(signer)] }));
    cached = { source, keys };
    // A failed load is not cached: the next request tries again.
    keys.catch(() => {
      if (cached?.keys === keys) cached = undefined;
    });
  }
  return cached.keys;
}

export type AccessTokenClaims = {
  issuer: string;
  subject: string;
  audience: string;
  scope: string;
  ttlSeconds: number;
};

export async function issueAccessToken(keys: SigningKeySet, claims: AccessTokenClaims): Promise<TokenModel> {
  const iat = Math.floor(Date.now() / 1000);
  const jwt = await sign(
    {
      iss: claims.issuer,
      sub: claims.subject,
      aud: claims.audience,
      scope: claims.scope,
      iat,
      exp: iat + claims.ttlSeconds,
      jti: crypto.randomUUID(),
    },
    keys.signer,
  );
  return { access_token: jwt, token_type: "Bearer", expires_in: claims.ttlSeconds };
}

// A credential (access_token or jsapi_ticket) as the appid's keeper hands it out, and what asking
// for one answers. Declared below the keeper because the business-API client (business-calls.ts) takes
// its tokens from such a source; the keeper (tokens/) answers with these across RPC.

import type { Failure } from "../platform/errors.ts";

export type HeldCredential = {
  value: string;
  /** ms since epoch */
  createdAt: number;
  expiresAt: number;
};

/** Why no credential can be handed out (or a keeper refused), in the statuses a keeper answers with. */
export type KeeperFailure = Failure<400 | 403 | 404 | 409 | 429 | 502 | 503>;

export type CredentialResult = { ok: true; credential: HeldCredential; refreshed: boolean } | KeeperFailure;

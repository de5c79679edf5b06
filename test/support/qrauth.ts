// QR-Auth as its two sides drive it: the web backend (API key) and the mini-program user (session
// token from JSCode2Session). Every call answers {status, body, headers} so a test can check
// refusals as closely as successes.

import type { TokenModel } from "../../src/qrauth/session.ts";
import { admin, call, type Envelope, type MiniProgramLogin, type RegisteredApp } from "./gateway.ts";

export type { TokenModel };
export type QrStatus = { status: string; token?: TokenModel; expires_in: number };

export const qrPath = (appKey: string, endpoint: string) => `/Wechat/${appKey}/QR-Auth/${endpoint}`;

/** The web backend of `app`, calling with `apiKey` (the app's own key unless told otherwise). */
export function webBackend(app: RegisteredApp, apiKey = app.apiKey) {
  const get = <T>(endpoint: string, signInKey: number | string) =>
    call<Envelope<T>>("GET", qrPath(app.appKey, `${endpoint}?signInKey=${signInKey}`), { token: apiKey });
  const initiateAnswer = (body: object = {}) =>
    call<Envelope<number>>("POST", qrPath(app.appKey, "Initiate"), { token: apiKey, body });
  return {
    initiateAnswer,
    /** A new session's signInKey (throws unless Initiate answers 200). */
    initiate: async (body: object = {}) => {
      const answer = await initiateAnswer(body);
      if (answer.status !== 200) throw new Error(`initiate: ${said(answer)}`);
      return answer.body.data;
    },
    status: (signInKey: number | string) => get<QrStatus>("Status", signInKey),
    code: (signInKey: number | string) => get<never>("Code", signInKey),
  };
}

/** The mini program of `user` calling `app`'s QR-Auth user endpoints. */
export function miniProgram(app: RegisteredApp, user: MiniProgramLogin) {
  const post = <T>(endpoint: string, body: unknown) =>
    call<Envelope<T>>("POST", qrPath(app.appKey, endpoint), { token: user.session, body });
  return {
    post,
    scan: (signInKey: number) => post<Record<string, unknown>>("Scan", { signInKey }),
    confirmLogin: (signInKey: number) => post<TokenModel>("Confirm-Login", { signInKey }),
    /** Registers as the user themself (unionid, else openid) unless `fields` says otherwise. */
    confirmRegister: (signInKey: number, fields: object = {}) =>
      post<TokenModel>("Confirm-Register", { signInKey, unionID: user.unionid ?? user.openid, ...fields }),
    sendCode: (channel: string, target: string) =>
      post<{ channel: string; target: string; expires_in: number }>("SendCode", { channel, target }),
  };
}

/** Changes `app`'s QR-Auth settings (the registration keeps everything else). */
export async function setQrAuth(app: RegisteredApp, qrAuth: object): Promise<void> {
  const put = await admin("PUT", `/apps/${app.appKey}`, { appId: app.appId, qrAuth });
  if (put.status !== 200) throw new Error(`qrAuth for ${app.appKey}: ${JSON.stringify(put.body)}`);
}

/** The envelope's error, for expect(...) messages that show what the gateway said. */
export const said = (answer: { status: number; body: unknown }) =>
  `${answer.status} ${JSON.stringify(answer.body)}`;

/** The JWT's header and claims, decoded without checking anything. */
export function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const part = (s: string) => JSON.parse(new TextDecoder().decode(base64UrlBytes(s)));
  const [header, claims] = jwt.split(".");
  return { header: part(header!), claims: part(claims!) };
}

export function base64UrlBytes(part: string): Uint8Array {
  const base64 = part.replaceAll("-", "+").replaceAll("_", "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (ch) => ch.charCodeAt(0));
}

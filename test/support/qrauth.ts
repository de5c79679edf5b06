// Drives QR-Auth as its two sides do: the web backend (API key) and the mini program (session token).

import { call, type Envelope, type MiniProgramLogin, type RegisteredApp } from "./gateway.ts";

export type TokenModel = { access_token: string; token_type: "Bearer"; expires_in: number };
export type QrStatus = { status: string; token?: TokenModel; expires_in: number };

export function webBackend(app: RegisteredApp) {
  const qr = (method: string, path: string, body?: unknown) =>
    call<Envelope<never>>(method, `/Wechat/${app.appKey}/QR-Auth/${path}`, { token: app.apiKey, body });
  return {
    initiate: async (body: object = {}) => {
      const answer = await qr("POST", "Initiate", body);
      if (answer.status !== 200) throw new Error(`initiate: ${JSON.stringify(answer.body)}`);
      return answer.body.data as number;
    },
    status: (signInKey: number) =>
      call<Envelope<QrStatus>>("GET", `/Wechat/${app.appKey}/QR-Auth/Status?signInKey=${signInKey}`, {
        token: app.apiKey,
      }),
  };
}

export function miniProgram(app: RegisteredApp, user: MiniProgramLogin) {
  const post = <T>(path: string, body: unknown) =>
    call<Envelope<T>>("POST", `/Wechat/${app.appKey}/QR-Auth/${path}`, { token: user.session, body });
  return {
    scan: (signInKey: number) => post<Record<string, unknown>>("Scan", { signInKey }),
    confirmLogin: (signInKey: number) => post<TokenModel>("Confirm-Login", { signInKey }),
    confirmRegister: (signInKey: number, fields: object = {}) =>
      post<TokenModel>("Confirm-Register", { signInKey, unionID: user.unionid ?? user.openid, ...fields }),
    sendCode: (channel: "email" | "phone", target: string) => post<unknown>("SendCode", { channel, target }),
  };
}

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

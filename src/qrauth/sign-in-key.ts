// The signInKey names one QR sign-in session. It is shown in a QR code (as the mini-program code's
// scene) and polled by the web backend, so it must be a JSON number every language reads exactly
// and must not be guessable: 53 random bits.

/** 2^53 − 1: the largest integer a JSON number carries exactly in every language. */
export const MAX_SIGN_IN_KEY = Number.MAX_SAFE_INTEGER;

export function newSignInKey(): number {
  for (;;) {
    const [high, low] = crypto.getRandomValues(new Uint32Array(2)) as unknown as [number, number];
    // 21 high bits + 32 low bits = 53 random bits.
    const key = (high & 0x1f_ffff) * 2 ** 32 + low;
    if (key > 0) return key;
  }
}

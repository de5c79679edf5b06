// The WeChat path of a proxied request, made canonical before anything is decided on it.
// The proxy judges its allow-list and its own paths on a string, and fetch() parses that string
// again on the way out: it drops tab, CR and LF and resolves "." and ".." segments, and WeChat's
// servers may decode escapes, merge slashes or ignore case. A path that any of this could change
// would let a caller show the checks one path and send WeChat another, so only paths that nothing
// changes are accepted: the rest are refused, never repaired.

/**
 * What every segment of a WeChat API path is made of once escapes are decoded: RFC 3986's
 * unreserved characters. WeChat's paths use letters, digits, "_" and "-" only; anything else
 * (controls, "/", "\", ";", "%", spaces, non-ASCII) is a respelling or a mistake.
 */
const UNRESERVED = /^[A-Za-z0-9._~-]$/;
const ESCAPE_HEX = /^[0-9A-Fa-f]{2}$/;
/** Segments of letters, digits, "_" and "-" only, no escapes, no empty segment, no trailing slash. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_-]+)+$/;
/** ".", "..", "...": segments URL parsers and some servers resolve or strip. */
const DOTS_ONLY = /^\.+$/;

export type CanonicalPath = { ok: true; path: string } | { ok: false; reason: string };

/** Why a character (decoded from an escape or not) cannot be in a canonical path; null if it can. */
function characterProblem(character: string): string | null {
  if (UNRESERVED.test(character)) return null;
  const code = character.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return "a control character";
  if (character === "/") return "an escaped slash";
  if (character === "\\") return "a backslash";
  return "a character WeChat's paths never hold";
}

function decodedSegment(segment: string): { ok: true; text: string } | { ok: false; reason: string } {
  let text = "";
  for (let i = 0; i < segment.length; i++) {
    let character = segment.charAt(i);
    if (character === "%") {
      const hex = segment.slice(i + 1, i + 3);
      if (!ESCAPE_HEX.test(hex)) return { ok: false, reason: "a malformed escape" };
      character = String.fromCharCode(Number.parseInt(hex, 16));
      i += 2;
    }
    const problem = characterProblem(character);
    if (problem) return { ok: false, reason: problem };
    text += character;
  }
  if (DOTS_ONLY.test(text)) return { ok: false, reason: "a dot segment" };
  return { ok: true, text };
}

/**
 * `raw` (a path as it arrived, escapes and all) in its canonical form: escapes of unreserved
 * characters decoded ("%74oken" is "token"), empty segments dropped ("//" is "/", as a base URL
 * with a trailing slash produces), a trailing slash kept. Refused: control characters, backslashes,
 * escaped slashes, dot segments and any other character, raw or escaped.
 */
export function canonicalWeChatPath(raw: string): CanonicalPath {
  // Nearly every SDK path: already canonical, so nothing to decode or check segment by segment.
  if (PLAIN_PATH.test(raw)) return { ok: true, path: raw };
  const segments: string[] = [];
  for (const segment of raw.split("/")) {
    if (segment === "") continue;
    const decoded = decodedSegment(segment);
    if (!decoded.ok) return decoded;
    segments.push(decoded.text);
  }
  const trailingSlash = segments.length > 0 && raw.endsWith("/");
  return { ok: true, path: `/${segments.join("/")}${trailingSlash ? "/" : ""}` };
}

export const TOKEN_PATH = "/cgi-bin/token";
export const STABLE_TOKEN_PATH = "/cgi-bin/stable_token";
export const LOGIN_PATH = "/sns/jscode2session";
export const TICKET_PATH = "/cgi-bin/ticket/getticket";

/** The paths the gateway answers itself or through the keeper, which must not be reached another way. */
const KEEPER_PATHS = [TOKEN_PATH, STABLE_TOKEN_PATH, LOGIN_PATH, TICKET_PATH];

/**
 * The keeper path a canonical `path` could be taken for by a lenient server: compared without
 * case, and by prefix (a server that routes by prefix takes "/cgi-bin/token/x" for the token
 * path). Null when it is none of them. Only the exact spelling is the keeper's to answer.
 */
export function keeperPathSpelledBy(path: string): string | null {
  const lower = path.toLowerCase();
  return KEEPER_PATHS.find((keeperPath) => lower.startsWith(keeperPath)) ?? null;
}

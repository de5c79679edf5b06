// Generators of bad input shared by the properties in this folder.

import fc from "fast-check";

/** Characters that trip up text handling; the first ones cannot even be encoded as UTF-8. */
export const ODD_CHARACTERS = [
  "\uD800", // lone high surrogate
  "\uDFFF", // lone low surrogate
  "\u202E", // right-to-left override
  "\u200F", // right-to-left mark
  "\u200B", // zero-width space
  "\u200D", // zero-width joiner
  "\uFEFF", // byte-order mark / zero-width no-break space
  "\u2028", // line separator (breaks naive JS string splicing)
  "\u0000",
  "\u001B",
  "\u00A0", // no-break space
  "e\u0301", // e + combining acute accent
  "\uFF11", // full-width digit one
  "\u0663", // Arabic-Indic digit three
  "\u0130", // İ: changes length when lower-cased
  "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}", // family emoji (ZWJ sequence)
  "\u{1F3F3}\uFE0F\u200D\u{1F308}", // rainbow flag
  "\u{1F600}",
  "字",
  "\uFDFA",
  "\uFFFD",
  "\uFFFF",
  "\u05D0\u05D1", // Hebrew (RTL)
];

export const oddCharacter = fc.constantFrom(...ODD_CHARACTERS);

/** Any single UTF-16 code unit, lone surrogates included (fast-check's "binary" never splits pairs). */
export const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Text holding at least one odd character, among graphemes, code points and raw code units. */
export const oddText = fc
  .tuple(
    fc.string({ unit: "grapheme", maxLength: 8 }),
    oddCharacter,
    fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.string({ unit: codeUnit, maxLength: 8 })),
    fc.array(oddCharacter, { maxLength: 3 }),
  )
  .map(([graphemes, odd, units, more]) => graphemes + odd + units + more.join(""));

/** Text that does not follow `pattern`: odd text, or random ASCII that misses it. */
export function textBreaking(pattern: RegExp): fc.Arbitrary<string> {
  return fc
    .oneof(oddText, fc.string({ unit: "binary-ascii", maxLength: 40 }))
    .filter((t) => !pattern.test(t));
}

/** Random JSON, including values that are not JSON at all (undefined, NaN, -0) before stringifying. */
export const randomValue = fc.oneof(
  fc.anything(),
  fc.jsonValue(),
  fc.object(),
  fc.array(fc.jsonValue(), { maxLength: 4 }),
  fc.dictionary(oddText, fc.jsonValue(), { maxKeys: 4 }),
);

/** Bodies that are not JSON, or are JSON of a surprising shape. */
export const rawBodyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: codeUnit, maxLength: 40 }),
  oddText,
  fc.constantFrom(
    "",
    " ",
    "{",
    "}",
    "[",
    "null",
    "true",
    "0",
    "-0",
    "1e999",
    '"\\ud800"',
    '{"a":1,}',
    "{'a':1}",
    "\uFEFF{}",
    "NaN",
    "undefined",
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"a":1,"a":2}',
    `${"[".repeat(5000)}${"]".repeat(5000)}`,
    `{"a":${"[".repeat(20_000)}${"]".repeat(20_000)}}`,
    "\u0000",
    "{}\u0000",
    "[]",
  ),
);

/** The JSON types a request field can have. */
export type FieldKind = "string" | "number" | "boolean" | "object" | "stringOrInteger";

const anyString = fc.oneof(fc.string({ maxLength: 12 }), oddText);
const anArray = fc.array(fc.jsonValue(), { maxLength: 3 });
const anObject = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue(), { maxKeys: 3 });
const aFraction = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n));

/** A value of any JSON type but `kind` (never undefined, which JSON would drop). */
export function wrongTypeFor(kind: FieldKind): fc.Arbitrary<unknown> {
  const nullish = fc.constant(null);
  switch (kind) {
    case "string":
      return fc.oneof(fc.integer(), fc.double(), fc.boolean(), nullish, anArray, anObject);
    case "number":
      return fc.oneof(anyString, fc.boolean(), nullish, anArray, anObject);
    case "boolean":
      return fc.oneof(anyString, fc.integer(), fc.double(), nullish, anArray, anObject);
    case "object":
      return fc.oneof(anyString, fc.integer(), fc.double(), fc.boolean(), nullish, anArray);
    case "stringOrInteger":
      return fc.oneof(aFraction, fc.boolean(), nullish, anArray, anObject);
  }
}

/** Unknown extra fields, named so that they never collide with a known one. */
export const extraFields = fc
  .dictionary(fc.oneof(fc.string({ maxLength: 8 }), oddText), fc.jsonValue(), { maxKeys: 3 })
  .map((extra) => Object.fromEntries(Object.entries(extra).map(([k, v]) => [`x-${k}`, v])));

/** Printable ASCII, as most header values are. */
export const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

/**
 * `oddText` as a header value (workerd sends non-ASCII header text as UTF-8, with a warning);
 * NUL, CR and LF, which no header value can hold, are dropped.
 */
export const oddHeaderText = oddText.map((t) => t.toWellFormed().replace(/[\0\r\n]/g, ""));

/** The UTF-8 length of a request body (lone surrogates become U+FFFD on the way, as in fetch). */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

export const APP_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Whether a path segment names a well-formed appKey once decoded. */
export function isWellFormedAppKey(segment: string): boolean {
  return APP_KEY_PATTERN.test(decoded(segment));
}

/**
 * appKey path segments, already percent-encoded as they would be sent: dot segments, encoded
 * slashes, invalid UTF-8, control bytes, long ones (over the 64-character rule and over KV's
 * 512-byte key limit), and odd unicode.
 */
export const oddAppKeySegment = fc.oneof(
  fc.constantFrom(
    "..",
    ".",
    "%2e%2e",
    "%2E",
    "%2F",
    "a%2Fb",
    "..%2F..%2Fadmin",
    "%5C",
    "%00",
    "%0A",
    "%FF",
    "%ED%A0%80",
    "%C0%AF",
    "%E2%80%AE",
    "%20",
    "a%20b",
    "%25",
    "%",
    "a%zz",
    "%3F",
    "%23",
    "~",
    "app%3Aother",
    "*",
  ),
  fc.integer({ min: 65, max: 3_000 }).map((n) => "k".repeat(n)),
  fc.integer({ min: 22, max: 1_000 }).map((n) => encodeURIComponent("字".repeat(n))),
  oddText.map((t) => encodeURIComponent(t.toWellFormed())),
  fc.string({ unit: "binary-ascii", minLength: 1, maxLength: 80 }).map((t) => encodeURIComponent(t)),
);

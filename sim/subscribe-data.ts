// The `data` of a mini-program subscribe message: every key of the template filled with a value that
// fits its placeholder type (WeChat's "订阅消息参数值内容限制说明", WECHAT.md §8). Violations are 47003
// with the field named: "argument invalid! data.thing1.value is empty" / "... invalid".

import { characterCount, type JsonFields, objectField } from "./request.ts";
import { argumentInvalid, type WeChatErrorSpec } from "./responses.ts";

type ValueRule = (value: string) => boolean;

const atMost =
  (max: number): ValueRule =>
  (value) =>
    characterCount(value) <= max;

/** Placeholder type (the key without its trailing number) -> what a value of it may be. */
const VALUE_RULES: Readonly<Record<string, ValueRule>> = {
  /** ≤ 20 characters of any kind. */
  thing: atMost(20),
  /** ≤ 32 digits, may be a decimal. */
  number: (value) => /^\d+(\.\d+)?$/.test(value) && value.replace(".", "").length <= 32,
  /** ≤ 32 letters. */
  letter: (value) => /^[A-Za-z]{1,32}$/.test(value),
  /** ≤ 5 symbols. */
  symbol: atMost(5),
  /** ≤ 32 digits, letters or symbols (no CJK). */
  character_string: (value) => /^[\x20-\x7e]{1,32}$/.test(value),
  /** ≤ 17 characters (digits with +, - or spaces). */
  phone_number: atMost(17),
  /** ≤ 8 characters. */
  car_number: atMost(8),
  /** ≤ 5 characters. */
  phrase: atMost(5),
  /** ≤ 10 CJK characters or ≤ 20 letters; simplified to ≤ 20 characters. */
  name: atMost(20),
};

/** "character_string2" -> "character_string". */
function placeholderType(key: string): string {
  return key.replace(/\d+$/, "");
}

/** A template value as text: a string, or a number as WeChat also accepts; undefined when empty or missing. */
function valueText(entry: JsonFields | undefined): string | undefined {
  const value = entry?.value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The first problem with `data` for a template with these keys, or null when it is fine. */
export function checkTemplateData(data: unknown, keys: readonly string[]): WeChatErrorSpec | null {
  const fields =
    typeof data === "object" && data !== null && !Array.isArray(data) ? (data as JsonFields) : {};
  for (const key of keys) {
    const text = valueText(objectField(fields, key));
    if (text === undefined) return argumentInvalid(`data.${key}.value is empty`);
    const type = placeholderType(key);
    const rule = Object.hasOwn(VALUE_RULES, type) ? VALUE_RULES[type] : undefined;
    if (rule && !rule(text)) return argumentInvalid(`data.${key}.value invalid`);
  }
  return null;
}

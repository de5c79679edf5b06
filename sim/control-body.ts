// JSON in and out for the control API (control.ts): reading a body, and field readers that each
// throw a 400 naming the field.

export class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

export type Body = Record<string, unknown>;

export async function readBody(req: Request): Promise<Body> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ControlError(400, "body is not JSON");
  }
  if (!isObject(value)) throw new ControlError(400, "body must be a JSON object");
  return value;
}

export function isObject(value: unknown): value is Body {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new ControlError(400, `${name} must be a string`);
  return value;
}

/** A string, or null meaning "none" (e.g. a user without a unionid). */
export function optionalNullableString(body: Body, name: string): string | null | undefined {
  return body[name] === null ? null : optionalString(body, name);
}

export function optionalBoolean(body: Body, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw new ControlError(400, `${name} must be a boolean`);
  return value;
}

export function optionalInteger(body: Body, name: string, min: number): number | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ControlError(400, `${name} must be an integer >= ${min}`);
  }
  return value;
}

export function requiredFiniteNumber(body: Body, name: string): number {
  const value = body[name];
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new ControlError(400, `${name} must be a number`);
  return value;
}

export function optionalStringArray(body: Body, name: string): string[] | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new ControlError(400, `${name} must be an array of strings`);
  }
  return value as string[];
}

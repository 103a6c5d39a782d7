/**
 * The one JSON form of the evidence package: object keys sorted, bigints as decimal strings, two-space indents and a
 * final newline. The same value always gives the same bytes, so a file's SHA-256 is stable across exports and two
 * values are equal exactly when their canonical forms are.
 */

/** A JSON value as the package holds it (bigints become strings on the way out). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * `value` with every bigint turned into its decimal string and every object's keys sorted; `undefined` members dropped.
 *
 * @example
 * toJsonValue({ b: 1n, a: [2n] }); // { a: ["2"], b: "1" }
 */
export function toJsonValue(value: unknown): JsonValue {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot write ${value} in JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, member]) => member !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, member]) => [key, toJsonValue(member)]));
  }
  throw new TypeError(`cannot write a ${typeof value} in JSON`);
}

/**
 * The canonical text of `value`.
 *
 * @example
 * canonicalJson({ b: 1n, a: true }); // '{\n  "a": true,\n  "b": "1"\n}\n'
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(toJsonValue(value), null, 2)}\n`;
}

/** Whether `a` and `b` are the same JSON value once bigints are strings and keys are sorted. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

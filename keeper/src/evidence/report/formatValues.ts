/**
 * How the report writes the manifest's values: times as UTC dates, an event's arguments as `name: value` pairs.
 * These return plain text; the caller escapes it.
 */
import type { JsonValue } from "../canonicalJson.ts";

/** Seconds in the unix epoch's units; a JavaScript date counts milliseconds. */
const MS_PER_SECOND = 1000;

/**
 * A unix time in seconds (decimal string) as `YYYY-MM-DD HH:MM:SS`, UTC.
 *
 * @example
 * formatUtc("1767225600"); // "2026-01-01 00:00:00"
 */
export function formatUtc(seconds: string): string {
  return new Date(Number(seconds) * MS_PER_SECOND).toISOString().slice(0, 19).replace("T", " ");
}

/**
 * A unix time in seconds as `YYYY-MM-DD`, UTC.
 *
 * @example
 * formatUtcDate(1767225600); // "2026-01-01"
 */
export function formatUtcDate(seconds: number): string {
  return new Date(seconds * MS_PER_SECOND).toISOString().slice(0, 10);
}

/** A JSON value on one line: strings as they are, anything else as compact JSON. */
export function formatValue(value: JsonValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * An event's decoded arguments as `[name, value]` pairs, without the loan id (every event of the report names it).
 *
 * @example
 * argumentPairs({ loanId: "7", payer: "0xab..", amount: "10" }); // [["payer", "0xab.."], ["amount", "10"]]
 */
export function argumentPairs(args: JsonValue): [string, string][] {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return [["", formatValue(args)]];
  return Object.entries(args)
    .filter(([name]) => name !== "loanId" && name !== "tokenId")
    .map(([name, value]) => [name, formatValue(value)]);
}

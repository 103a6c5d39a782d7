/**
 * Command-line parsing shared by the commands: node:util `parseArgs` in strict mode, with its errors reworded
 * as `UsageError`s, and the integer options read as exactly as the Solidity types that will hold them.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./command.ts";

/** The option table of one command, as `parseArgs` takes it. */
export type OptionSpecs = NonNullable<ParseArgsConfig["options"]>;

/** The values `parseArgs` found: a string for string options, `true` for boolean flags given. */
export type OptionValues = Record<string, string | boolean | undefined>;

const NEGATIVE_NUMBER = /^-\d/;
const DECIMAL_INTEGER = /^\d+(_\d+)*$/;

/**
 * Parses `argv` against `options` (strict: no positionals, no unknown options, a value for each string option,
 * each option at most once). A negative number after a string option is taken as its value, so that
 * `--count -5` is reported as a negative count rather than as a missing value.
 *
 * @example
 * parseOptions(["--count", "12", "--json"], { count: { type: "string" }, json: { type: "boolean" } });
 * // { count: "12", json: true }
 */
export function parseOptions(argv: readonly string[], options: OptionSpecs): OptionValues {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    if (name !== undefined && options[name]?.type === "string" && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else {
      args.push(argv[i]);
    }
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new UsageError(rewordParseError(error));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name)) throw new UsageError(`${token.rawName} is given more than once`);
    seen.add(token.name);
  }
  return parsed.values as OptionValues;
}

/** parseArgs' error as one short line, e.g. "unknown option --foo". */
function rewordParseError(error: unknown): string {
  if (!(error instanceof Error)) throw error;
  const code = (error as { code?: unknown }).code;
  const quoted = /'([^']*)'/.exec(error.message)?.[1];
  const option = quoted?.replace(/ <value>$/, "");
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option !== undefined) return `unknown option ${option}`;
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && quoted !== undefined) {
    return `unexpected argument "${quoted}" (this command takes only --options)`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option !== undefined) {
    if (/does not take an argument/.test(error.message)) return `${option} does not take a value`;
    return `${option} needs a value`;
  }
  if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) return error.message.split("\n")[0];
  throw error;
}

/**
 * The unsigned integer written in `raw` (decimal digits, `_` allowed between them), from 0 to `max`.
 * `label` names the option or field in the error, e.g. "--count".
 *
 * @example
 * parseUint("1_000_000", "--principal", 2n ** 128n - 1n); // 1000000n
 */
export function parseUint(raw: string, label: string, max: bigint): bigint {
  const text = raw.trim();
  if (NEGATIVE_NUMBER.test(text)) throw new UsageError(`${label} must not be negative, got ${raw}`);
  if (!DECIMAL_INTEGER.test(text)) {
    throw new UsageError(`${label} must be a whole number written in decimal digits, got "${raw}"`);
  }
  const value = BigInt(text.replaceAll("_", ""));
  if (value > max) throw new UsageError(`${label} is out of range: ${value} is above the maximum ${max}`);
  return value;
}

/** `parseUint` for values that fit a JavaScript number (`max` at most 2^53 - 1). */
export function parseUintNumber(raw: string, label: string, max: number): number {
  return Number(parseUint(raw, label, BigInt(max)));
}

/** The largest value of the Solidity type `uint<bits>`. */
export function maxUint(bits: number): bigint {
  return (1n << BigInt(bits)) - 1n;
}

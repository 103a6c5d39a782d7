/**
 * The plan file of a custom schedule (`loanbook schedule --kind custom --plan plan.json`):
 *
 * ```json
 * {
 *   "installments": [
 *     { "dueDays": 30, "principal": "400000" },
 *     { "dueOffset": 5184000, "principal": "600000" }
 *   ]
 * }
 * ```
 *
 * - `installments`: the installments in order, first due first (1 to 360 of them).
 * - each installment gives exactly one of `dueOffset` (whole seconds from the loan's start, a JSON number) or
 *   `dueDays` (whole days from the start, a JSON number; 1 day = 86400 s). Due times must strictly increase.
 * - `principal`: the principal that installment repays, in base units, as a decimal string (amounts can exceed
 *   what a JSON number holds exactly). `_` may separate digit groups: "1_000_000".
 * - the loan's principal is the sum of the installments' principals (the last installment also pays whatever
 *   is still owed). No other keys are allowed, so that a misspelt key is an error rather than ignored.
 *
 * Interest accrues on the balance at the loan's rate over each period (from the previous due time, or the start).
 */
import { UsageError } from "./command.ts";
import { maxUint, parseUint } from "./args.ts";

/** A custom plan, as the `dueOffsets` and `principals` of `ScheduleTerms`. */
export interface Plan {
  dueOffsets: number[];
  principals: bigint[];
}

const SECONDS_PER_DAY = 86_400;
/** Due offsets are Solidity `uint40`s. */
const MAX_DUE_OFFSET = Number(maxUint(40));
/** Amounts are Solidity `uint128`s. */
const MAX_AMOUNT = maxUint(128);
const INSTALLMENT_KEYS = new Set(["dueOffset", "dueDays", "principal"]);

/**
 * The plan written in `text`; `source` (the file name) prefixes every error.
 *
 * @example
 * parsePlan('{"installments":[{"dueDays":30,"principal":"1000"}]}', "plan.json");
 * // { dueOffsets: [2592000], principals: [1000n] }
 */
export function parsePlan(text: string, source: string): Plan {
  const fail = (message: string): never => {
    throw new UsageError(`plan file ${source}: ${message}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isObject(json)) return fail(`must be a JSON object {"installments": [...]}`);
  const extra = Object.keys(json).filter((key) => key !== "installments");
  if (extra.length > 0) fail(`unknown key "${extra[0]}" (expected only "installments")`);
  const installments = json.installments;
  if (!Array.isArray(installments)) return fail(`"installments" must be an array`);
  if (installments.length === 0) fail(`"installments" is empty: a plan needs at least one installment`);

  const plan: Plan = { dueOffsets: [], principals: [] };
  installments.forEach((entry: unknown, i) => {
    const at = `installments[${i}]`;
    if (!isObject(entry)) return fail(`${at} must be an object {"dueDays" or "dueOffset", "principal"}`);
    const unknown = Object.keys(entry).find((key) => !INSTALLMENT_KEYS.has(key));
    if (unknown !== undefined) fail(`${at} has an unknown key "${unknown}" (expected dueOffset or dueDays, principal)`);
    if ((entry.dueOffset === undefined) === (entry.dueDays === undefined)) {
      fail(`${at} needs exactly one of "dueOffset" (seconds) or "dueDays" (days)`);
    }
    const dueOffset =
      entry.dueOffset !== undefined
        ? wholeNumber(entry.dueOffset, `${at}.dueOffset`, MAX_DUE_OFFSET, fail)
        : wholeNumber(entry.dueDays, `${at}.dueDays`, Math.floor(MAX_DUE_OFFSET / SECONDS_PER_DAY), fail) *
          SECONDS_PER_DAY;
    if (typeof entry.principal !== "string") {
      return fail(`${at}.principal must be a decimal string of base units, e.g. "1000000"`);
    }
    let principal: bigint;
    try {
      principal = parseUint(entry.principal, `${at}.principal`, MAX_AMOUNT);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    plan.dueOffsets.push(dueOffset);
    plan.principals.push(principal);
  });
  return plan;
}

function wholeNumber(value: unknown, label: string, max: number, fail: (message: string) => never): number {
  if (typeof value !== "number" || !Number.isInteger(value)) return fail(`${label} must be a whole number`);
  if (value < 0) return fail(`${label} must not be negative, got ${value}`);
  if (value > max) return fail(`${label} is out of range: ${value} is above the maximum ${max}`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

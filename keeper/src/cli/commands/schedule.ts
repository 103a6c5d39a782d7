/**
 * `loanbook schedule`: prints the installment table of a loan's terms, computed by the keeper's mirror of the
 * contracts' ScheduleMath, so what it prints is what the chain will ask for, to the base unit.
 *
 * Pure steps, each exported for tests: `parseScheduleArgs` (argv to a request), `termsOf` (request and plan to
 * `ScheduleTerms`), `schedule` from the core, then `formatScheduleTable` or `formatScheduleJson`.
 */
import { readFileSync } from "node:fs";
import {
  SECONDS_PER_DAY,
  annuityPayment,
  schedule,
  type Installment,
  type ScheduleKind,
  type ScheduleTerms,
} from "../../core/scheduleMath.ts";
import { maxUint, parseOptions, parseUint, parseUintNumber, type OptionSpecs } from "../args.ts";
import { EXIT_OK, UsageError, type CliIo, type Command } from "../command.ts";
import { parsePlan, type Plan } from "../planFile.ts";
import { renderTable } from "../table.ts";

const OPTIONS = {
  kind: { type: "string" },
  principal: { type: "string" },
  "rate-bps": { type: "string" },
  "interval-days": { type: "string" },
  "interval-seconds": { type: "string" },
  count: { type: "string" },
  plan: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies OptionSpecs;

/** The `--kind` names accepted: the kebab-case names, and the core's camelCase ones. */
const KIND_NAMES: Readonly<Record<string, ScheduleKind>> = {
  annuity: "annuity",
  "equal-principal": "equalPrincipal",
  equalPrincipal: "equalPrincipal",
  "interest-only": "interestOnly",
  interestOnly: "interestOnly",
  bullet: "bullet",
  custom: "custom",
};

const KIND_LABELS: Readonly<Record<ScheduleKind, string>> = {
  annuity: "Annuity",
  equalPrincipal: "Equal principal",
  interestOnly: "Interest only",
  bullet: "Bullet",
  custom: "Custom plan",
};

/** Widest values of the Solidity types that hold the terms (`Schedule.Terms`). */
const MAX_PRINCIPAL = maxUint(128);
const MAX_UINT32 = Number(maxUint(32));
const MAX_UINT16 = Number(maxUint(16));

export const SCHEDULE_USAGE = `Usage: loanbook schedule --kind KIND --principal N --rate-bps N --interval-days N --count N [--json]
       loanbook schedule --kind custom --plan FILE --rate-bps N [--principal N] [--json]

Prints the installment table of a loan's terms, computed exactly as the contracts compute it.
(From the repository: npm run cli -- schedule ...)

Options:
  --kind KIND             annuity, equal-principal, interest-only, bullet or custom
                          (the camelCase names equalPrincipal and interestOnly work too)
  --principal N           amount lent, in base units: a whole number up to 2^128 - 1 ("_" may group digits);
                          optional for custom, where it must equal the sum of the plan's principals
  --rate-bps N            yearly interest rate in basis points, 0 to 10000 (1200 = 12.00% a year)
  --interval-days N       whole days between installments, 1 to 365
  --interval-seconds N    seconds between installments, 86400 to 31536000 (instead of --interval-days)
  --count N               number of installments, 1 to 360 (bullet: intervals until the single payment)
  --plan FILE             custom only: the plan's due times and principals, as JSON (below)
  --json                  print one JSON object instead of the table; amounts are decimal strings
  -h, --help              print this help

Interest of each period = round-half-up(balance * rate-bps * seconds / (10000 * 365 days)).

Plan file (--kind custom), e.g.:
  {"installments": [{"dueDays": 30, "principal": "400000"}, {"dueOffset": 5184000, "principal": "600000"}]}
  Each installment gives exactly one of dueDays (whole days from the start) or dueOffset (seconds from the
  start), strictly increasing, and the principal it repays as a decimal string. The last installment also
  pays whatever principal is still owed. --interval-* and --count do not apply: the plan sets them.

Examples:
  loanbook schedule --kind annuity --principal 1000000000 --rate-bps 1200 --interval-days 30 --count 12
  loanbook schedule --kind custom --plan plan.json --rate-bps 900 --json
`;

/** What `loanbook schedule` was asked for, before any plan file is read. */
export interface ScheduleRequest {
  kind: ScheduleKind;
  /** Required except for custom plans, where it defaults to the sum of the plan's principals. */
  principal: bigint | undefined;
  rateBps: number;
  /** 0 for custom plans. */
  intervalSeconds: number;
  /** 0 for custom plans (the plan's length is the count). */
  count: number;
  /** Custom plans only. */
  planPath: string | undefined;
  json: boolean;
}

/**
 * The request written in `argv` (the arguments after `schedule`), or "help" when help was asked for.
 * Throws `UsageError` naming the first problem: unknown or repeated option, missing value or option, a number
 * that is not a whole non-negative number or is out of its type's range, an unknown kind, or an option that
 * does not apply to the kind. Rules of the schedule math itself (rate, count, interval limits) are left to it.
 *
 * @example
 * parseScheduleArgs(["--kind", "bullet", "--principal", "1000", "--rate-bps", "500", "--interval-days", "30", "--count", "12"]);
 * // { kind: "bullet", principal: 1000n, rateBps: 500, intervalSeconds: 2592000, count: 12, planPath: undefined, json: false }
 */
export function parseScheduleArgs(argv: readonly string[]): ScheduleRequest | "help" {
  if (argv.includes("--help") || argv.includes("-h")) return "help";
  const values = parseOptions(argv, OPTIONS);
  const text = (name: keyof typeof OPTIONS): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const required = (name: keyof typeof OPTIONS, why: string): string => {
    const value = text(name);
    if (value === undefined) throw new UsageError(`missing --${name} (${why})`);
    return value;
  };
  const refuse = (name: keyof typeof OPTIONS, why: string): void => {
    if (values[name] !== undefined) throw new UsageError(`--${name} does not apply ${why}`);
  };

  const kindName = required("kind", "one of annuity, equal-principal, interest-only, bullet, custom");
  const kind = Object.hasOwn(KIND_NAMES, kindName) ? KIND_NAMES[kindName] : undefined;
  if (kind === undefined) {
    throw new UsageError(`unknown --kind "${kindName}": use annuity, equal-principal, interest-only, bullet or custom`);
  }
  const rateBps = parseUintNumber(
    required("rate-bps", "the yearly rate in bps, e.g. 1200 for 12%"),
    "--rate-bps",
    MAX_UINT32,
  );
  const principalText = text("principal");
  const principal = principalText === undefined ? undefined : parseUint(principalText, "--principal", MAX_PRINCIPAL);
  const json = values.json === true;

  if (kind === "custom") {
    const why = "to --kind custom: the plan file sets the due times and the number of installments";
    refuse("interval-days", why);
    refuse("interval-seconds", why);
    refuse("count", why);
    const planPath = required("plan", "the JSON file of a custom plan's installments");
    return { kind, principal, rateBps, intervalSeconds: 0, count: 0, planPath, json };
  }

  refuse("plan", `to --kind ${kindName}: only a custom schedule takes a plan file`);
  if (principal === undefined) throw new UsageError("missing --principal (the amount lent, in base units)");
  const days = text("interval-days");
  const seconds = text("interval-seconds");
  if (days !== undefined && seconds !== undefined) {
    throw new UsageError("give --interval-days or --interval-seconds, not both");
  }
  let intervalSeconds: number;
  if (days !== undefined) {
    intervalSeconds =
      parseUintNumber(days, "--interval-days", Math.floor(MAX_UINT32 / SECONDS_PER_DAY)) * SECONDS_PER_DAY;
  } else if (seconds !== undefined) {
    intervalSeconds = parseUintNumber(seconds, "--interval-seconds", MAX_UINT32);
  } else {
    throw new UsageError("missing --interval-days (or --interval-seconds): the time between installments");
  }
  const count = parseUintNumber(required("count", "the number of installments"), "--count", MAX_UINT16);
  return { kind, principal, rateBps, intervalSeconds, count, planPath: undefined, json };
}

/**
 * The core's `ScheduleTerms` for `request`; `plan` is the parsed plan file of a custom request. A custom loan's
 * principal is the sum of its plan's principals unless the request gives one (the core then checks they match).
 */
export function termsOf(request: ScheduleRequest, plan?: Plan): ScheduleTerms {
  const { kind, rateBps, intervalSeconds, count } = request;
  if (kind !== "custom") {
    if (request.principal === undefined) throw new UsageError("missing --principal");
    return { kind, principal: request.principal, rateBps, intervalSeconds, count, dueOffsets: [], principals: [] };
  }
  if (plan === undefined) throw new UsageError("missing --plan (the JSON file of a custom plan's installments)");
  const planSum = plan.principals.reduce((sum, amount) => sum + amount, 0n);
  if (request.principal === undefined && planSum > MAX_PRINCIPAL) {
    throw new UsageError(`the plan's principals add up to ${planSum}, above the maximum principal ${MAX_PRINCIPAL}`);
  }
  return {
    kind,
    principal: request.principal ?? planSum,
    rateBps,
    intervalSeconds: 0,
    count: plan.dueOffsets.length,
    dueOffsets: plan.dueOffsets,
    principals: plan.principals,
  };
}

/** Reads and parses the plan file at `path`; unreadable or malformed files are `UsageError`s. */
export function readPlanFile(path: string): Plan {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : error instanceof Error
              ? error.message
              : String(error);
    throw new UsageError(`cannot read plan file ${path}: ${reason}`);
  }
  return parsePlan(text, path);
}

/** Whole days as "30 d"; otherwise the days and the seconds left over, e.g. "1 d 3600 s", or "3600 s". */
export function formatDueOffset(seconds: number): string {
  const days = Math.floor(seconds / SECONDS_PER_DAY);
  const rest = seconds % SECONDS_PER_DAY;
  if (rest === 0) return `${days} d`;
  return days === 0 ? `${rest} s` : `${days} d ${rest} s`;
}

/** 1200 bps as "12.00% a year (1200 bps)". */
export function formatRate(rateBps: number): string {
  const percent = `${Math.floor(rateBps / 100)}.${String(rateBps % 100).padStart(2, "0")}`;
  return `${percent}% a year (${rateBps} bps)`;
}

/** One line saying what `terms` are, e.g. "Annuity: principal 1000 at 12.00% a year (1200 bps), ...". */
export function describeTerms(terms: ScheduleTerms): string {
  const { kind, principal, rateBps, intervalSeconds, count } = terms;
  const head = `${KIND_LABELS[kind]}: principal ${principal} at ${formatRate(rateBps)}`;
  const every = formatDueOffset(intervalSeconds);
  const installments = count === 1 ? "1 installment" : `${count} installments`;
  switch (kind) {
    case "annuity":
      return `${head}, ${installments} every ${every}, equal payment ${annuityPayment(principal, rateBps, intervalSeconds, count)}`;
    case "equalPrincipal":
      return `${head}, ${installments} every ${every}, principal ${principal / BigInt(count)} each`;
    case "interestOnly":
      return `${head}, ${installments} every ${every}, interest only until the last repays the principal`;
    case "bullet":
      return `${head}, repaid in one payment at ${formatDueOffset(intervalSeconds * count)} (${count} x ${every})`;
    case "custom":
      return `${head}, ${installments} by plan, the last at ${formatDueOffset(terms.dueOffsets[count - 1])}`;
  }
}

/** Sums of the principal, interest and total columns. */
export function totalsOf(table: readonly Installment[]): { principal: bigint; interest: bigint; total: bigint } {
  return table.reduce(
    (sum, row) => ({
      principal: sum.principal + row.principal,
      interest: sum.interest + row.interest,
      total: sum.total + row.total,
    }),
    { principal: 0n, interest: 0n, total: 0n },
  );
}

/** The readable output: the terms line, then the table with a totals line; amounts in base units. */
export function formatScheduleTable(terms: ScheduleTerms, table: readonly Installment[]): string {
  const totals = totalsOf(table);
  const lines = renderTable({
    header: ["#", "due offset", "principal", "interest", "total", "balance after"],
    rows: table.map((row) => [
      String(row.number),
      formatDueOffset(row.dueOffset),
      String(row.principal),
      String(row.interest),
      String(row.total),
      String(row.balanceAfter),
    ]),
    footer: [["total", "", String(totals.principal), String(totals.interest), String(totals.total), ""]],
  });
  return `${describeTerms(terms)}\n\n${lines.join("\n")}\n`;
}

/**
 * The `--json` output: `{terms, installments, totals}`. Amounts are decimal strings (they exceed 2^53); due
 * offsets, rates and counts are numbers. `terms.payment` is the annuity's equal payment (annuities only).
 */
export function scheduleJson(terms: ScheduleTerms, table: readonly Installment[]): unknown {
  const { kind, principal, rateBps, intervalSeconds, count } = terms;
  const totals = totalsOf(table);
  return {
    terms: {
      kind,
      principal: String(principal),
      rateBps,
      intervalSeconds,
      count,
      ...(kind === "annuity" ? { payment: String(annuityPayment(principal, rateBps, intervalSeconds, count)) } : {}),
    },
    installments: table.map((row) => ({
      number: row.number,
      dueOffset: row.dueOffset,
      principal: String(row.principal),
      interest: String(row.interest),
      total: String(row.total),
      balanceAfter: String(row.balanceAfter),
    })),
    totals: { principal: String(totals.principal), interest: String(totals.interest), total: String(totals.total) },
  };
}

/** `scheduleJson` as the text printed: one JSON object, indented, with a final newline. */
export function formatScheduleJson(terms: ScheduleTerms, table: readonly Installment[]): string {
  return `${JSON.stringify(scheduleJson(terms, table), null, 2)}\n`;
}

export const scheduleCommand: Command = {
  name: "schedule",
  summary: "print the installment table of a loan's terms (--json for machines)",
  usage: SCHEDULE_USAGE,
  run(argv: readonly string[], io: CliIo): number {
    const request = parseScheduleArgs(argv);
    if (request === "help") {
      io.stdout.write(SCHEDULE_USAGE);
      return EXIT_OK;
    }
    const plan = request.planPath === undefined ? undefined : readPlanFile(request.planPath);
    const terms = termsOf(request, plan);
    const table = schedule(terms);
    io.stdout.write(request.json ? formatScheduleJson(terms, table) : formatScheduleTable(terms, table));
    return EXIT_OK;
  },
};

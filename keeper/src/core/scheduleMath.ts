/**
 * The TypeScript mirror of contracts/libraries/ScheduleMath.sol: the same rules (docs/rounding.md), the same
 * fixed-point steps in the same order, so that both produce the same installment table to the base unit.
 * test/integration/scheduleDifferential.test.ts proves it on random terms against the compiled library.
 */
import { MathRuleError, assertUint } from "./mathError.ts";
import { ceilDiv, divHalfUp, minBig, mulDivHalfUp } from "./rounding.ts";

export const BPS = 10_000n;
export const SECONDS_PER_DAY = 86_400;
export const SECONDS_PER_YEAR = 365n * 86_400n;
/** Denominator of every period rate: r = rateBps * seconds / RATE_DENOMINATOR (Actual/365 on seconds). */
export const RATE_DENOMINATOR = BPS * SECONDS_PER_YEAR;
/** One in the 192-bit fixed point of the annuity factor. */
export const FIXED_ONE = 1n << 192n;
export const MAX_RATE_BPS = 10_000;
export const MIN_INTERVAL = SECONDS_PER_DAY;
export const MAX_INTERVAL = 365 * SECONDS_PER_DAY;
export const MAX_INSTALLMENTS = 360;

/** Schedule kinds, in the order of Solidity's `Schedule.Kind` (whose value 0 is `None`). */
export const SCHEDULE_KINDS = ["annuity", "equalPrincipal", "interestOnly", "bullet", "custom"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** The value of `kind` in Solidity's `Schedule.Kind` enum. */
export function kindId(kind: ScheduleKind): number {
  return SCHEDULE_KINDS.indexOf(kind) + 1;
}

/** A loan's schedule terms, as Solidity's `Schedule.Terms`. Custom plans give `dueOffsets` and `principals`. */
export interface ScheduleTerms {
  kind: ScheduleKind;
  principal: bigint;
  rateBps: number;
  /** Seconds between installments; 0 for a custom plan. */
  intervalSeconds: number;
  count: number;
  /** Custom only: seconds from the start to each due time, strictly increasing. */
  dueOffsets: readonly number[];
  /** Custom only: principal repaid by each installment, summing to `principal`. */
  principals: readonly bigint[];
}

/** One row of the installment table (Solidity's `Schedule.Installment`, plus derived total and balance). */
export interface Installment {
  /** 1-based. */
  number: number;
  /** Seconds from the loan's start. */
  dueOffset: number;
  principal: bigint;
  interest: bigint;
  total: bigint;
  balanceAfter: bigint;
}

/**
 * Throws the MathRuleError (named as the Solidity error) that explains why `terms` cannot make a schedule.
 * Checks in the same order as `ScheduleMath.validate`.
 */
export function validateTerms(terms: ScheduleTerms): void {
  assertAbiTypes(terms);
  const { kind, principal, rateBps, intervalSeconds, count, dueOffsets, principals } = terms;
  if (principal === 0n) throw new MathRuleError("ScheduleMath_ZeroPrincipal", [], "principal must be above 0");
  if (rateBps > MAX_RATE_BPS) {
    throw new MathRuleError(
      "ScheduleMath_RateTooHigh",
      [BigInt(rateBps), BigInt(MAX_RATE_BPS)],
      `rate ${rateBps} bps is above the maximum of ${MAX_RATE_BPS} bps (100% a year)`,
    );
  }
  if (count === 0 || count > MAX_INSTALLMENTS) {
    throw new MathRuleError(
      "ScheduleMath_CountOutOfRange",
      [BigInt(count), BigInt(MAX_INSTALLMENTS)],
      `number of installments must be 1 to ${MAX_INSTALLMENTS}, got ${count}`,
    );
  }
  if (kind !== "custom") {
    if (intervalSeconds < MIN_INTERVAL || intervalSeconds > MAX_INTERVAL) {
      throw new MathRuleError(
        "ScheduleMath_IntervalOutOfRange",
        [BigInt(intervalSeconds), BigInt(MIN_INTERVAL), BigInt(MAX_INTERVAL)],
        `interval must be 1 to 365 days (${MIN_INTERVAL} to ${MAX_INTERVAL} seconds), got ${intervalSeconds} seconds`,
      );
    }
    if (dueOffsets.length !== 0 || principals.length !== 0) {
      throw new MathRuleError(
        "ScheduleMath_PlanLengthMismatch",
        [0n, BigInt(dueOffsets.length), BigInt(principals.length)],
        `only a custom schedule takes a plan of due offsets and principals`,
      );
    }
    return;
  }
  if (intervalSeconds !== 0) {
    throw new MathRuleError(
      "ScheduleMath_IntervalOutOfRange",
      [BigInt(intervalSeconds), 0n, 0n],
      `a custom plan gives its own due times: the interval must be 0, got ${intervalSeconds}`,
    );
  }
  if (dueOffsets.length !== count || principals.length !== count) {
    throw new MathRuleError(
      "ScheduleMath_PlanLengthMismatch",
      [BigInt(count), BigInt(dueOffsets.length), BigInt(principals.length)],
      `a custom plan of ${count} installments needs ${count} due offsets and ${count} principals, ` +
        `got ${dueOffsets.length} and ${principals.length}`,
    );
  }
  let previous = 0;
  let planSum = 0n;
  for (let i = 0; i < count; i++) {
    if (dueOffsets[i] <= previous) {
      throw new MathRuleError(
        "ScheduleMath_DueOffsetNotIncreasing",
        [BigInt(i), BigInt(previous), BigInt(dueOffsets[i])],
        `due offset ${i + 1} (${dueOffsets[i]} s) must be after the previous one (${previous} s)`,
      );
    }
    previous = dueOffsets[i];
    planSum += principals[i];
  }
  if (planSum !== principal) {
    throw new MathRuleError(
      "ScheduleMath_PlanSumMismatch",
      [planSum, principal],
      `the plan's principals add up to ${planSum}, not to the principal ${principal}`,
    );
  }
}

/**
 * The whole installment table of `terms`, first installment first.
 *
 * @example
 * const table = schedule({ kind: "equalPrincipal", principal: 120_000n, rateBps: 1200,
 *   intervalSeconds: 2_628_000, count: 12, dueOffsets: [], principals: [] });
 * table[0]; // { number: 1, dueOffset: 2628000, principal: 10000n, interest: 1200n, total: 11200n, balanceAfter: 110000n }
 */
export function schedule(terms: ScheduleTerms): Installment[] {
  validateTerms(terms);
  const count = installmentCount(terms);
  const payment = paymentOf(terms);
  const table: Installment[] = [];
  let balance = terms.principal;
  for (let number = 1; number <= count; number++) {
    const row = nextInstallment(terms, payment, number, balance);
    balance = row.balanceAfter;
    table.push(row);
  }
  return table;
}

/** Installment `number` (1-based) of `terms` without building the table; as `ScheduleMath.installmentAt`. */
export function installmentAt(terms: ScheduleTerms, number: number): Installment {
  validateTerms(terms);
  const count = installmentCount(terms);
  if (!Number.isSafeInteger(number) || number < 1 || number > count) {
    throw new MathRuleError(
      "ScheduleMath_InstallmentOutOfRange",
      [BigInt(Number.isSafeInteger(number) ? number : 0), BigInt(count)],
      `installment ${number} does not exist: the schedule has ${count}`,
    );
  }
  const payment = paymentOf(terms);
  let balance = terms.principal;
  if (terms.kind === "equalPrincipal") {
    balance -= BigInt(number - 1) * (terms.principal / BigInt(count));
  } else if (terms.kind === "annuity" || terms.kind === "custom") {
    for (let earlier = 1; earlier < number; earlier++) {
      balance = nextInstallment(terms, payment, earlier, balance).balanceAfter;
    }
  }
  return nextInstallment(terms, payment, number, balance);
}

/**
 * Installment `number` given the principal still owed before it: one step of the table, as
 * `ScheduleMath.nextInstallment`. `terms` must be valid and `payment` the annuity payment (annuities only).
 */
export function nextInstallment(
  terms: ScheduleTerms,
  payment: bigint,
  number: number,
  balanceBefore: bigint,
): Installment {
  const row = (dueOffset: number, principal: bigint, interest: bigint): Installment => ({
    number,
    dueOffset,
    principal,
    interest,
    total: principal + interest,
    balanceAfter: balanceBefore - principal,
  });
  const { kind, rateBps, intervalSeconds, count } = terms;
  if (kind === "bullet") {
    const term = intervalSeconds * count;
    return row(term, balanceBefore, periodInterest(balanceBefore, rateBps, term));
  }
  const isLast = number === count;
  if (kind === "custom") {
    const start = number === 1 ? 0 : terms.dueOffsets[number - 2];
    const dueOffset = terms.dueOffsets[number - 1];
    const interest = periodInterest(balanceBefore, rateBps, dueOffset - start);
    return row(dueOffset, isLast ? balanceBefore : minBig(terms.principals[number - 1], balanceBefore), interest);
  }
  const interest = periodInterest(balanceBefore, rateBps, intervalSeconds);
  let principal = 0n;
  if (isLast) principal = balanceBefore;
  else if (kind === "annuity") principal = minBig(payment > interest ? payment - interest : 0n, balanceBefore);
  else if (kind === "equalPrincipal") principal = minBig(terms.principal / BigInt(count), balanceBefore);
  return row(number * intervalSeconds, principal, interest);
}

/** Rows in the table: 1 for a bullet, `count` otherwise. */
export function installmentCount(terms: ScheduleTerms): number {
  return terms.kind === "bullet" ? 1 : terms.count;
}

/** Interest of a period: round-half-up(balance * rateBps * seconds / RATE_DENOMINATOR). */
export function periodInterest(balance: bigint, rateBps: number, periodSeconds: number): bigint {
  return divHalfUp(balance * BigInt(rateBps) * BigInt(periodSeconds), RATE_DENOMINATOR);
}

/**
 * The annuity's equal installment, as `ScheduleMath.annuityPayment`: round-half-up(P * r / (1 - (1 + r)^-n)) with
 * the power in 192-bit fixed point rounded up (so an exact half rounds up), round-half-up(P / n) when r = 0.
 */
export function annuityPayment(principal: bigint, rateBps: number, intervalSeconds: number, count: number): bigint {
  if (rateBps === 0) return divHalfUp(principal, BigInt(count));
  const periodRate = BigInt(rateBps) * BigInt(intervalSeconds);
  const discount = ceilDiv(RATE_DENOMINATOR * FIXED_ONE, RATE_DENOMINATOR + periodRate);
  const remaining = FIXED_ONE - powFixedUp(discount, count);
  return mulDivHalfUp(principal * periodRate, FIXED_ONE, RATE_DENOMINATOR * remaining);
}

function paymentOf(terms: ScheduleTerms): bigint {
  return terms.kind === "annuity"
    ? annuityPayment(terms.principal, terms.rateBps, terms.intervalSeconds, terms.count)
    : 0n;
}

/** x^n in 192-bit fixed point by binary exponentiation, every product rounded up: the same steps as `_powFixedUp`. */
function powFixedUp(x: bigint, n: number): bigint {
  let result = FIXED_ONE;
  let base = x;
  let exponent = n;
  while (exponent !== 0) {
    if (exponent & 1) result = ceilDiv(result * base, FIXED_ONE);
    exponent >>>= 1;
    if (exponent !== 0) base = ceilDiv(base * base, FIXED_ONE);
  }
  return result;
}

/** The Solidity ABI types of `Schedule.Terms`: what the chain would refuse to decode, refused here too. */
function assertAbiTypes(terms: ScheduleTerms): void {
  if (!SCHEDULE_KINDS.includes(terms.kind)) {
    throw new MathRuleError("ScheduleMath_UnknownKind", [], `unknown schedule kind ${String(terms.kind)}`);
  }
  assertUint(terms.principal, 128, "principal");
  assertUint(terms.rateBps, 32, "rateBps");
  assertUint(terms.intervalSeconds, 32, "intervalSeconds");
  assertUint(terms.count, 16, "count");
  terms.dueOffsets.forEach((offset, i) => assertUint(offset, 40, `dueOffsets[${i}]`));
  terms.principals.forEach((amount, i) => assertUint(amount, 128, `principals[${i}]`));
}

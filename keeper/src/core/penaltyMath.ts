/**
 * The TypeScript mirror of contracts/libraries/PenaltyMath.sol (docs/rounding.md): the late-payment penalty of
 * one installment from the template's rules alone.
 */
import { assertUint } from "./mathError.ts";
import { ceilDiv, divHalfUp, minBig } from "./rounding.ts";

const BPS = 10_000n;
const DAYS_PER_YEAR = 365n;
const SECONDS_PER_DAY = 86_400n;

/** A template's penalty rules, as Solidity's `Penalty.Terms`. */
export interface PenaltyTerms {
  /** Lateness that costs nothing when the installment is paid within it. */
  graceSeconds: number;
  /** Default interest a year, in bps of the unpaid amount, per started day from the due date. */
  rateBps: number;
  /** Base units charged once per late installment after the grace period. */
  flatFee: bigint;
  /** The most one installment's penalty can reach, in bps of its unpaid amount. */
  capBps: number;
}

/** Started days from `dueTime` to `asOf` (0 when `asOf` is not after `dueTime`). */
export function lateDays(dueTime: number, asOf: number): bigint {
  return asOf > dueTime ? ceilDiv(BigInt(asOf - dueTime), SECONDS_PER_DAY) : 0n;
}

/**
 * The penalty owed at `asOf` (seconds since the epoch) on `unpaid` base units of an installment due at `dueTime`:
 * min(round-half-up(unpaid * rateBps * lateDays / (10_000 * 365)) + flatFee, floor(unpaid * capBps / 10_000)),
 * and 0 up to the end of the grace period.
 *
 * @example
 * // 18.25% a year is 0.05% a day: 3 started days late on 1,000,000 units after a 1-day grace.
 * penaltyOf({ graceSeconds: 86_400, rateBps: 1825, flatFee: 0n, capBps: 1000 }, 1_000_000n, 0, 2 * 86_400 + 1); // 1500n
 */
export function penaltyOf(terms: PenaltyTerms, unpaid: bigint, dueTime: number, asOf: number): bigint {
  assertUint(terms.graceSeconds, 32, "graceSeconds");
  assertUint(terms.rateBps, 32, "penalty rateBps");
  assertUint(terms.flatFee, 128, "flatFee");
  assertUint(terms.capBps, 32, "capBps");
  assertUint(unpaid, 128, "unpaid");
  assertUint(dueTime, 40, "dueTime");
  assertUint(asOf, 40, "asOf");
  if (unpaid === 0n || asOf <= dueTime + terms.graceSeconds) return 0n;
  const interest = divHalfUp(unpaid * BigInt(terms.rateBps) * lateDays(dueTime, asOf), BPS * DAYS_PER_YEAR);
  const cap = (unpaid * BigInt(terms.capBps)) / BPS;
  return minBig(interest + terms.flatFee, cap);
}

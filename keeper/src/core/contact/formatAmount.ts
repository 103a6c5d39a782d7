/**
 * Token amounts for people: base units (bigint) shown exactly in whole units, never through a float.
 * The rule: thousands grouped with ",", a "." before the fraction, the fraction exact with its trailing zeros
 * trimmed but at least two digits kept (fewer only if the token has fewer decimals). Nothing is rounded away, so a
 * borrower is never told a sum that differs from what the chain asks by even one base unit. Chinese lenders write
 * amounts the same way ("1,234.50"), so the format does not depend on the locale.
 */

/** Digits kept after the point even when they are zeros (as in "1.00"), when the token has that many. */
export const MIN_FRACTION_DIGITS = 2;
/** More decimals than any token uses; `10n ** 77n` still fits a uint256. */
export const MAX_DECIMALS = 77;

/**
 * `amount` base units of a token with `decimals` decimals, exactly.
 *
 * @example
 * formatAmount(1_234_567_890n, 6); // "1,234.56789"
 * formatAmount(1_000_000n, 6); // "1.00"
 * formatAmount(5n, 6); // "0.000005"
 * formatAmount(100n, 0); // "100"
 */
export function formatAmount(amount: bigint, decimals: number): string {
  if (typeof amount !== "bigint" || amount < 0n) {
    throw new RangeError(`Amount ${String(amount)} is not a non-negative bigint of base units`);
  }
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_DECIMALS) {
    throw new RangeError(`Decimals ${decimals} is not a whole number in 0..${MAX_DECIMALS}`);
  }
  const unit = 10n ** BigInt(decimals);
  const whole = (amount / unit).toString().replace(/\B(?=(\d{3})+$)/g, ",");
  if (decimals === 0) return whole;
  let fraction = (amount % unit).toString().padStart(decimals, "0");
  const keep = Math.min(MIN_FRACTION_DIGITS, decimals);
  let end = fraction.length;
  while (end > keep && fraction[end - 1] === "0") end--;
  fraction = fraction.slice(0, end);
  return `${whole}.${fraction}`;
}

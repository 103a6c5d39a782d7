/**
 * Decimal amounts as banks write them (`1234.56` CNY) to the token's integer base units, by string arithmetic only:
 * a float would round `0.1 + 0.2`, and an amount must be exact to the base unit.
 */

const DECIMAL_AMOUNT = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Thrown for an amount that has no exact value in base units; the message names the amount and the rule. */
export class AmountError extends Error {
  override readonly name = "AmountError";
}

/**
 * The base units of `text` for a token with `decimals` decimals, as canonical digits (no leading zeros, `0` for
 * zero). Bounds (positive, below 2^128) are left to `bankPaymentSchema`, so that every feed has the same rule and
 * message. Throws `AmountError` for a sign, a non-decimal text, or more fraction digits than `decimals`.
 *
 * @example
 * toBaseUnits("1234.56", 6); // "1234560000"
 * toBaseUnits("0.000001", 6); // "1"
 * toBaseUnits("1.0000001", 6); // throws AmountError: 7 fraction digits, the token has 6
 */
export function toBaseUnits(text: string, decimals: number): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new RangeError(`decimals must be an integer from 0 to 36, got ${decimals}`);
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("-")) throw new AmountError(`amount must be positive, got ${JSON.stringify(text)}`);
  const match = DECIMAL_AMOUNT.exec(trimmed);
  if (match === null)
    throw new AmountError(`amount must be a decimal number such as 1234.56, got ${JSON.stringify(text)}`);
  const [, whole, fraction = ""] = match;
  const significant = fraction.replace(/0+$/, "");
  if (significant.length > decimals) {
    throw new AmountError(
      `amount ${trimmed} has ${significant.length} fraction digits, more than the token's ${decimals} decimals`,
    );
  }
  const digits = (whole + significant.padEnd(decimals, "0")).replace(/^0+/, "");
  return digits === "" ? "0" : digits;
}

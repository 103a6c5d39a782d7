/**
 * The TypeScript mirror of contracts/libraries/CollateralMath.sol (docs/rounding.md): a price feed's value of an
 * ERC-20 collateral amount, and the loan-to-value thresholds of the margin rules and the origination limit. Same
 * formula, same rounding (down), same refusals: test/vectors/collateral.json holds both to the base unit.
 */
import { MathRuleError, assertUint } from "./mathError.ts";

const MAX_UINT256 = (1n << 256n) - 1n;
const BPS = 10_000n;
/** 10^77 is the largest power of ten in a word. */
const MAX_DECIMALS = 77n;

/** Solidity's panic code of a checked arithmetic overflow (`Panic(0x11)`). */
export const PANIC_OVERFLOW = 0x11n;

/** Throws what Solidity's checked arithmetic (or OpenZeppelin's `Math.mulDiv`) reverts with on an overflow. */
function overflow(label: string): never {
  throw new MathRuleError("Panic", [PANIC_OVERFLOW], `${label} overflows uint256`);
}

/**
 * The value of `amount` base units of a collateral token of `collateralDecimals` decimals at a feed `answer` (the
 * price of one whole collateral token in whole loan tokens, with `feedDecimals` decimals), in base units of a loan
 * token of `loanDecimals` decimals, rounded down (the lender never counts more collateral than there is):
 * floor(amount * answer * 10^loanDecimals / 10^(collateralDecimals + feedDecimals)).
 *
 * Throws `MathRuleError("CollateralMath_TooManyDecimals", [decimals])` when collateralDecimals + feedDecimals or
 * loanDecimals is above 77, and `MathRuleError("Panic", [0x11n])` when the value does not fit a uint256, as the
 * Solidity library reverts.
 *
 * @example
 * // 20 tokens of 18 decimals at 100.00000000 (8 decimals), in a 6-decimal stablecoin: 2,000.000000.
 * feedValue(20n * 10n ** 18n, 100n * 10n ** 8n, 18, 8, 6); // 2_000_000_000n
 */
export function feedValue(
  amount: bigint,
  answer: bigint,
  collateralDecimals: number | bigint,
  feedDecimals: number | bigint,
  loanDecimals: number | bigint,
): bigint {
  assertUint(amount, 256, "amount");
  assertUint(answer, 256, "answer");
  assertUint(collateralDecimals, 256, "collateralDecimals");
  assertUint(feedDecimals, 256, "feedDecimals");
  assertUint(loanDecimals, 256, "loanDecimals");
  const down = BigInt(collateralDecimals) + BigInt(feedDecimals);
  const up = BigInt(loanDecimals);
  if (down > MAX_UINT256) overflow("collateralDecimals + feedDecimals");
  if (down > MAX_DECIMALS) throw new MathRuleError("CollateralMath_TooManyDecimals", [down], tooMany(down));
  if (up > MAX_DECIMALS) throw new MathRuleError("CollateralMath_TooManyDecimals", [up], tooMany(up));
  if (down >= up) {
    // Math.mulDiv: the exact 512-bit product divided, reverting only when the quotient does not fit.
    const value = (amount * answer) / 10n ** (down - up);
    if (value > MAX_UINT256) overflow("feedValue");
    return value;
  }
  // Checked multiplication, left to right as Solidity evaluates amount * answer * 10 ** (loanDecimals - down).
  const product = amount * answer;
  if (product > MAX_UINT256) overflow("amount * answer");
  const value = product * 10n ** (up - down);
  if (value > MAX_UINT256) overflow("feedValue");
  return value;
}

/** Whether `debt` against `value` reaches a loan-to-value of `bps` (margin rules): debt * 10,000 >= bps * value, each
 * side saturating at 2^256 - 1; a debt against a value of 0 crosses every threshold. */
export function crosses(debt: bigint, value: bigint, bps: number | bigint): boolean {
  const [debtSide, valueSide] = sides(debt, value, bps);
  return debtSide >= valueSide;
}

/** Whether `debt` against `value` is above a loan-to-value of `bps` (the origination limit): debt * 10,000 > bps *
 * value, each side saturating at 2^256 - 1. */
export function exceeds(debt: bigint, value: bigint, bps: number | bigint): boolean {
  const [debtSide, valueSide] = sides(debt, value, bps);
  return debtSide > valueSide;
}

function sides(debt: bigint, value: bigint, bps: number | bigint): [bigint, bigint] {
  assertUint(debt, 256, "debt");
  assertUint(value, 256, "value");
  assertUint(bps, 256, "bps");
  return [saturatingMul(debt, BPS), saturatingMul(value, BigInt(bps))];
}

/** OpenZeppelin's `Math.saturatingMul`: the product, or 2^256 - 1 when it does not fit. */
function saturatingMul(a: bigint, b: bigint): bigint {
  const product = a * b;
  return product > MAX_UINT256 ? MAX_UINT256 : product;
}

function tooMany(decimals: bigint): string {
  return `${decimals} decimals: the collateral math supports at most 77 (10^77 is the largest power of ten in a word)`;
}

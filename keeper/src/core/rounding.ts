/**
 * The one rounding rule of the schedule and penalty math (docs/rounding.md), mirroring
 * contracts/libraries/Rounding.sol: round half up, on non-negative integers.
 */

/**
 * `x / d` rounded half up: a remainder of at least half the divisor rounds up.
 *
 * @example
 * divHalfUp(5n, 2n); // 3n
 * divHalfUp(7n, 3n); // 2n
 */
export function divHalfUp(x: bigint, d: bigint): bigint {
  const quotient = x / d;
  const remainder = x % d;
  return remainder >= d - remainder ? quotient + 1n : quotient;
}

/** `x * y / d` rounded half up (bigint products are exact, like Solidity's 512-bit `mulDiv`). */
export function mulDivHalfUp(x: bigint, y: bigint, d: bigint): bigint {
  return divHalfUp(x * y, d);
}

/** Integer division rounded up, as OpenZeppelin's `Math.ceilDiv`. */
export function ceilDiv(x: bigint, d: bigint): bigint {
  return x === 0n ? 0n : (x - 1n) / d + 1n;
}

/** The smaller of two bigints. */
export function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

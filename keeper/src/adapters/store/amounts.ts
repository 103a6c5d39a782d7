/**
 * Token amounts cross the store's edge here. They are uint256, beyond SQLite's signed 64-bit INTEGER (and a JS
 * number's 2^53), so the database holds them as canonical decimal TEXT and the keeper as bigint.
 */
const MAX_UINT256 = 2n ** 256n - 1n;
const CANONICAL_DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * The database text of a uint256 amount.
 *
 * @example
 * toDbAmount(2n ** 64n); // "18446744073709551616"
 */
export function toDbAmount(amount: bigint): string {
  if (amount < 0n || amount > MAX_UINT256) throw new RangeError(`Amount ${amount} is not a uint256`);
  return amount.toString();
}

/**
 * The amount a database text holds; throws on anything but a canonical decimal, never guessing.
 *
 * @example
 * fromDbAmount("18446744073709551616"); // 18446744073709551616n
 */
export function fromDbAmount(text: string): bigint {
  if (!CANONICAL_DECIMAL.test(text)) throw new RangeError(`Stored amount ${JSON.stringify(text)} is not a decimal`);
  return BigInt(text);
}

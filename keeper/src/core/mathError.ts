/**
 * An input the schedule or penalty math refuses. `errorName` is the Solidity custom error the contracts revert
 * with for the same input (contracts/libraries/Errors.sol), and `args` its arguments, so that both sides can be
 * compared in tests and a caller can show the same message whether it asked the chain or the keeper.
 */
export class MathRuleError extends Error {
  override readonly name = "MathRuleError";
  readonly errorName: string;
  readonly args: readonly bigint[];

  constructor(errorName: string, args: readonly bigint[], message: string) {
    super(message);
    this.errorName = errorName;
    this.args = args;
  }
}

/** Throws a RangeError unless `value` is an integer that fits the Solidity type `uint<bits>`. */
export function assertUint(value: bigint | number, bits: number, label: string): void {
  const big = typeof value === "number" ? (Number.isSafeInteger(value) ? BigInt(value) : -1n) : value;
  if (big < 0n || big >= 1n << BigInt(bits)) {
    throw new RangeError(`${label} must be an integer from 0 to 2^${bits} - 1, got ${String(value)}`);
  }
}

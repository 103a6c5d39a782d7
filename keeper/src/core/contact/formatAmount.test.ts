import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { formatAmount } from "./formatAmount.ts";

describe("formatAmount", () => {
  it("shows base units exactly, grouped, trailing zeros trimmed to at least two decimals", () => {
    const table: [bigint, number, string][] = [
      [1_234_567_890n, 6, "1,234.56789"],
      [1_234_567_891n, 6, "1,234.567891"],
      [1_000_000n, 6, "1.00"],
      [1_500_000n, 6, "1.50"],
      [1_510_000n, 6, "1.51"],
      [0n, 6, "0.00"],
      [5n, 6, "0.000005"],
      [999n, 3, "0.999"],
      [100n, 0, "100"],
      [1_000n, 0, "1,000"],
      [12n, 1, "1.2"],
      [10n, 1, "1.0"],
      [123_456_789_012_345_678_901_234n, 18, "123,456.789012345678901234"],
      [10n ** 24n, 18, "1,000,000.00"],
      [91_666_667n, 6, "91.666667"],
    ];
    for (const [amount, decimals, expected] of table) {
      expect(formatAmount(amount, decimals), `${amount} / 10^${decimals}`).to.equal(expected);
    }
  });

  it("loses nothing: the string parses back to the same base units", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 128n }), fc.integer({ min: 0, max: 30 }), (amount, decimals) => {
        const [whole, fraction = ""] = formatAmount(amount, decimals).replaceAll(",", "").split(".");
        expect(BigInt(whole + fraction.padEnd(decimals, "0"))).to.equal(amount);
      }),
    );
  });

  it("refuses negative amounts and impossible decimals", () => {
    expect(() => formatAmount(-1n, 6)).to.throw(RangeError, /non-negative/);
    expect(() => formatAmount(1n, -1)).to.throw(RangeError, /Decimals -1/);
    expect(() => formatAmount(1n, 1.5)).to.throw(RangeError, /Decimals 1.5/);
    expect(() => formatAmount(1n, 78)).to.throw(RangeError, /Decimals 78/);
  });
});

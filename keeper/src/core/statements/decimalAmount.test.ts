import { describe, it } from "node:test";
import { expect } from "chai";
import { AmountError, toBaseUnits } from "./decimalAmount.ts";

describe("toBaseUnits", () => {
  it("converts decimals exactly, without floats", () => {
    const table: [string, number, string][] = [
      ["1234.56", 6, "1234560000"],
      ["0.000001", 6, "1"],
      ["0.1", 18, "100000000000000000"],
      ["1.10", 1, "11"],
      ["007.50", 2, "750"],
      ["100", 0, "100"],
      ["0.00", 6, "0"],
      ["340282366920938463463374607431768211455", 0, "340282366920938463463374607431768211455"],
      ["9007199254740993.000001", 6, "9007199254740993000001"],
    ];
    for (const [text, decimals, expected] of table) expect(toBaseUnits(text, decimals), text).to.equal(expected);
  });

  it("refuses a sign, a non-decimal text and more fraction digits than the token has", () => {
    const table: [string, number, RegExp][] = [
      ["-1.00", 6, /amount must be positive, got "-1.00"/],
      ["1.0000001", 6, /7 fraction digits, more than the token's 6 decimals/],
      ["1.5", 0, /1 fraction digits, more than the token's 0 decimals/],
      ["1e6", 6, /must be a decimal number/],
      ["12,50", 6, /must be a decimal number/],
      [".5", 6, /must be a decimal number/],
      ["", 6, /must be a decimal number/],
      ["+1", 6, /must be a decimal number/],
    ];
    for (const [text, decimals, message] of table) {
      expect(() => toBaseUnits(text, decimals), text)
        .to.throw(AmountError)
        .with.property("message")
        .that.matches(message);
    }
  });

  it("refuses a decimals count no token has", () => {
    expect(() => toBaseUnits("1", -1)).to.throw(RangeError);
    expect(() => toBaseUnits("1", 1.5)).to.throw(RangeError);
  });
});

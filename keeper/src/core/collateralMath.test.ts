import { describe, it } from "node:test";
import { expect } from "chai";
import { collateralVectors as vectors } from "../../../test/vectors/collateralVectors.ts";

import { crosses, exceeds, feedValue } from "./collateralMath.ts";
import { MathRuleError } from "./mathError.ts";

/** The error `call` throws, as the Solidity custom error it mirrors. */
function mathErrorOf(call: () => unknown): { name: string; args: string[] } {
  try {
    call();
  } catch (error) {
    if (error instanceof MathRuleError) return { name: error.errorName, args: error.args.map(String) };
    throw error;
  }
  throw new Error("expected a MathRuleError, but the call returned");
}

describe("collateralMath: shared vectors", () => {
  it("has at least 30 vectors, with rounding, overflow and decimal-limit cases", () => {
    expect(vectors.feedValue.length + vectors.thresholds.length).to.be.at.least(30);
    expect(vectors.feedValue.some((vector) => vector.error?.name === "Panic")).to.equal(true);
    expect(vectors.feedValue.some((vector) => vector.error?.name === "CollateralMath_TooManyDecimals")).to.equal(true);
  });

  for (const vector of vectors.feedValue) {
    it(`feedValue: ${vector.name}`, () => {
      const call = () =>
        feedValue(
          BigInt(vector.amount),
          BigInt(vector.answer),
          BigInt(vector.collateralDecimals),
          BigInt(vector.feedDecimals),
          BigInt(vector.loanDecimals),
        );
      if (vector.error) expect(mathErrorOf(call)).to.deep.equal(vector.error);
      else expect(call()).to.equal(BigInt(vector.value!));
    });
  }

  for (const vector of vectors.thresholds) {
    it(`thresholds: ${vector.name}`, () => {
      const [debt, value] = [BigInt(vector.debt), BigInt(vector.value)];
      expect(crosses(debt, value, vector.bps), "crosses").to.equal(vector.crosses);
      expect(exceeds(debt, value, vector.bps), "exceeds").to.equal(vector.exceeds);
    });
  }
});

describe("collateralMath: properties", () => {
  it("never counts more value than the exact rational one, and loses less than one base unit", () => {
    for (const amount of [1n, 7n, 999_999n, 10n ** 18n + 3n]) {
      for (const answer of [1n, 33_333_333n, 6_543_210_000_000n]) {
        const value = feedValue(amount, answer, 18, 8, 6);
        const exact = amount * answer * 10n ** 6n;
        expect(value * 10n ** 26n <= exact).to.equal(true);
        expect((value + 1n) * 10n ** 26n > exact).to.equal(true);
      }
    }
  });

  it("exceeds implies crosses; crosses is monotonic in the debt", () => {
    for (let debt = 0n; debt <= 20n; ++debt) {
      if (exceeds(debt, 10n, 15_000)) expect(crosses(debt, 10n, 15_000)).to.equal(true);
      if (crosses(debt, 10n, 15_000)) expect(crosses(debt + 1n, 10n, 15_000)).to.equal(true);
    }
    expect([crosses(14n, 10n, 15_000), crosses(15n, 10n, 15_000), exceeds(15n, 10n, 15_000)]).to.deep.equal([
      false,
      true,
      false,
    ]);
  });

  it("refuses inputs that do not fit a uint256", () => {
    expect(() => feedValue(-1n, 1n, 0, 0, 0)).to.throw(RangeError, /amount/);
    expect(() => feedValue(1n, 1n << 256n, 0, 0, 0)).to.throw(RangeError, /answer/);
    expect(() => crosses(1n, -1n, 1)).to.throw(RangeError, /value/);
  });
});

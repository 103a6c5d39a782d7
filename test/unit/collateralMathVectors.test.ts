/**
 * The shared collateral vectors (test/vectors/collateral.json): contracts/libraries/CollateralMath.sol (through
 * CollateralMathHarness) and its TypeScript mirror keeper/src/core/collateralMath.ts must both reproduce every one,
 * to the base unit, and refuse the same inputs with the same error.
 */
import { before, describe, it } from "node:test";
import { expect } from "chai";
import { collateralVectors as vectors } from "../vectors/collateralVectors.ts";
import { network } from "hardhat";
import { BaseError, ContractFunctionRevertedError } from "viem";

import { crosses, exceeds, feedValue } from "../../keeper/src/core/collateralMath.ts";
import { MathRuleError } from "../../keeper/src/core/mathError.ts";

/** The custom error or panic (name and arguments as decimal strings) the harness reverted with. */
async function solidityErrorOf(call: () => Promise<unknown>): Promise<{ name: string; args: string[] }> {
  try {
    await call();
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError);
      if (reverted instanceof ContractFunctionRevertedError && reverted.data?.errorName) {
        return { name: reverted.data.errorName, args: (reverted.data.args ?? []).map(String) };
      }
    }
    throw error;
  }
  throw new Error("expected a revert, but the call returned");
}

function typeScriptErrorOf(call: () => unknown): { name: string; args: string[] } {
  try {
    call();
  } catch (error) {
    if (error instanceof MathRuleError) return { name: error.errorName, args: error.args.map(String) };
    throw error;
  }
  throw new Error("expected a MathRuleError, but the call returned");
}

describe("shared collateral math vectors", () => {
  let harness: Awaited<ReturnType<typeof deployHarness>>;
  before(async () => {
    harness = await deployHarness();
  });

  it("has at least 30 vectors", () => {
    expect(vectors.feedValue.length + vectors.thresholds.length).to.be.at.least(30);
  });

  for (const vector of vectors.feedValue) {
    it(`feedValue: ${vector.name}`, async () => {
      const args = [
        BigInt(vector.amount),
        BigInt(vector.answer),
        BigInt(vector.collateralDecimals),
        BigInt(vector.feedDecimals),
        BigInt(vector.loanDecimals),
      ] as const;
      if (vector.error) {
        expect(
          typeScriptErrorOf(() => feedValue(...args)),
          "TypeScript",
        ).to.deep.equal(vector.error);
        expect(await solidityErrorOf(() => harness.read.feedValue([...args])), "Solidity").to.deep.equal(vector.error);
      } else {
        expect(feedValue(...args), "TypeScript").to.equal(BigInt(vector.value!));
        expect(await harness.read.feedValue([...args]), "Solidity").to.equal(BigInt(vector.value!));
      }
    });
  }

  for (const vector of vectors.thresholds) {
    it(`thresholds: ${vector.name}`, async () => {
      const args = [BigInt(vector.debt), BigInt(vector.value), BigInt(vector.bps)] as const;
      expect([crosses(...args), exceeds(...args)], "TypeScript").to.deep.equal([vector.crosses, vector.exceeds]);
      expect([await harness.read.crosses([...args]), await harness.read.exceeds([...args])], "Solidity").to.deep.equal([
        vector.crosses,
        vector.exceeds,
      ]);
    });
  }
});

async function deployHarness() {
  const { viem } = await network.create();
  return viem.deployContract("CollateralMathHarness");
}

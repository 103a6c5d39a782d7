/**
 * The shared test vectors (test/vectors/vectors.json, made by the independent exact-rational reference in
 * test/vectors/reference.py, with hand-checked and published figures named in each vector's "source"): the
 * Solidity library and the TypeScript mirror must both reproduce every one to the base unit.
 */
import { before, describe, it } from "node:test";
import { expect } from "chai";
import { network } from "hardhat";

import { schedule } from "../../keeper/src/core/scheduleMath.ts";
import { penaltyOf } from "../../keeper/src/core/penaltyMath.ts";
import { loadVectors, rowsOf, rowsOfSolidity, toSolidityTerms } from "../support/scheduleFixtures.ts";

const vectors = loadVectors();

describe("shared schedule and penalty vectors", () => {
  let harness: Awaited<ReturnType<typeof deployHarness>>;
  before(async () => {
    harness = await deployHarness();
  });

  it("has a vector for every schedule kind", () => {
    const kinds = new Set(vectors.schedules.map((vector) => vector.terms.kind));
    expect([...kinds].sort()).to.deep.equal(["annuity", "bullet", "custom", "equalPrincipal", "interestOnly"]);
  });

  for (const vector of vectors.schedules) {
    it(`schedule: ${vector.name}`, async () => {
      expect(rowsOf(schedule(vector.terms)), "TypeScript").to.deep.equal(vector.rows);
      const onChain = await harness.read.schedule([toSolidityTerms(vector.terms)]);
      expect(rowsOfSolidity(onChain), "Solidity").to.deep.equal(vector.rows);
    });
  }

  for (const vector of vectors.penalties) {
    it(`penalty: ${vector.name}`, async () => {
      expect(penaltyOf(vector.terms, vector.unpaid, vector.dueTime, vector.asOf), "TypeScript").to.equal(
        vector.penalty,
      );
      const onChain = await harness.read.penaltyOf([vector.terms, vector.unpaid, vector.dueTime, vector.asOf]);
      expect(onChain, "Solidity").to.equal(vector.penalty);
    });
  }

  it("matches the published figures quoted in the vectors", () => {
    const [textbook, mortgage] = vectors.schedules;
    // 100,000.00 at 1% a month over 12 months: 8,884.88 a month; first month 1,000.00 interest.
    expect(textbook.rows[0][1] + textbook.rows[0][2]).to.equal(888_488n);
    expect(textbook.rows[0][2]).to.equal(100_000n);
    // 200,000.00 at 6% over 30 years: 1,199.10 a month.
    expect(mortgage.rows[0][1] + mortgage.rows[0][2]).to.equal(119_910n);
  });
});

async function deployHarness() {
  const { viem } = await network.create();
  return viem.deployContract("ScheduleMathHarness");
}

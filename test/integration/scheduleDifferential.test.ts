/**
 * Differential test: on random terms, the Solidity library (compiled, called on the in-process EVM through
 * contracts/mocks/ScheduleMathHarness.sol) and the TypeScript mirror (keeper/src/core) give the same installment
 * table to the base unit, refuse the same invalid terms with the same error, and agree on any single installment.
 * fast-check picks a new seed every run and prints it with any counterexample (replay with { seed, path }).
 */
import { before, describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { network } from "hardhat";

import {
  FIXED_ONE,
  RATE_DENOMINATOR,
  annuityPayment,
  installmentAt,
  installmentCount,
  schedule,
  type ScheduleTerms,
} from "../../keeper/src/core/scheduleMath.ts";
import { MathRuleError } from "../../keeper/src/core/mathError.ts";
import { anyTerms, validTerms } from "../support/scheduleArbitraries.ts";
import { outcomeOf, rowsOf, rowsOfSolidity, toSolidityTerms } from "../support/scheduleFixtures.ts";

const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 500);

describe("ScheduleMath: Solidity and TypeScript agree", () => {
  let harness: Awaited<ReturnType<typeof deployHarness>>;
  before(async () => {
    harness = await deployHarness();
  });

  it(`gives the same table for ${RUNS} random valid terms`, async () => {
    await fc.assert(
      fc.asyncProperty(validTerms, async (terms) => {
        const expected = rowsOf(schedule(terms));
        const onChain = rowsOfSolidity(await harness.read.schedule([toSolidityTerms(terms)]));
        expect(onChain).to.deep.equal(expected);
      }),
      { numRuns: RUNS },
    );
  });

  it("refuses the same invalid terms with the same error, and agrees where both accept", async () => {
    await fc.assert(
      fc.asyncProperty(anyTerms, async (terms) => {
        const onChain = await outcomeOf(() => harness.read.schedule([toSolidityTerms(terms)]));
        const offChain = tsOutcome(terms);
        if ("errorName" in onChain) expect(offChain).to.deep.equal({ errorName: onChain.errorName });
        else expect(rowsOfSolidity(onChain.value)).to.deep.equal(offChain);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it("computes any single installment as the table does", async () => {
    const termsAndNumber = validTerms.chain((terms) =>
      fc.tuple(fc.constant(terms), fc.integer({ min: 1, max: installmentCount(terms) })),
    );
    await fc.assert(
      fc.asyncProperty(termsAndNumber, async ([terms, number]) => {
        const row = installmentAt(terms, number);
        expect(rowsOf([row])[0]).to.deep.equal(rowsOf(schedule(terms))[number - 1]);
        const onChain = await harness.read.installmentAt([toSolidityTerms(terms), BigInt(number)]);
        expect(rowsOfSolidity([onChain])[0]).to.deep.equal(rowsOf([row])[0]);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it("rounds the annuity payment of the exact rational value half up (one unit above only just below a half)", () => {
    const annuities = validTerms.filter((terms) => terms.kind === "annuity" && terms.rateBps > 0);
    fc.assert(
      fc.property(annuities, (terms) => {
        const payment = annuityPayment(terms.principal, terms.rateBps, terms.intervalSeconds, terms.count);
        // A* = num / den = P * N * (D + N)^n / (D * ((D + N)^n - D^n)) exactly, with r = N / D.
        const n = BigInt(terms.count);
        const periodRate = BigInt(terms.rateBps) * BigInt(terms.intervalSeconds);
        const grown = (RATE_DENOMINATOR + periodRate) ** n;
        const num = terms.principal * periodRate * grown;
        const den = RATE_DENOMINATOR * (grown - RATE_DENOMINATOR ** n);
        const exact = (2n * num + den) / (2n * den); // round-half-up(A*)
        if (payment === exact) return;
        // Allowed only one unit above, when A* lies less than 10^-8 of a unit below the half: (2A - 1) / 2 - A* < 1e-8.
        expect(payment, `A* = ${num}/${den}`).to.equal(exact + 1n);
        expect(((2n * payment - 1n) * den - 2n * num) * 10n ** 8n < 2n * den, `A* = ${num}/${den}`).to.equal(true);
      }),
      { numRuns: RUNS },
    );
    expect(FIXED_ONE).to.equal(1n << 192n);
  });
});

function tsOutcome(terms: ScheduleTerms) {
  try {
    return rowsOf(schedule(terms));
  } catch (error) {
    if (error instanceof MathRuleError) return { errorName: error.errorName };
    throw error;
  }
}

async function deployHarness() {
  const { viem } = await network.create();
  return viem.deployContract("ScheduleMathHarness");
}

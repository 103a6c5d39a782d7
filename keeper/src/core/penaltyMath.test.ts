import { describe, it } from "node:test";
import { expect } from "chai";

import { lateDays, penaltyOf, type PenaltyTerms } from "./penaltyMath.ts";

const DAY = 86_400;
const due = 1_000 * DAY;
// 18.25% a year is 0.05% a day: 500 units a day on 1,000,000.
const terms: PenaltyTerms = { graceSeconds: 3 * DAY, rateBps: 1825, flatFee: 2_000n, capBps: 1_000 };

describe("penaltyMath", () => {
  const cases: { name: string; asOf: number; unpaid?: bigint; penalty: bigint }[] = [
    { name: "before the due date", asOf: due - 1, penalty: 0n },
    { name: "on the due date", asOf: due, penalty: 0n },
    { name: "at the last second of grace", asOf: due + 3 * DAY, penalty: 0n },
    { name: "one second after grace: four started days and the fee", asOf: due + 3 * DAY + 1, penalty: 4_000n },
    { name: "ten days late", asOf: due + 10 * DAY, penalty: 7_000n },
    { name: "capped at 10% of the unpaid amount", asOf: due + 400 * DAY, penalty: 100_000n },
    { name: "nothing unpaid", asOf: due + 400 * DAY, unpaid: 0n, penalty: 0n },
  ];
  for (const { name, asOf, unpaid = 1_000_000n, penalty } of cases) {
    it(`${name}: ${penalty}`, () => {
      expect(penaltyOf(terms, unpaid, due, asOf)).to.equal(penalty);
    });
  }

  it("counts started days", () => {
    expect([
      lateDays(due, due),
      lateDays(due, due + 1),
      lateDays(due, due + DAY),
      lateDays(due, due + DAY + 1),
    ]).to.deep.equal([0n, 1n, 1n, 2n]);
  });

  it("never decreases with lateness", () => {
    let previous = 0n;
    for (let asOf = due; asOf <= due + 300 * DAY; asOf += 7_777) {
      const penalty = penaltyOf(terms, 1_000_000n, due, asOf);
      expect(penalty >= previous, `at ${asOf}`).to.equal(true);
      previous = penalty;
    }
  });

  it("refuses values that do not fit the Solidity types", () => {
    expect(() => penaltyOf(terms, 1n << 128n, due, due)).to.throw(RangeError, /unpaid/);
    expect(() => penaltyOf(terms, 1n, -1, due)).to.throw(RangeError, /dueTime/);
  });
});

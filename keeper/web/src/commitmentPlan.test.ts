import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";
import { DAY_SECONDS, nextCommitmentInstallment, planCommitment, type CommitmentPlan } from "./commitmentPlan.ts";

const POLICY = { maxInstallments: 6, maxSpanDays: 180, minFirstPaymentBps: 1_000 };
const NOW = 1_800_000_000n;

describe("planCommitment", () => {
  it("splits the debt evenly, the remainder first, one interval apart", () => {
    const plan = planCommitment({ total: 1_000_003n, installments: 3, intervalDays: 30, now: NOW, policy: POLICY });
    expect(plan).to.deep.equal({
      amounts: [333_335n, 333_334n, 333_334n],
      dueTimes: [NOW + 30n * DAY_SECONDS, NOW + 60n * DAY_SECONDS, NOW + 90n * DAY_SECONDS],
    });
  });

  it("raises the first installment to the policy's minimum share", () => {
    const policy = { ...POLICY, minFirstPaymentBps: 4_000 };
    const plan = planCommitment({ total: 1_000n, installments: 5, intervalDays: 30, now: NOW, policy });
    expect((plan as CommitmentPlan).amounts).to.deep.equal([400n, 150n, 150n, 150n, 150n]);
  });

  it("names what the policy would refuse", () => {
    const base = { total: 1_000n, installments: 3, intervalDays: 30, now: NOW, policy: POLICY };
    expect(planCommitment({ ...base, installments: 7 })).to.equal("tooManyInstallments");
    expect(planCommitment({ ...base, intervalDays: 61 })).to.equal("tooLong");
    expect(planCommitment({ ...base, total: 0n })).to.equal("noDebt");
    expect(planCommitment({ ...base, installments: 0 })).to.equal("badInput");
    expect(planCommitment({ ...base, intervalDays: 1.5 })).to.equal("badInput");
  });

  it("always sums to the debt, meets the policy's first share, and ends within its span", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 2n ** 128n }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 10_000 }),
        (total, installments, intervalDays, minFirstPaymentBps) => {
          const policy = { ...POLICY, minFirstPaymentBps };
          const plan = planCommitment({ total, installments, intervalDays, now: NOW, policy });
          // Refused only when nothing is left for the later installments: a tiny debt, or a first share of 100%.
          if (typeof plan === "string")
            return (
              plan === "tooManyInstallments" &&
              (minFirstPaymentBps === 10_000 || total < BigInt(installments) * 10_000n)
            );
          const sum = plan.amounts.reduce((a, b) => a + b, 0n);
          return (
            sum === total &&
            plan.amounts.every((amount) => amount > 0n) &&
            plan.amounts[0]! * 10_000n >= total * BigInt(minFirstPaymentBps) &&
            plan.dueTimes.at(-1)! <= NOW + BigInt(POLICY.maxSpanDays) * DAY_SECONDS
          );
        },
      ),
    );
  });
});

describe("nextCommitmentInstallment", () => {
  const plan = [
    { dueTime: 100n, cumulative: 400n },
    { dueTime: 200n, cumulative: 700n },
    { dueTime: 300n, cumulative: 1_000n },
  ];

  it("is the first installment not paid in full, and what is left of it", () => {
    expect(nextCommitmentInstallment(plan, 1_000n)).to.deep.equal({ number: 1, dueTime: 100n, amount: 400n });
    expect(nextCommitmentInstallment(plan, 850n)).to.deep.equal({ number: 1, dueTime: 100n, amount: 250n });
    expect(nextCommitmentInstallment(plan, 600n)).to.deep.equal({ number: 2, dueTime: 200n, amount: 300n });
    expect(nextCommitmentInstallment(plan, 300n)).to.deep.equal({ number: 3, dueTime: 300n, amount: 300n });
  });

  it("is null once the debt is paid, or without a plan", () => {
    expect(nextCommitmentInstallment(plan, 0n)).to.equal(null);
    expect(nextCommitmentInstallment([], 0n)).to.equal(null);
  });
});

/**
 * Bad input to the enforcement path's two money messages, each refused with its exact error and changing nothing:
 * a repayment commitment's plan (malformed, too long, the wrong total, a waiver over the penalty, outside the
 * template's policy on each of its three bounds) and a bank payment (its time, its amount, its reference). Every bound
 * is also shown from the accepted side, so that each refusal is the bound's.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { keccak256, slice, toHex, type Hex } from "viem";

import { DAY, Status, bookEventsOf } from "../support/loanBookFixture.ts";
import {
  NO_APPROVAL,
  commitmentPlan,
  evidence,
  now,
  signBankPayment,
  signCommitment,
  type Approval,
  type CommitmentParams,
} from "../support/enforcementFixture.ts";
import {
  L,
  REFS,
  as,
  expectAccepted,
  expectRefused,
  loadEnforcementBook,
  normalized,
  type EnforcementBook,
} from "../support/enforcementBook.ts";

const load = loadEnforcementBook;
const INVALID_PLAN = "LoanBook_InvalidCommitmentPlan";
const MISMATCH = "LoanBook_CommitmentTotalMismatch";
const OUTSIDE = "LoanBook_OutsideCommitmentPolicy";
const D = BigInt(DAY);
/** The fixture template's policy: up to 12 installments, over at most 365 days, a first payment of at least 5%. */
const POLICY = { maxInstallments: 12, maxSpanDays: 365n, minFirstPaymentBps: 500n };
const MAX_INSTALLMENTS = 120;
const selectorOf = (signature: string): Hex => slice(keccak256(toHex(signature)), 0, 4);

/** What the next transaction sees: it is sent at `t` (a few seconds on, in the same day of every penalty clock, so
 * the debt read now is the debt then), when loan `loanId` owes `debt`, `penalty` of it accrued penalty. */
interface Moment {
  t: bigint;
  debt: bigint;
  penalty: bigint;
}

async function moment(f: EnforcementBook, loanId: bigint = L.DEFAULTED): Promise<Moment> {
  const t = (await now(f)) + 10n;
  await f.connection.networkHelpers.time.setNextBlockTimestamp(t);
  const debt = await f.book.read.payoffAmount([loanId]);
  const rows = await f.book.read.installmentBreakdown([loanId]);
  return { t, debt, penalty: rows.reduce((sum, row) => sum + row.penalty, 0n) };
}

/** `count` installments every `intervalDays` from `start`, `total` split evenly (the first takes the remainder). */
const evenPlan = (loanId: bigint, total: bigint, start: bigint, count: number, intervalDays = 30) =>
  commitmentPlan(loanId, total, start, count, intervalDays);

const ownApproval = (f: EnforcementBook): Approval => ({ ...NO_APPROVAL, signer: f.borrower.account.address });

/** The borrower's own policy commitment. */
const submit = (f: EnforcementBook, plan: CommitmentParams) =>
  f.book.write.submitCommitment([plan, ownApproval(f)], as(f.borrower));

/** The claim holder's own acceptance of the borrower's signed commitment, waiving `waived`. */
async function accept(f: EnforcementBook, plan: CommitmentParams, waived = 0n) {
  const { approval } = await signCommitment(f, plan);
  return f.book.write.acceptCommitment([plan, approval, NO_APPROVAL, waived], as(f.lender));
}

interface PlanCase {
  name: string;
  loanId?: bigint;
  plan: (m: Moment) => CommitmentParams;
  /** How it is sent: for the policy (submitCommitment) or to the claim holder (acceptCommitment, with a waiver). */
  via: "submit" | "accept";
  waived?: (m: Moment) => bigint;
  error: string;
  args: (m: Moment, plan: CommitmentParams) => unknown[];
}

const L1 = L.DEFAULTED;
const total = (plan: CommitmentParams) => plan.amounts.reduce((sum, a) => sum + a, 0n);
const none = () => [];

const PLAN_CASES: PlanCase[] = [
  {
    name: "an empty plan",
    via: "accept",
    plan: () => ({ loanId: L1, dueTimes: [], amounts: [] }),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "more due times than amounts",
    via: "submit",
    plan: (m) => {
      const plan = evenPlan(L1, m.debt, m.t, 6);
      return { ...plan, amounts: plan.amounts.slice(0, 5) };
    },
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "more amounts than due times",
    via: "submit",
    plan: (m) => {
      const plan = evenPlan(L1, m.debt, m.t, 6);
      return { ...plan, dueTimes: plan.dueTimes.slice(0, 5) };
    },
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "two installments due at the same time",
    via: "submit",
    plan: (m) => {
      const plan = evenPlan(L1, m.debt, m.t, 6);
      return { ...plan, dueTimes: plan.dueTimes.map((t, i) => (i === 3 ? plan.dueTimes[2] : t)) };
    },
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "due times decreasing",
    via: "submit",
    plan: (m) => {
      const plan = evenPlan(L1, m.debt, m.t, 6);
      return { ...plan, dueTimes: [...plan.dueTimes].reverse() };
    },
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "the first installment due in the very block (not in the future)",
    via: "submit",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t, m.t + 30n * D], amounts: [m.debt / 2n, m.debt - m.debt / 2n] }),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "the first installment due in the past",
    via: "accept",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t - 1n, m.t + 30n * D], amounts: [m.debt / 2n, m.debt - m.debt / 2n] }),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "a due time past uint40",
    via: "accept",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t + D, 2n ** 40n], amounts: [m.debt / 2n, m.debt - m.debt / 2n] }),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "a zero amount (the total still the debt)",
    via: "submit",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t + D, m.t + 2n * D], amounts: [m.debt, 0n] }),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "an amount of 2^128",
    via: "accept",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t + D, m.t + 2n * D], amounts: [m.debt, 2n ** 128n] }),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "an amount of 2^128 - 1 is well-formed (then the total is wrong)",
    via: "accept",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t + D, m.t + 2n * D], amounts: [m.debt, 2n ** 128n - 1n] }),
    error: MISMATCH,
    args: (m, plan) => [L1, total(plan), m.debt, 0n],
  },
  {
    name: `${MAX_INSTALLMENTS + 1} installments (even for the claim holder)`,
    via: "accept",
    plan: (m) => evenPlan(L1, m.debt, m.t, MAX_INSTALLMENTS + 1, 1),
    error: INVALID_PLAN,
    args: none,
  },
  {
    name: "a total one unit under the debt",
    via: "submit",
    plan: (m) => evenPlan(L1, m.debt - 1n, m.t, 6),
    error: MISMATCH,
    args: (m, plan) => [L1, total(plan), m.debt, 0n],
  },
  {
    name: "a total one unit over the debt",
    via: "submit",
    plan: (m) => evenPlan(L1, m.debt + 1n, m.t, 6),
    error: MISMATCH,
    args: (m, plan) => [L1, total(plan), m.debt, 0n],
  },
  {
    name: "a total one unit under the debt, for the claim holder without a waiver",
    via: "accept",
    plan: (m) => evenPlan(L1, m.debt - 1n, m.t, 6),
    error: MISMATCH,
    args: (m, plan) => [L1, total(plan), m.debt, 0n],
  },
  {
    name: "the whole debt with a waiver (total + waiver over the debt)",
    via: "accept",
    plan: (m) => evenPlan(L1, m.debt, m.t, 6),
    waived: () => 1n,
    error: MISMATCH,
    args: (m, plan) => [L1, total(plan), m.debt, 1n],
  },
  {
    name: "a waiver one unit over the accrued penalty",
    via: "accept",
    plan: (m) => evenPlan(L1, m.debt - m.penalty - 1n, m.t, 6),
    waived: (m) => m.penalty + 1n,
    error: "LoanBook_WaiverExceedsPenalty",
    args: (m) => [L1, m.penalty + 1n, m.penalty],
  },
  {
    name: "a waiver of a restructured debt, which accrues no penalty (after a breach)",
    loanId: L.COMMITTED,
    via: "accept",
    plan: (m) => evenPlan(L.COMMITTED, m.debt - 1n, m.t, 6),
    waived: () => 1n,
    error: "LoanBook_WaiverExceedsPenalty",
    args: () => [L.COMMITTED, 1n, 0n],
  },
  {
    name: `policy: ${POLICY.maxInstallments + 1} installments`,
    via: "submit",
    plan: (m) => evenPlan(L1, m.debt, m.t, POLICY.maxInstallments + 1, 28),
    error: OUTSIDE,
    args: () => [L1],
  },
  {
    name: "policy: the last installment one second past 365 days",
    via: "submit",
    plan: (m) => {
      const plan = evenPlan(L1, m.debt, m.t, 6);
      return { ...plan, dueTimes: [...plan.dueTimes.slice(0, 5), m.t + POLICY.maxSpanDays * D + 1n] };
    },
    error: OUTSIDE,
    args: () => [L1],
  },
  {
    name: "policy: a first payment one unit under 5% of the total",
    via: "submit",
    plan: (m) => firstPaymentPlan(m, -1n),
    error: OUTSIDE,
    args: () => [L1],
  },
  {
    name: "policy: a restructured debt, after its first commitment's breach (the claim holder decides)",
    loanId: L.COMMITTED,
    via: "submit",
    plan: (m) => evenPlan(L.COMMITTED, m.debt, m.t, 6),
    error: OUTSIDE,
    args: () => [L.COMMITTED],
  },
  {
    name: "policy: a template without a commitment policy (maxInstallments 0)",
    loanId: L.UNNOTARIZED,
    via: "submit",
    plan: (m) => ({ loanId: L.UNNOTARIZED, dueTimes: [m.t + D], amounts: [m.debt] }),
    error: OUTSIDE,
    args: () => [L.UNNOTARIZED],
  },
];

/** A 6-installment plan of the debt whose first payment is the policy's minimum (ceil(5% of the debt)) + `delta`. */
function firstPaymentPlan(m: Moment, delta: bigint): CommitmentParams {
  const minimum = (m.debt * POLICY.minFirstPaymentBps + 9_999n) / 10_000n + delta;
  const rest = m.debt - minimum;
  const part = rest / 5n;
  const amounts = [minimum, rest - 4n * part, part, part, part, part];
  return { loanId: L1, dueTimes: evenPlan(L1, m.debt, m.t, 6).dueTimes, amounts };
}

const send = (f: EnforcementBook, via: PlanCase["via"], plan: CommitmentParams, waived = 0n) =>
  via === "submit" ? submit(f, plan) : accept(f, plan, waived);

describe("Enforcement inputs: a commitment's plan", () => {
  for (const c of PLAN_CASES) {
    it(`${c.name} (${c.via === "submit" ? "submitCommitment" : "acceptCommitment"}): ${c.error}`, async () => {
      const f = await load();
      if (c.loanId === L.COMMITTED) await f.book.write.breachCommitment([L.COMMITTED], as(f.stranger));
      const m = await moment(f, c.loanId);
      const plan = c.plan(m);
      await expectRefused(f, () => send(f, c.via, plan, c.waived?.(m)), c.error, c.args(m, plan));
    });
  }
});

/** The accepted side of each bound: the plan is at the bound, and goes through. */
const BOUNDS: {
  name: string;
  loanId?: bigint;
  plan: (m: Moment) => CommitmentParams;
  via: PlanCase["via"];
  waived?: (m: Moment) => bigint;
}[] = [
  {
    name: "the first installment due one second after the block",
    via: "submit",
    plan: (m) => ({ loanId: L1, dueTimes: [m.t + 1n, m.t + 30n * D], amounts: [m.debt / 2n, m.debt - m.debt / 2n] }),
  },
  {
    name: `${MAX_INSTALLMENTS} installments, for the claim holder`,
    via: "accept",
    plan: (m) => evenPlan(L1, m.debt, m.t, MAX_INSTALLMENTS, 1),
  },
  {
    name: `policy: ${POLICY.maxInstallments} installments`,
    via: "submit",
    plan: (m) => evenPlan(L1, m.debt, m.t, POLICY.maxInstallments, 30),
  },
  {
    name: "policy: the last installment exactly 365 days on",
    via: "submit",
    plan: (m) => {
      const plan = evenPlan(L1, m.debt, m.t, 6);
      return { ...plan, dueTimes: [...plan.dueTimes.slice(0, 5), m.t + POLICY.maxSpanDays * D] };
    },
  },
  { name: "policy: a first payment of exactly 5% (rounded up)", via: "submit", plan: (m) => firstPaymentPlan(m, 0n) },
  {
    name: "a waiver of the whole accrued penalty",
    via: "accept",
    plan: (m) => evenPlan(L1, m.debt - m.penalty, m.t, 6),
    waived: (m) => m.penalty,
  },
  {
    name: "a restructured debt after a breach: the claim holder accepts a new commitment",
    loanId: L.COMMITTED,
    via: "accept",
    plan: (m) => evenPlan(L.COMMITTED, m.debt, m.t, 6),
  },
  {
    name: "a template without a commitment policy: the claim holder accepts",
    loanId: L.UNNOTARIZED,
    via: "accept",
    plan: (m) => ({ loanId: L.UNNOTARIZED, dueTimes: [m.t + D], amounts: [m.debt] }),
  },
];

describe("Enforcement inputs: a commitment at each bound is accepted", () => {
  for (const c of BOUNDS) {
    it(c.name, async () => {
      const f = await load();
      if (c.loanId === L.COMMITTED) await f.book.write.breachCommitment([L.COMMITTED], as(f.stranger));
      const m = await moment(f, c.loanId);
      const plan = c.plan(m);
      const waived = c.waived?.(m) ?? 0n;
      if (waived !== 0n) expect(waived > 0n).to.equal(true);
      const hash = await expectAccepted(() => send(f, c.via, plan, waived));
      expect(await f.book.read.statusOf([plan.loanId])).to.equal(Status.Committed);
      const commitment = await f.book.read.commitmentOf([plan.loanId]);
      expect(commitment.map((e) => BigInt(e.dueTime))).to.deep.equal(plan.dueTimes);
      expect(commitment.at(-1)?.cumulative).to.equal(m.debt - waived);
      const events = await bookEventsOf(f, hash);
      const waivedEvent = events.find((e) => e.eventName === "PenaltyWaived");
      expect(waivedEvent?.args.amount ?? 0n).to.equal(waived);
    });
  }
});

/*//////////////////////////////////////////////////////////////
                          BANK PAYMENTS
//////////////////////////////////////////////////////////////*/

/** The lender's bank signer's attestation of `amount` paid to loan `loanId` at `paidAt`. */
const attest = (f: EnforcementBook, loanId: bigint, amount: bigint, paidAt: bigint, reference: Hex = REFS.a) =>
  signBankPayment(f, f.bankSigner, { loanId, amount, bankReferenceHash: reference, paidAt });

const record = (f: EnforcementBook, payment: Awaited<ReturnType<typeof attest>>) =>
  f.book.write.recordBankPayment([payment], as(f.stranger));

describe("Enforcement inputs: a bank payment", () => {
  it("paid one second in the future: LoanBook_InvalidPaymentTime; paid in the very block: credited", async () => {
    const f = await load();
    const t = (await now(f)) + 10n;
    await f.connection.networkHelpers.time.setNextBlockTimestamp(t);
    const future = await attest(f, L.ACTIVE, 1_000_000n, t + 1n);
    await expectRefused(f, () => record(f, future), "LoanBook_InvalidPaymentTime", [t + 1n]);
    await f.connection.networkHelpers.time.setNextBlockTimestamp(t);
    await expectAccepted(async () => record(f, await attest(f, L.ACTIVE, 1_000_000n, t)));
  });

  it("paid one second before the loan started: LoanBook_InvalidPaymentTime; at its start: credited", async () => {
    const f = await load();
    const start = BigInt((await f.book.read.loanOf([L.ACTIVE])).startTime);
    await expectRefused(
      f,
      async () => record(f, await attest(f, L.ACTIVE, 1_000_000n, start - 1n)),
      "LoanBook_InvalidPaymentTime",
      [start - 1n],
    );
    await expectRefused(
      f,
      async () => record(f, await attest(f, L.ACTIVE, 1_000_000n, 0n)),
      "LoanBook_InvalidPaymentTime",
      [0n],
    );
    await expectAccepted(async () => record(f, await attest(f, L.ACTIVE, 1_000_000n, start)));
  });

  for (const [name, loanId] of [
    ["an active loan", L.ACTIVE],
    ["a loan in default", L.DEFAULTED],
  ] as const) {
    it(`${name}: one unit over the payoff as of paidAt is LoanBook_Overpayment(payoff); the payoff repays it`, async () => {
      const f = await load();
      const paidAt = await now(f);
      const payoff = await f.book.read.payoffAmount([loanId]);
      await expectRefused(
        f,
        async () => record(f, await attest(f, loanId, payoff + 1n, paidAt)),
        "LoanBook_Overpayment",
        [loanId, payoff + 1n, payoff],
      );
      const hash = await expectAccepted(async () => record(f, await attest(f, loanId, payoff, paidAt)));
      expect((await bookEventsOf(f, hash)).map((e) => e.eventName)).to.include("LoanRepaid");
      expect(await f.book.read.statusOf([loanId])).to.be.oneOf([Status.Repaid, Status.Settled]);
    });
  }

  it("a restructured debt: one unit over what is left is LoanBook_Overpayment(balance)", async () => {
    const f = await load();
    const balance = (await f.book.read.loanOf([L.COMMITTED])).balance;
    await expectRefused(
      f,
      async () => record(f, await attest(f, L.COMMITTED, balance + 1n, await now(f))),
      "LoanBook_Overpayment",
      [L.COMMITTED, balance + 1n, balance],
    );
    await expectAccepted(async () => record(f, await attest(f, L.COMMITTED, balance, await now(f))));
    expect(await f.book.read.statusOf([L.COMMITTED])).to.equal(Status.Settled);
  });

  it("a zero amount: LoanBook_ZeroAmount", async () => {
    const f = await load();
    await expectRefused(
      f,
      async () => record(f, await attest(f, L.ACTIVE, 0n, await now(f))),
      "LoanBook_ZeroAmount",
      [],
    );
  });

  it("a zero bank reference: LoanBook_ZeroHash", async () => {
    const f = await load();
    const zero = "0x0000000000000000000000000000000000000000000000000000000000000000";
    await expectRefused(
      f,
      async () => record(f, await attest(f, L.ACTIVE, 1_000_000n, await now(f), zero)),
      "LoanBook_ZeroHash",
      [],
    );
  });

  it("a written-off loan: LoanBook_LoanRepaid (nothing is owed any more)", async () => {
    const f = await load();
    await f.book.write.writeOff([L.ENFORCEMENT, evidence("uncollectible")], as(f.lender));
    await expectRefused(
      f,
      async () => record(f, await attest(f, L.ENFORCEMENT, 1_000_000n, await now(f))),
      "LoanBook_LoanRepaid",
      [L.ENFORCEMENT],
    );
  });

  it("in a batch, each bad payment is skipped with its error's selector and the good one is credited", async () => {
    const f = await load();
    const t = await now(f);
    const payments = [
      await attest(f, L.ACTIVE, 0n, t, REFS.a),
      await attest(f, L.ACTIVE, 1_000_000n, t + 3_600n, REFS.b),
      await attest(f, L.ACTIVE, 1_000_000n, t, REFS.c),
    ];
    const hash = await expectAccepted(() => f.book.write.recordBankPayments([payments], as(f.stranger)));
    const skipped = (await bookEventsOf(f, hash)).filter((e) => e.eventName === "ActionSkipped");
    expect(skipped.map((e) => normalized(Object.values(e.args)).at(-1))).to.deep.equal([
      selectorOf("LoanBook_ZeroAmount()"),
      selectorOf("LoanBook_InvalidPaymentTime(uint256)"),
    ]);
    expect(await f.book.read.bankReferenceLoan([REFS.a])).to.equal(0n);
    expect(await f.book.read.bankReferenceLoan([REFS.b])).to.equal(0n);
    expect(await f.book.read.bankReferenceLoan([REFS.c])).to.equal(L.ACTIVE);
  });
});

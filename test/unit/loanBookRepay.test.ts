import { describe, it } from "node:test";
import { expect } from "chai";
import { getAddress, parseSignature, type Address } from "viem";

import { penaltyOf } from "../../keeper/src/core/penaltyMath.ts";
import {
  annuityPayment,
  nextInstallment,
  schedule,
  type Installment,
  type ScheduleTerms,
} from "../../keeper/src/core/scheduleMath.ts";
import {
  DAY,
  PRINCIPAL,
  PrepaymentRule,
  Status,
  loadLoanBook,
  documentHash,
  kind,
  originateLoan,
  penaltyTermsOf,
  publishTemplate,
  repayAt,
  revertOf,
  scheduleTermsOf,
  startTimeOf,
  templateParams,
  type CustomPlan,
  type LoanBookFixture,
  type TemplateParams,
} from "../support/loanBookFixture.ts";
import { permitTypes } from "../../keeper/src/core/typedData.ts";

type Wallet = LoanBookFixture["borrower"];

const INTERVAL = 30 * DAY;
const MAX_PRINCIPAL = 2n ** 96n - 1n;

const setup = loadLoanBook;

/** A loan of `principal` from a new template with `overrides`, and what the mirror says it owes. */
async function loanFrom(
  fixture: LoanBookFixture,
  overrides: Partial<TemplateParams> = {},
  principal: bigint = PRINCIPAL,
  plan: CustomPlan = { dueOffsets: [], principals: [] },
) {
  const templateId = await publishTemplate(fixture, overrides, plan);
  const params = templateParams(fixture.token.address, overrides);
  const loanId = await originateLoan(fixture, { templateId, principal, document: documentHash(`${templateId}`) });
  const start = await startTimeOf(fixture, loanId);
  const terms = scheduleTermsOf(params, principal, plan);
  return { loanId, start, params, terms, table: schedule(terms), penaltyTerms: penaltyTermsOf(params) };
}

/** A loan from the fixture's default template (12 x 30 days annuity at 12%, 3-day grace, ShortenTerm). */
async function defaultLoan(fixture: LoanBookFixture) {
  const params = templateParams(fixture.token.address);
  const loanId = await originateLoan(fixture);
  const start = await startTimeOf(fixture, loanId);
  const terms = scheduleTermsOf(params, PRINCIPAL);
  return { loanId, start, params, terms, table: schedule(terms), penaltyTerms: penaltyTermsOf(params) };
}

async function balanceOf(fixture: LoanBookFixture, account: Address) {
  return fixture.token.read.balanceOf([account]);
}

/** RepaymentMade's arguments for `payer` paying the given parts. */
function repayment(
  loanId: bigint,
  payer: Wallet,
  parts: { penalty?: bigint; interest?: bigint; principal?: bigint; prepaid?: bigint },
) {
  return {
    loanId,
    payer: getAddress(payer.account.address),
    penaltyPaid: parts.penalty ?? 0n,
    interestPaid: parts.interest ?? 0n,
    principalPaid: (parts.principal ?? 0n) + (parts.prepaid ?? 0n),
    prepaid: parts.prepaid ?? 0n,
  };
}

/** `currentInstallment` as the contract reports installment `row` due at `dueTime`. */
function installmentView(row: Installment, dueTime: number, penalty = 0n, paid = 0n) {
  return {
    number: BigInt(row.number),
    dueTime: BigInt(dueTime),
    principal: row.principal,
    interest: row.interest,
    penalty,
    paid,
  };
}

async function setNext(fixture: LoanBookFixture, timestamp: number) {
  await fixture.connection.networkHelpers.time.setNextBlockTimestamp(timestamp);
}

const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);

interface KindCase {
  name: string;
  overrides: Partial<TemplateParams>;
  principal: bigint;
  plan?: CustomPlan;
}

const CUSTOM_PLAN: CustomPlan = {
  dueOffsets: [15 * DAY, 45 * DAY, 120 * DAY],
  principals: [250_000_000n, 350_000_000n, 400_000_000n],
};

const KIND_CASES: KindCase[] = [
  { name: "annuity, 6 x 30 days at 12%", overrides: { kind: kind("annuity"), count: 6 }, principal: PRINCIPAL },
  {
    name: "annuity at 0%, 7 installments (the share rounds half up, the last takes the rest)",
    overrides: { kind: kind("annuity"), count: 7, rateBps: 0 },
    principal: PRINCIPAL,
  },
  {
    name: "equal principal, 6 x 30 days at 15%, principal not divisible by 6",
    overrides: { kind: kind("equalPrincipal"), count: 6, rateBps: 1500 },
    principal: PRINCIPAL + 5n,
  },
  {
    name: "interest only, 4 x 30 days",
    overrides: { kind: kind("interestOnly"), count: 4 },
    principal: PRINCIPAL,
  },
  {
    name: "bullet, 3 x 90 days",
    overrides: { kind: kind("bullet"), count: 3, intervalSeconds: 90 * DAY },
    principal: PRINCIPAL,
  },
  {
    name: "custom plan: 15, 45 and 120 days",
    overrides: {
      kind: kind("custom"),
      count: 3,
      intervalSeconds: 0,
      minPrincipal: PRINCIPAL,
      maxPrincipal: PRINCIPAL,
    },
    principal: PRINCIPAL,
    plan: CUSTOM_PLAN,
  },
];

describe("LoanBook.repay", () => {
  describe("each schedule kind paid on time to the end takes exactly the mirror's installments", () => {
    for (const kindCase of KIND_CASES) {
      it(kindCase.name, async () => {
        const fixture = await setup();
        const { book, lender, borrower } = fixture;
        const { loanId, start, table } = await loanFrom(fixture, kindCase.overrides, kindCase.principal, kindCase.plan);
        const lenderBefore = await balanceOf(fixture, lender.account.address);
        const borrowerBefore = await balanceOf(fixture, borrower.account.address);
        let lastEvents: string[] = [];
        for (const [index, row] of table.entries()) {
          const dueTime = start + row.dueOffset;
          expect(await book.read.currentInstallment([loanId])).to.deep.equal(installmentView(row, dueTime));
          // Alternate paying exactly at the due time and an hour before it: neither costs a penalty.
          const paidAt = index % 2 === 0 ? dueTime : dueTime - 3_600;
          const { repayment: paid, events } = await repayAt(fixture, loanId, row.total, paidAt);
          expect(paid).to.deep.equal(repayment(loanId, borrower, { interest: row.interest, principal: row.principal }));
          lastEvents = events.map((event) => event.eventName);
        }
        expect(lastEvents).to.include("LoanRepaid");
        expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
        const total = sum(table.map((row) => row.total));
        expect(sum(table.map((row) => row.principal))).to.equal(kindCase.principal);
        expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderBefore + total);
        expect(await balanceOf(fixture, borrower.account.address)).to.equal(borrowerBefore - total);
        expect(await balanceOf(fixture, fixture.book.address)).to.equal(0n);
      });
    }
  });

  describe("allocation", () => {
    it("partial late payments go to the penalty, then interest, then principal (checkpointed penalty)", async () => {
      const fixture = await setup();
      const { book, borrower } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [row] = table;
      const dueTime = start + row.dueOffset;
      const t = dueTime + 5 * DAY + 100; // 6 started days late, past the 3-day grace
      const penalty = penaltyOf(penaltyTerms, row.total, dueTime, t);
      expect(penalty > 1n).to.equal(true);

      // 1. Less than the penalty: all of it is penalty; the unpaid unit of penalty stays accrued.
      let paid = (await repayAt(fixture, loanId, penalty - 1n, t)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty: penalty - 1n }));
      expect((await book.read.loanOf([loanId])).penaltyAccrued).to.equal(1n);
      expect(await book.read.currentInstallment([loanId])).to.deep.equal(installmentView(row, dueTime, 1n, 0n));

      // 2. The penalty's last unit, then all but 10 units of interest.
      paid = (await repayAt(fixture, loanId, 1n + row.interest - 10n, t + 1)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty: 1n, interest: row.interest - 10n }));

      // 3. The same started day: no new penalty; the last 10 units of interest, then 5 of principal.
      paid = (await repayAt(fixture, loanId, 15n, t + 2)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { interest: 10n, principal: 5n }));
      const unpaid = row.principal - 5n;
      expect(await book.read.currentInstallment([loanId])).to.deep.equal(
        installmentView(row, dueTime, 0n, row.interest + 5n),
      );

      // 4. Two days later: the stretch since the last payment accrues on what stayed unpaid during it.
      const t4 = t + 2 * DAY;
      const stretch = penaltyOf(penaltyTerms, unpaid, dueTime, t4) - penaltyOf(penaltyTerms, unpaid, dueTime, t + 2);
      expect(stretch > 0n).to.equal(true);
      await setNext(fixture, t4);
      expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(unpaid + stretch);
      paid = (await repayAt(fixture, loanId, unpaid + stretch, t4)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty: stretch, principal: unpaid }));
      const loan = await book.read.loanOf([loanId]);
      expect([loan.paidInstallments, loan.paidOnCurrent, loan.penaltyAccrued, loan.balance]).to.deep.equal([
        1,
        0n,
        0n,
        row.balanceAfter,
      ]);
    });

    it("pays two installments at once: the late one with its penalty, then the one due now", async () => {
      const fixture = await setup();
      const { book, borrower, lender } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [first, second] = table;
      const t = start + second.dueOffset; // the first is 30 days late, the second due this second
      const penalty = penaltyOf(penaltyTerms, first.total, start + first.dueOffset, t);
      const amount = first.total + penalty + second.total;
      await setNext(fixture, t);
      expect(await book.read.amountDue([loanId], { blockTag: "pending" })).to.equal(amount);
      expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Late);
      const lenderBefore = await balanceOf(fixture, lender.account.address);
      const { repayment: paid } = await repayAt(fixture, loanId, amount, t);
      expect(paid).to.deep.equal(
        repayment(loanId, borrower, {
          penalty,
          interest: first.interest + second.interest,
          principal: first.principal + second.principal,
        }),
      );
      expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderBefore + amount);
      expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(2);
      expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
      expect(await book.read.amountDue([loanId])).to.equal(0n);
    });
  });

  describe("prepayment", () => {
    const PREPAYMENT_CASES = [
      { name: "annuity, ShortenTerm: same installment, fewer of them", kind: "annuity", rule: "ShortenTerm" },
      {
        name: "annuity, LowerInstallments: same count, the annuity of the remaining balance",
        kind: "annuity",
        rule: "LowerInstallments",
      },
      { name: "equal principal, ShortenTerm: same principal part, fewer", kind: "equalPrincipal", rule: "ShortenTerm" },
      {
        name: "equal principal, LowerInstallments: the remaining balance over the same count",
        kind: "equalPrincipal",
        rule: "LowerInstallments",
      },
    ] as const;
    const COUNT = 6;
    const PREPAID = 450_000_000n;

    for (const prepayment of PREPAYMENT_CASES) {
      it(prepayment.name, async () => {
        const fixture = await setup();
        const { book, borrower } = fixture;
        const { loanId, start, terms, table } = await loanFrom(fixture, {
          kind: kind(prepayment.kind),
          count: COUNT,
          prepaymentRule: PrepaymentRule[prepayment.rule],
        });
        const payment = prepayment.kind === "annuity" ? annuityPayment(PRINCIPAL, 1200, INTERVAL, COUNT) : 0n;
        const [first, second] = table;

        // At the first due date: installment 1 (due), installment 2 (the one not yet due), then the prepayment.
        const t = start + first.dueOffset;
        const { repayment: paid } = await repayAt(fixture, loanId, first.total + second.total + PREPAID, t);
        expect(paid).to.deep.equal(
          repayment(loanId, borrower, {
            interest: first.interest + second.interest,
            principal: first.principal + second.principal,
            prepaid: PREPAID,
          }),
        );
        const balance = second.balanceAfter - PREPAID;
        const loan = await book.read.loanOf([loanId]);
        expect([loan.paidInstallments, loan.balance]).to.deep.equal([2, balance]);

        // What the mirror says is left, on the original due-date grid.
        let rest: Installment[];
        if (prepayment.rule === "ShortenTerm") {
          rest = [];
          let owed = balance;
          for (let number = 3; number <= COUNT && owed > 0n; number++) {
            const row = nextInstallment(terms, payment, number, owed);
            rest.push(row);
            owed = row.balanceAfter;
          }
          expect(rest.length).to.be.lessThan(COUNT - 2);
          for (const row of rest.slice(0, -1)) {
            if (prepayment.kind === "annuity") expect(row.total).to.equal(payment);
            else expect(row.principal).to.equal(PRINCIPAL / BigInt(COUNT));
          }
        } else {
          const lowered: ScheduleTerms = { ...terms, principal: balance, count: COUNT - 2 };
          rest = schedule(lowered).map((row) => ({
            ...row,
            number: row.number + 2,
            dueOffset: row.dueOffset + 2 * INTERVAL,
          }));
          expect(rest.length).to.equal(COUNT - 2);
          for (const row of rest.slice(0, -1)) {
            if (prepayment.kind === "annuity") {
              const lower = annuityPayment(balance, 1200, INTERVAL, COUNT - 2);
              expect(row.total).to.equal(lower);
              expect(lower < payment).to.equal(true);
            } else {
              expect(row.principal).to.equal(balance / BigInt(COUNT - 2));
            }
          }
        }

        for (const row of rest) {
          const dueTime = start + row.dueOffset;
          expect(await book.read.currentInstallment([loanId])).to.deep.equal(installmentView(row, dueTime));
          const { repayment: installment } = await repayAt(fixture, loanId, row.total, dueTime);
          expect(installment).to.deep.equal(
            repayment(loanId, borrower, { interest: row.interest, principal: row.principal }),
          );
        }
        expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
        expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(2 + rest.length);
      });
    }
  });

  describe("payoff", () => {
    it("repays the loan at once: the current installment plus the principal after it", async () => {
      const fixture = await setup();
      const { book, borrower, lender } = fixture;
      const { loanId, start, table } = await defaultLoan(fixture);
      const [first, second] = table;
      await repayAt(fixture, loanId, first.total, start + first.dueOffset);
      const t = start + first.dueOffset + 10 * DAY;
      const payoff = second.total + second.balanceAfter;
      await setNext(fixture, t);
      expect(await book.read.payoffAmount([loanId], { blockTag: "pending" })).to.equal(payoff);
      const lenderBefore = await balanceOf(fixture, lender.account.address);
      const { repayment: paid, events } = await repayAt(fixture, loanId, payoff, t);
      expect(paid).to.deep.equal(
        repayment(loanId, borrower, {
          interest: second.interest,
          principal: second.principal,
          prepaid: second.balanceAfter,
        }),
      );
      expect(events.map((event) => event.eventName)).to.include("LoanRepaid");
      expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderBefore + payoff);
      expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
      expect((await book.read.loanOf([loanId])).balance).to.equal(0n);
      expect([await book.read.amountDue([loanId]), await book.read.payoffAmount([loanId])]).to.deep.equal([0n, 0n]);
    });

    it("refuses one unit above the payoff with LoanBook_Overpayment naming the payoff, and changes nothing", async () => {
      const fixture = await setup();
      const { book, borrower, lender, publicClient } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [first, second] = table;
      const t = start + first.dueOffset + 5 * DAY; // late past grace: the payoff includes a penalty
      const payoff =
        first.total +
        penaltyOf(penaltyTerms, first.total, start + first.dueOffset, t) +
        second.total +
        second.balanceAfter;
      await setNext(fixture, t);
      expect(await book.read.payoffAmount([loanId], { blockTag: "pending" })).to.equal(payoff);

      const loanBefore = await book.read.loanOf([loanId]);
      const balancesBefore = [
        await balanceOf(fixture, borrower.account.address),
        await balanceOf(fixture, lender.account.address),
      ];
      const blockBefore = await publicClient.getBlockNumber();
      expect(await revertOf(() => repayAt(fixture, loanId, payoff + 1n, t))).to.deep.equal({
        errorName: "LoanBook_Overpayment",
        args: [loanId, payoff + 1n, payoff],
      });
      expect(await publicClient.getBlockNumber()).to.equal(blockBefore);
      expect(await book.read.loanOf([loanId])).to.deep.equal(loanBefore);
      expect([
        await balanceOf(fixture, borrower.account.address),
        await balanceOf(fixture, lender.account.address),
      ]).to.deep.equal(balancesBefore);

      await repayAt(fixture, loanId, payoff, t);
      expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
    });

    it("refuses a zero amount, an unknown loan and a repaid loan", async () => {
      const fixture = await setup();
      const { book, borrower } = fixture;
      const { loanId } = await defaultLoan(fixture);
      const repay = (id: bigint, amount: bigint) => () => book.write.repay([id, amount], { account: borrower.account });
      expect(await revertOf(repay(loanId, 0n))).to.deep.equal({ errorName: "LoanBook_ZeroAmount", args: [] });
      expect(await revertOf(repay(99n, 1n))).to.deep.equal({ errorName: "LoanBook_UnknownLoan", args: [99n] });
      await book.write.repay([loanId, await book.read.payoffAmount([loanId])], { account: borrower.account });
      expect(await revertOf(repay(loanId, 1n))).to.deep.equal({ errorName: "LoanBook_LoanRepaid", args: [loanId] });
    });
  });

  describe("repayWithPermit", () => {
    /** A payer with tokens and no allowance, and an EIP-2612 permit of `value` to the loan book it signed. */
    async function permitPayer(fixture: LoanBookFixture, value: bigint) {
      const { token, book } = fixture;
      const payer = (await fixture.viem.getWalletClients())[6];
      await token.write.mint([payer.account.address, 10n * value]);
      const [, name, version] = await token.read.eip712Domain();
      expect([name, version]).to.deep.equal(["Test USD", "1"]);
      const deadline = BigInt((await fixture.publicClient.getBlock()).timestamp) + 3_600n;
      const nonce = await token.read.nonces([payer.account.address]);
      const signature = await payer.signTypedData({
        account: payer.account,
        domain: { name, version, chainId: fixture.chainId, verifyingContract: token.address },
        types: permitTypes,
        primaryType: "Permit",
        message: { owner: payer.account.address, spender: book.address, value, nonce, deadline },
      });
      const { r, s, v, yParity } = parseSignature(signature);
      return { payer, deadline, r, s, v: Number(v ?? BigInt(yParity + 27)) };
    }

    it("repays with a permit signed by the payer instead of an approval", async () => {
      const fixture = await setup();
      const { book, token, lender } = fixture;
      const { loanId, table } = await defaultLoan(fixture);
      const amount = table[0].total;
      const { payer, deadline, v, r, s } = await permitPayer(fixture, amount);
      expect(await token.read.allowance([payer.account.address, book.address])).to.equal(0n);
      const lenderBefore = await balanceOf(fixture, lender.account.address);
      await fixture.viem.assertions.emitWithArgs(
        book.write.repayWithPermit([loanId, amount, deadline, v, r, s], { account: payer.account }),
        book,
        "RepaymentMade",
        [loanId, getAddress(payer.account.address), 0n, table[0].interest, table[0].principal, 0n],
      );
      expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderBefore + amount);
      expect(await token.read.allowance([payer.account.address, book.address])).to.equal(0n);
      expect(await token.read.nonces([payer.account.address])).to.equal(1n);
    });

    it("still repays when someone front-ran the permit (already used)", async () => {
      const fixture = await setup();
      const { book, token, stranger } = fixture;
      const { loanId, table } = await defaultLoan(fixture);
      const amount = table[0].total;
      const { payer, deadline, v, r, s } = await permitPayer(fixture, amount);
      await token.write.permit([payer.account.address, book.address, amount, deadline, v, r, s], {
        account: stranger.account,
      });
      expect(await token.read.allowance([payer.account.address, book.address])).to.equal(amount);
      await book.write.repayWithPermit([loanId, amount, deadline, v, r, s], { account: payer.account });
      expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(1);
      expect(await token.read.allowance([payer.account.address, book.address])).to.equal(0n);
    });

    it("fails on the transfer when the permit is invalid and no allowance exists", async () => {
      const fixture = await setup();
      const { book, token } = fixture;
      const { loanId, table } = await defaultLoan(fixture);
      const amount = table[0].total;
      const { payer, deadline, v, r, s } = await permitPayer(fixture, amount);
      // A permit for another amount does not verify: the ignored failure leaves no allowance.
      await fixture.viem.assertions.revertWithCustomError(
        book.write.repayWithPermit([loanId, amount + 1n, deadline, v, r, s], { account: payer.account }),
        token,
        "ERC20InsufficientAllowance",
      );
      expect(
        await revertOf(() => book.write.repayWithPermit([99n, amount, deadline, v, r, s], { account: payer.account })),
      ).to.deep.equal({ errorName: "LoanBook_UnknownLoan", args: [99n] });
    });
  });

  describe("views", () => {
    it("amountDue, payoffAmount and currentInstallment are what a repayment then takes", async () => {
      const fixture = await setup();
      const { book, borrower, lender } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [first, second] = table;
      const firstDue = start + first.dueOffset;
      const t = firstDue + 5 * DAY + 7 * 3_600;
      const penalty = penaltyOf(penaltyTerms, first.total, firstDue, t);
      await setNext(fixture, t);
      const pending = { blockTag: "pending" } as const;
      expect(await book.read.currentInstallment([loanId], pending)).to.deep.equal(
        installmentView(first, firstDue, penalty),
      );
      const dueNow = await book.read.amountDue([loanId], pending);
      expect(dueNow).to.equal(first.total + penalty);
      expect(await book.read.payoffAmount([loanId], pending)).to.equal(dueNow + second.total + second.balanceAfter);

      const lenderBefore = await balanceOf(fixture, lender.account.address);
      const { repayment: paid } = await repayAt(fixture, loanId, dueNow, t);
      expect(paid).to.deep.equal(
        repayment(loanId, borrower, { penalty, interest: first.interest, principal: first.principal }),
      );
      expect(await balanceOf(fixture, lender.account.address)).to.equal(lenderBefore + dueNow);
      expect(await book.read.amountDue([loanId])).to.equal(0n);
      expect(await book.read.currentInstallment([loanId])).to.deep.equal(
        installmentView(second, start + second.dueOffset),
      );
      expect(await book.read.payoffAmount([loanId])).to.equal(second.total + second.balanceAfter);
    });

    it("installmentBreakdown lists every installment due and the next one, adding up to amountDue and payoff", async () => {
      const fixture = await setup();
      const { book } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [first, second, third] = table;
      // Two installments overdue (the second one day past its due date), the third not yet due.
      const t = start + second.dueOffset + DAY;
      await setNext(fixture, t);
      const pending = { blockTag: "pending" } as const;
      const penalties = [first, second].map((row) => penaltyOf(penaltyTerms, row.total, start + row.dueOffset, t));
      expect(await book.read.installmentBreakdown([loanId], pending)).to.deep.equal([
        installmentView(first, start + first.dueOffset, penalties[0]),
        installmentView(second, start + second.dueOffset, penalties[1]),
        installmentView(third, start + third.dueOffset),
      ]);
      const dueNow = first.total + second.total + penalties[0] + penalties[1];
      expect(await book.read.amountDue([loanId], pending)).to.equal(dueNow);
      expect(await book.read.payoffAmount([loanId], pending)).to.equal(dueNow + third.total + third.balanceAfter);
      await book.write.repay([loanId, await book.read.payoffAmount([loanId], pending)], {
        account: fixture.borrower.account,
      });
      expect(await book.read.installmentBreakdown([loanId])).to.deep.equal([]);
    });
  });

  describe("penalty with partial late payments", () => {
    it("accrues each stretch on the amount unpaid during it and never above the cap", async () => {
      const fixture = await setup();
      const { book, borrower } = fixture;
      const { loanId, start, table, penaltyTerms } = await loanFrom(fixture, {
        graceSeconds: 2 * DAY,
        penaltyRateBps: 3650,
        penaltyCapBps: 300,
        flatFee: 500_000n,
      });
      const [row] = table;
      const dueTime = start + row.dueOffset;
      const penalty = (unpaid: bigint, at: number) => penaltyOf(penaltyTerms, unpaid, dueTime, at);
      const cap = (unpaid: bigint) => (unpaid * BigInt(penaltyTerms.capBps)) / 10_000n;

      const u0 = row.total;
      const t1 = dueTime + 9 * DAY + 1; // 10 started days
      const p1 = penalty(u0, t1);
      let paid = (await repayAt(fixture, loanId, p1 + 40_000_000n, t1)).repayment;
      expect(paid).to.deep.equal(
        repayment(loanId, borrower, { penalty: p1, interest: row.interest, principal: 40_000_000n - row.interest }),
      );

      const u1 = u0 - 40_000_000n;
      const t2 = dueTime + 20 * DAY + 1; // 21 started days
      const p2 = penalty(u1, t2) - penalty(u1, t1);
      await setNext(fixture, t2);
      expect((await book.read.currentInstallment([loanId], { blockTag: "pending" })).penalty).to.equal(p2);
      paid = (await repayAt(fixture, loanId, p2 + 30_000_000n, t2)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty: p2, principal: 30_000_000n }));

      const u2 = u1 - 30_000_000n;
      const t3 = dueTime + 60 * DAY; // 60 days: the cap binds on what is left
      expect(penalty(u2, t3)).to.equal(cap(u2));
      const p3 = penalty(u2, t3) - penalty(u2, t2);
      paid = (await repayAt(fixture, loanId, p3 + u2, t3)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty: p3, principal: u2 }));
      expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(1);

      const total = p1 + p2 + p3;
      expect(total <= cap(u0), `penalty ${total} above the cap ${cap(u0)}`).to.equal(true);
      // The checkpoints matter: the whole lateness priced on the last unpaid amount would be less.
      expect(total > penalty(u2, t3)).to.equal(true);
    });

    it("a partial payment within grace sets no checkpoint: the later penalty runs from the due date on what is left", async () => {
      // Pins the current rule: no penalty is owed inside grace, so no checkpoint is written, and the checkpoint formula
      // would give the same (accrued = penaltyOf(U0, due, t1) = 0). The grace days are then priced on the smaller
      // amount left, in the borrower's favour.
      const fixture = await setup();
      const { book, borrower } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [row] = table;
      const dueTime = start + row.dueOffset;
      const t1 = dueTime + 2 * DAY; // inside the 3-day grace
      let paid = (await repayAt(fixture, loanId, 80_000_000n, t1)).repayment;
      expect(paid).to.deep.equal(
        repayment(loanId, borrower, { interest: row.interest, principal: 80_000_000n - row.interest }),
      );
      const loan = await book.read.loanOf([loanId]);
      expect([loan.penaltyAccrued, loan.penaltyCheckpoint]).to.deep.equal([0n, 0]);

      const left = row.total - 80_000_000n;
      const t2 = dueTime + 10 * DAY;
      const penalty = penaltyOf(penaltyTerms, left, dueTime, t2);
      paid = (await repayAt(fixture, loanId, left + penalty, t2)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty, principal: left }));
    });

    it("never exceeds the cap of the installment even after a one-unit partial payment (rounding edge)", async () => {
      // The default template: 18.25% a year, 10% cap, 1.00 flat fee. Installment 1 owes 88,771,907, whose cap is
      // floor(8,877,190.7) = 8,877,190. Paying the penalty and one unit 32 started days late, then the rest 200 days
      // late, the bare piecewise rule gives penalty(U, t1) + cap(U - 1) - penalty(U - 1, t1): the two half-up
      // interests differ by one unit while both caps floor to 8,877,190, one unit above the cap. The headroom kept
      // at the first late payment holds the total at the cap.
      const fixture = await setup();
      const { book, borrower } = fixture;
      const { loanId, start, table, penaltyTerms } = await defaultLoan(fixture);
      const [row] = table;
      const dueTime = start + row.dueOffset;
      const penalty = (unpaid: bigint, at: number) => penaltyOf(penaltyTerms, unpaid, dueTime, at);
      const u0 = row.total;
      const capOfInstallment = (u0 * BigInt(penaltyTerms.capBps)) / 10_000n;

      const t1 = dueTime + 32 * DAY - 100;
      const p1 = penalty(u0, t1);
      let paid = (await repayAt(fixture, loanId, p1 + 1n, t1)).repayment;
      expect(paid).to.deep.equal(repayment(loanId, borrower, { penalty: p1, interest: 1n }));

      const u1 = u0 - 1n;
      const t2 = dueTime + 200 * DAY;
      // The piecewise stretch, held within the headroom left under the cap of the amount first paid late.
      const stretch = penalty(u1, t2) - penalty(u1, t1);
      const p2 = stretch < capOfInstallment - p1 ? stretch : capOfInstallment - p1;
      expect(p2, "the headroom binds in this case").to.equal(stretch - 1n);
      paid = (await repayAt(fixture, loanId, p2 + u1, t2)).repayment;
      expect(paid.penaltyPaid, "the contract follows its piecewise rule within the cap").to.equal(p2);
      expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(1);

      const total = p1 + paid.penaltyPaid;
      expect(
        total <= capOfInstallment,
        `penalty ${total} charged on installment 1, above its cap ${capOfInstallment}`,
      ).to.equal(true);
    });
  });

  describe("amount bounds", () => {
    it("refuses at publish a template whose largest loan could overflow the packed amounts (above 2^96 - 1)", async () => {
      const fixture = await setup();
      const { book, token, lender } = fixture;
      const params = templateParams(token.address, { maxPrincipal: MAX_PRINCIPAL + 1n });
      expect(
        await revertOf(() => book.write.publishTemplate([params, [], []], { account: lender.account })),
      ).to.deep.equal({
        errorName: "LoanBook_InvalidPrincipalBounds",
        args: [params.minPrincipal, MAX_PRINCIPAL + 1n],
      });
    });

    it("repays the largest loan a template allows: 2^96 - 1 at 100% a year for 360 years, as one bullet", async () => {
      const fixture = await setup();
      const { book, token, lender, borrower } = fixture;
      const overrides = {
        kind: kind("bullet"),
        rateBps: 10_000,
        count: 360,
        intervalSeconds: 365 * DAY,
        minPrincipal: 1n,
        maxPrincipal: MAX_PRINCIPAL,
      };
      await token.write.mint([lender.account.address, MAX_PRINCIPAL]);
      await token.write.mint([borrower.account.address, 361n * MAX_PRINCIPAL]);
      const { loanId, start, table } = await loanFrom(fixture, overrides, MAX_PRINCIPAL);
      expect(table).to.have.length(1);
      expect(table[0].total).to.equal(361n * MAX_PRINCIPAL);
      const t = start + 100 * DAY;
      await setNext(fixture, t);
      expect(await book.read.payoffAmount([loanId], { blockTag: "pending" })).to.equal(table[0].total);
      const { repayment: paid } = await repayAt(fixture, loanId, table[0].total, t);
      expect(paid).to.deep.equal(
        repayment(loanId, borrower, { interest: table[0].interest, principal: MAX_PRINCIPAL }),
      );
      expect(await book.read.statusOf([loanId])).to.equal(Status.Repaid);
    });
  });
});

import { describe, it } from "node:test";
import { expect } from "chai";
import { encodeAbiParameters, getAddress, keccak256, type Hex } from "viem";

import {
  DAY,
  Status,
  bookEventsOf,
  loadLoanBook,
  documentHash,
  kind,
  originateLoan,
  publishTemplate,
  repayAt,
  revertOf,
  startTimeOf,
  type LoanBookFixture,
  type TemplateParams,
} from "../support/loanBookFixture.ts";

const INTERVAL = 30 * DAY;

const setup = loadLoanBook;

/** `LoanDefaulted.evidenceHash`: keccak256(abi.encode(loanId, oldest unpaid, its due time, missed, now)). */
function evidenceHash(loanId: bigint, oldest: bigint, oldestDue: bigint, missed: bigint, now: bigint): Hex {
  const words = [loanId, oldest, oldestDue, missed, now];
  return keccak256(
    encodeAbiParameters(
      words.map(() => ({ type: "uint256" })),
      words,
    ),
  );
}

/** Installments of a regular schedule starting at `start` that are past due (due strictly before `now`). */
function pastDue(start: number, count: number, now: number): number {
  let missed = 0;
  for (let number = 1; number <= count && start + number * INTERVAL < now; number++) missed++;
  return missed;
}

/** Sends `declareDefault(loanId)` from the stranger in a block at exactly `timestamp`. */
async function declareAt(fixture: LoanBookFixture, loanId: bigint, timestamp: number | bigint) {
  await fixture.connection.networkHelpers.time.setNextBlockTimestamp(timestamp);
  return fixture.book.write.declareDefault([loanId], { account: fixture.stranger.account });
}

interface TriggerCase {
  name: string;
  trigger: Partial<TemplateParams>;
  /** When the trigger holds for a loan started at `start` that never pays. */
  eligibleAt: (start: number) => number;
}

const due = (start: number, number: number) => start + number * INTERVAL;

const TRIGGERS: TriggerCase[] = [
  {
    name: "days past due only: 10 days after the first due date",
    trigger: { defaultDaysPastDue: 10, defaultMissedInstallments: 0 },
    eligibleAt: (start) => due(start, 1) + 10 * DAY,
  },
  {
    name: "missed installments only: the second after the 2nd installment's due time",
    trigger: { defaultDaysPastDue: 0, defaultMissedInstallments: 2 },
    eligibleAt: (start) => due(start, 2) + 1,
  },
  {
    name: "both, days past due earlier: 30 days vs 3 missed",
    trigger: { defaultDaysPastDue: 30, defaultMissedInstallments: 3 },
    eligibleAt: (start) => Math.min(due(start, 1) + 30 * DAY, due(start, 3) + 1),
  },
  {
    name: "both, missed installments earlier: 45 days vs 2 missed",
    trigger: { defaultDaysPastDue: 45, defaultMissedInstallments: 2 },
    eligibleAt: (start) => Math.min(due(start, 1) + 45 * DAY, due(start, 2) + 1),
  },
];

describe("LoanBook.declareDefault", () => {
  describe("refuses before the trigger with the exact eligibleAt, succeeds at it", () => {
    for (const trigger of TRIGGERS) {
      it(trigger.name, async () => {
        const fixture = await setup();
        const { book, stranger } = fixture;
        const templateId = await publishTemplate(fixture, trigger.trigger);
        const loanId = await originateLoan(fixture, { templateId });
        const start = await startTimeOf(fixture, loanId);
        const eligibleAt = trigger.eligibleAt(start);
        expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(eligibleAt));

        await fixture.connection.networkHelpers.time.setNextBlockTimestamp(eligibleAt - 1);
        expect(await book.read.statusOf([loanId], { blockTag: "pending" })).to.equal(Status.Late);
        expect(await revertOf(() => declareAt(fixture, loanId, eligibleAt - 1))).to.deep.equal({
          errorName: "LoanBook_DefaultNotYetTriggered",
          args: [loanId, BigInt(eligibleAt)],
        });
        expect(await book.read.statusOf([loanId])).to.not.equal(Status.Defaulted);

        const hash = await declareAt(fixture, loanId, eligibleAt);
        const missed = BigInt(pastDue(start, 12, eligibleAt));
        const defaulted = (await bookEventsOf(fixture, hash)).filter((event) => event.eventName === "LoanDefaulted");
        expect(defaulted.map((event) => event.args)).to.deep.equal([
          {
            loanId,
            actor: getAddress(stranger.account.address),
            evidenceHash: evidenceHash(loanId, 1n, BigInt(due(start, 1)), missed, BigInt(eligibleAt)),
            oldestUnpaidInstallment: 1n,
            missedInstallments: missed,
          },
        ]);
        expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
        expect(await book.read.defaultEligibleAt([loanId])).to.equal(0n);
      });
    }
  });

  it("names the oldest unpaid installment and every installment past due in LoanDefaulted", async () => {
    const fixture = await setup();
    const { book } = fixture;
    const loanId = await originateLoan(fixture);
    const start = await startTimeOf(fixture, loanId);
    const first = await book.read.currentInstallment([loanId]);
    await repayAt(fixture, loanId, first.principal + first.interest, due(start, 1));
    // Installments 2, 3 and 4 unpaid: default template triggers at 30 days past due or 3 missed; declare late.
    const now = due(start, 4) + 5 * DAY;
    const hash = await declareAt(fixture, loanId, now);
    const [event] = (await bookEventsOf(fixture, hash)).filter((log) => log.eventName === "LoanDefaulted");
    expect(event?.args).to.deep.equal({
      loanId,
      actor: getAddress(fixture.stranger.account.address),
      evidenceHash: evidenceHash(loanId, 2n, BigInt(due(start, 2)), 3n, BigInt(now)),
      oldestUnpaidInstallment: 2n,
      missedInstallments: 3n,
    });
  });

  it("refuses a loan already in default (AlreadyDefaulted), a repaid one (LoanRepaid) and an unknown one", async () => {
    const fixture = await setup();
    const { book, borrower } = fixture;
    const defaultedId = await originateLoan(fixture);
    const repaidId = await originateLoan(fixture, { document: documentHash("2") });
    await book.write.repay([repaidId, await book.read.payoffAmount([repaidId])], { account: borrower.account });
    expect(await book.read.statusOf([repaidId])).to.equal(Status.Repaid);

    await declareAt(fixture, defaultedId, await book.read.defaultEligibleAt([defaultedId]));
    const later = (await latest(fixture)) + 1;
    expect(await revertOf(() => declareAt(fixture, defaultedId, later))).to.deep.equal({
      errorName: "LoanBook_AlreadyDefaulted",
      args: [defaultedId],
    });
    expect(await revertOf(() => book.write.declareDefault([repaidId]))).to.deep.equal({
      errorName: "LoanBook_LoanRepaid",
      args: [repaidId],
    });
    expect(await book.read.defaultEligibleAt([repaidId])).to.equal(0n);
    expect(await revertOf(() => book.write.declareDefault([99n]))).to.deep.equal({
      errorName: "LoanBook_UnknownLoan",
      args: [99n],
    });
  });

  it("a payment that catches up before the trigger pushes eligibleAt forward; a partial one does not", async () => {
    const fixture = await setup();
    const { book } = fixture;
    const loanId = await originateLoan(fixture);
    const start = await startTimeOf(fixture, loanId);
    const firstEligibleAt = due(start, 1) + 30 * DAY;
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(firstEligibleAt));

    const partialAt = due(start, 1) + 10 * DAY;
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(partialAt);
    const dueNow = await book.read.amountDue([loanId], { blockTag: "pending" });
    await repayAt(fixture, loanId, dueNow / 2n, partialAt);
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(firstEligibleAt));

    const catchUpAt = partialAt + DAY;
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(catchUpAt);
    const rest = await book.read.amountDue([loanId], { blockTag: "pending" });
    await repayAt(fixture, loanId, rest, catchUpAt);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    const nextEligibleAt = due(start, 2) + 30 * DAY;
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(nextEligibleAt));

    expect(await revertOf(() => declareAt(fixture, loanId, firstEligibleAt))).to.deep.equal({
      errorName: "LoanBook_DefaultNotYetTriggered",
      args: [loanId, BigInt(nextEligibleAt)],
    });
    await declareAt(fixture, loanId, nextEligibleAt);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
  });

  it("a missed-installments trigger larger than the installments left holds once all of them are missed", async () => {
    // DefaultRules.eligibleAt: with fewer installments left than the trigger counts, missing all of them is enough,
    // so a loan near its end (or a bullet, which has one) can still be declared in default.
    const fixture = await setup();
    const { book } = fixture;
    const templateId = await publishTemplate(fixture, {
      kind: kind("bullet"),
      count: 3,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    });
    const loanId = await originateLoan(fixture, { templateId });
    const start = await startTimeOf(fixture, loanId);
    const eligibleAt = BigInt(start + 3 * INTERVAL + 1);
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(eligibleAt);
    expect(await revertOf(() => declareAt(fixture, loanId, start + 3 * INTERVAL))).to.deep.equal({
      errorName: "LoanBook_DefaultNotYetTriggered",
      args: [loanId, eligibleAt],
    });
    await declareAt(fixture, loanId, Number(eligibleAt));
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
  });
});

describe("LoanBook: installments that owe nothing", () => {
  it("a 0% interest-only loan is neither late nor in default on its empty installments", async () => {
    // Installments 1-5 owe 0 (no interest, no principal): they are paid by definition at origination.
    const fixture = await setup();
    const { book } = fixture;
    const templateId = await publishTemplate(fixture, {
      kind: kind("interestOnly"),
      rateBps: 0,
      count: 6,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    });
    const loanId = await originateLoan(fixture, { templateId });
    const start = await startTimeOf(fixture, loanId);
    expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(5);
    await fixture.connection.networkHelpers.time.increaseTo(start + 5 * INTERVAL + DAY);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Active);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(BigInt(start + 6 * INTERVAL + 1));
    await fixture.connection.networkHelpers.time.increaseTo(start + 6 * INTERVAL + 1);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Late);
  });
});

describe("LoanBook.declareDefaults", () => {
  it("declares only the eligible loans of a mixed batch, skips the others with eligibleAt, returns the count", async () => {
    const fixture = await setup();
    const { book, borrower, stranger } = fixture;
    const eligibleId = await originateLoan(fixture);
    const eligibleStart = await startTimeOf(fixture, eligibleId);
    await fixture.connection.networkHelpers.time.increase(20 * DAY);
    const laterId = await originateLoan(fixture, { document: documentHash("later") });
    const laterStart = await startTimeOf(fixture, laterId);
    const repaidId = await originateLoan(fixture, { document: documentHash("repaid") });
    await book.write.repay([repaidId, await book.read.payoffAmount([repaidId])], { account: borrower.account });
    const unknownId = 99n;

    const now = due(eligibleStart, 1) + 30 * DAY;
    const laterEligibleAt = BigInt(due(laterStart, 1) + 30 * DAY);
    expect(laterEligibleAt > BigInt(now)).to.equal(true);
    // The eligible loan twice: the second time it is already in default and skipped.
    const batch = [eligibleId, laterId, repaidId, unknownId, eligibleId];
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(now);
    const { result } = await book.simulate.declareDefaults([batch], {
      account: stranger.account.address,
      blockTag: "pending",
    });
    expect(result).to.equal(1n);

    const hash = await book.write.declareDefaults([batch], { account: stranger.account });
    const events = await bookEventsOf(fixture, hash);
    expect(events.map((event) => [event.eventName, event.args])).to.deep.equal([
      [
        "LoanDefaulted",
        {
          loanId: eligibleId,
          actor: getAddress(stranger.account.address),
          evidenceHash: evidenceHash(eligibleId, 1n, BigInt(due(eligibleStart, 1)), 1n, BigInt(now)),
          oldestUnpaidInstallment: 1n,
          missedInstallments: 1n,
        },
      ],
      ["DefaultSkipped", { loanId: laterId, eligibleAt: laterEligibleAt }],
      ["DefaultSkipped", { loanId: repaidId, eligibleAt: 0n }],
      ["DefaultSkipped", { loanId: unknownId, eligibleAt: 0n }],
      ["DefaultSkipped", { loanId: eligibleId, eligibleAt: 0n }],
    ]);
    expect(await book.read.statusOf([eligibleId])).to.equal(Status.Defaulted);
    expect(await book.read.statusOf([laterId])).to.equal(Status.Late);
    expect(await book.read.statusOf([repaidId])).to.equal(Status.Repaid);
    expect(await book.read.statusOf([unknownId])).to.equal(Status.None);
  });
});

describe("Defaulted is terminal but for full repayment", () => {
  it("stays Defaulted after catching up and paying ahead; only the payoff settles it", async () => {
    const fixture = await setup();
    const { book, borrower, stranger } = fixture;
    const loanId = await originateLoan(fixture);
    const start = await startTimeOf(fixture, loanId);
    const eligibleAt = due(start, 1) + 30 * DAY;
    await declareAt(fixture, loanId, eligibleAt);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);

    // Pay every installment due and the next one ahead: nothing is owed now, the loan stays in default.
    const catchUpAt = eligibleAt + DAY;
    await fixture.connection.networkHelpers.time.setNextBlockTimestamp(catchUpAt);
    const dueNow = await book.read.amountDue([loanId], { blockTag: "pending" });
    await repayAt(fixture, loanId, dueNow, catchUpAt);
    const next = await book.read.currentInstallment([loanId]);
    await repayAt(fixture, loanId, next.principal + next.interest, catchUpAt + 1);
    expect(await book.read.amountDue([loanId])).to.equal(0n);
    expect((await book.read.loanOf([loanId])).paidInstallments).to.equal(3);
    expect(await book.read.statusOf([loanId])).to.equal(Status.Defaulted);
    expect(await book.read.defaultEligibleAt([loanId])).to.equal(0n);
    expect(await revertOf(() => book.write.declareDefault([loanId], { account: stranger.account }))).to.deep.equal({
      errorName: "LoanBook_AlreadyDefaulted",
      args: [loanId],
    });
    const { result } = await book.simulate.declareDefaults([[loanId]], { account: stranger.account.address });
    expect(result).to.equal(0n);

    const payoff = await book.read.payoffAmount([loanId]);
    await book.write.repay([loanId, payoff], { account: borrower.account });
    expect(await book.read.statusOf([loanId])).to.equal(Status.Settled);
  });
});

async function latest(fixture: LoanBookFixture): Promise<number> {
  return Number((await fixture.publicClient.getBlock()).timestamp);
}

import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";

import {
  DAY,
  DEBT_COLLECTION_LETTER_DAYS,
  FLAG_ANNULLED,
  FLAG_AUTO_DEBIT,
  FLAG_COMMITTED,
  FLAG_DEFAULTED,
  FLAG_FIXED_DEBT,
  FLAG_PENALTY_CHECKPOINT,
  FLAG_REPAID,
  FLAG_WRITTEN_OFF,
  LoanStatus,
  decide,
  defaultTriggerAt,
  dueTimeOf,
  nextWakeUp,
  statusAt,
  type Action,
  type BankRecord,
  type CommitmentFacts,
  type KeeperPolicy,
  type LoanView,
  type ScheduleFacts,
} from "./decisions.ts";

const HOUR = 3_600n;
// Day-aligned start at 10:00 UTC: every due time of the base loan is at 10:00 UTC.
const START = 19_000n * DAY + 10n * HOUR;
const INTERVAL = 30n * DAY;
const due = (n: number): bigint => START + BigInt(n) * INTERVAL;
/** UTC midnight of installment n's due date. */
const dueDay = (n: number): bigint => due(n) - 10n * HOUR;

const run: KeeperPolicy = { paused: false };
const paused: KeeperPolicy = { paused: true };

const base: LoanView = {
  loanId: 7n,
  startTime: START,
  flags: 0,
  paidInstallments: 0,
  balance: 1_000_000n,
  schedule: { kind: "annuity", intervalSeconds: INTERVAL, count: 12, dueOffsets: [] },
  defaultDaysPastDue: 30,
  defaultMissedInstallments: 3,
  objectionWindowSeconds: 14n * DAY,
  certified: false,
  objectionDeadline: 0n,
  annulledAt: 0n,
  defaultedAt: 0n,
  commitment: null,
  funds: null,
  bankRecords: [],
  lateMarkedThrough: 0,
  contact: {
    utcOffsetSeconds: 0n,
    remindedThrough: { remindBeforeDue: 0, remindDueToday: 0, remindLate1: 0, remindLate7: 0 },
    defaultNoticeSentFor: null,
  },
};

/** Every reminder and late mark already done: only the chain's actions and notices show. */
const quiet: Partial<LoanView> = {
  lateMarkedThrough: 99,
  contact: {
    utcOffsetSeconds: 0n,
    remindedThrough: { remindBeforeDue: 99, remindDueToday: 99, remindLate1: 99, remindLate7: 99 },
    defaultNoticeSentFor: null,
  },
};

const view = (...overrides: Partial<LoanView>[]): LoanView => Object.assign({}, base, ...overrides) as LoanView;
const keys = (actions: readonly Action[]): string[] => actions.map((action) => action.key);

// A commitment of three installments, 100 each, after a certified default; 150 paid.
const C = [START + 200n * DAY, START + 230n * DAY, START + 260n * DAY];
const commitment: CommitmentFacts = {
  id: "0xc0",
  dueTimes: C,
  cumulative: [100n, 200n, 300n],
  total: 300n,
  graceSeconds: 3n * DAY,
};
const DEFAULTED_AT = due(1) + 30n * DAY;
const committed = view(quiet, {
  flags: FLAG_DEFAULTED | FLAG_FIXED_DEBT | FLAG_COMMITTED,
  certified: true,
  defaultedAt: DEFAULTED_AT,
  balance: 150n,
  commitment,
});

const record = (bankReference: string, amount: bigint, paidAt: bigint, relayed = false): BankRecord => ({
  bankReference,
  amount,
  paidAt,
  relayed,
});

interface Case {
  name: string;
  loan: LoanView;
  now: bigint;
  policy?: KeeperPolicy;
  keys: string[];
}

const ANNULLED_AT = START + 65n * DAY;

const cases: Case[] = [
  // Reminders and late marks, each at its first second and the second before.
  { name: "nothing before the reminder window", loan: base, now: dueDay(1) - 3n * DAY - 1n, keys: [] },
  {
    name: "remindBeforeDue from local midnight three days before the due date",
    loan: base,
    now: dueDay(1) - 3n * DAY,
    keys: ["7:remindBeforeDue:i1"],
  },
  { name: "remindBeforeDue until the due date", loan: base, now: dueDay(1) - 1n, keys: ["7:remindBeforeDue:i1"] },
  { name: "remindDueToday from local midnight", loan: base, now: dueDay(1), keys: ["7:remindDueToday:i1"] },
  { name: "remindDueToday at the due second (not late)", loan: base, now: due(1), keys: ["7:remindDueToday:i1"] },
  { name: "markLate from the second after the due time", loan: base, now: due(1) + 1n, keys: ["7:markLate:i1"] },
  { name: "no remindLate1 before the next day", loan: base, now: dueDay(1) + DAY - 1n, keys: ["7:markLate:i1"] },
  {
    name: "remindLate1 from local midnight the day after",
    loan: base,
    now: dueDay(1) + DAY,
    keys: ["7:markLate:i1", "7:remindLate1:i1"],
  },
  {
    name: "remindLate1 until the seventh day",
    loan: base,
    now: dueDay(1) + 7n * DAY - 1n,
    keys: ["7:markLate:i1", "7:remindLate1:i1"],
  },
  {
    name: "remindLate7 replaces remindLate1",
    loan: base,
    now: dueDay(1) + 7n * DAY,
    keys: ["7:markLate:i1", "7:remindLate7:i1"],
  },
  {
    name: "nothing already done",
    loan: view({
      lateMarkedThrough: 1,
      contact: { ...base.contact, remindedThrough: { ...base.contact.remindedThrough, remindLate7: 1 } },
    }),
    now: dueDay(1) + 7n * DAY,
    keys: [],
  },
  {
    name: "the next installment's reminder while the oldest is late",
    loan: view({
      lateMarkedThrough: 1,
      contact: { ...base.contact, remindedThrough: { ...base.contact.remindedThrough, remindLate7: 1 } },
    }),
    now: dueDay(2) - 3n * DAY,
    keys: ["7:remindBeforeDue:i2"],
  },
  {
    name: "a late mark for every missed installment, late reminders for the oldest",
    loan: view({ defaultDaysPastDue: 0, defaultMissedInstallments: 0 }),
    now: due(3) + 1n,
    keys: ["7:markLate:i1", "7:markLate:i2", "7:markLate:i3", "7:remindLate7:i1"],
  },
  {
    name: "calendar days in the borrower's zone (UTC+8: due at 18:00 local)",
    loan: view({ contact: { ...base.contact, utcOffsetSeconds: 8n * HOUR } }),
    now: due(1) - 18n * HOUR - 1n,
    keys: ["7:remindBeforeDue:i1"],
  },
  {
    name: "remindDueToday from local midnight in UTC+8",
    loan: view({ contact: { ...base.contact, utcOffsetSeconds: 8n * HOUR } }),
    now: due(1) - 18n * HOUR,
    keys: ["7:remindDueToday:i1"],
  },
  {
    name: "custom plan: the installments paid are skipped",
    loan: view({
      schedule: { kind: "custom", intervalSeconds: 0n, count: 3, dueOffsets: [10n * DAY, 15n * DAY, 40n * DAY] },
      paidInstallments: 1,
    }),
    now: START + 15n * DAY + 1n,
    keys: ["7:markLate:i2"],
  },

  // declareDefault: exactly from the trigger (LoanLedger._defaultTrigger).
  { name: "default: 30 days past due, a second early", loan: view(quiet), now: due(1) + 30n * DAY - 1n, keys: [] },
  {
    name: "default: 30 days past due",
    loan: view(quiet),
    now: due(1) + 30n * DAY,
    keys: ["7:declareDefault:d0"],
  },
  {
    name: "default: two missed, at the second installment's due time",
    loan: view(quiet, { defaultDaysPastDue: 0, defaultMissedInstallments: 2 }),
    now: due(2),
    keys: [],
  },
  {
    name: "default: two missed, from the second after",
    loan: view(quiet, { defaultDaysPastDue: 0, defaultMissedInstallments: 2 }),
    now: due(2) + 1n,
    keys: ["7:declareDefault:d0"],
  },
  {
    name: "default: fewer left than the trigger counts, all missed",
    loan: view(quiet, {
      schedule: { ...base.schedule, count: 3 },
      paidInstallments: 2,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 3,
    }),
    now: due(3) + 1n,
    keys: ["7:declareDefault:d0"],
  },
  {
    name: "default: fewer left, a second early",
    loan: view(quiet, {
      schedule: { ...base.schedule, count: 3 },
      paidInstallments: 2,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 3,
    }),
    now: due(3),
    keys: [],
  },
  {
    name: "default: bullet, one missed installment at maturity",
    loan: view(quiet, { schedule: { ...base.schedule, kind: "bullet" } }),
    now: START + 360n * DAY + 1n,
    keys: ["7:declareDefault:d0"],
  },
  {
    name: "default: custom plan, second and third missed",
    loan: view(quiet, {
      schedule: { kind: "custom", intervalSeconds: 0n, count: 3, dueOffsets: [10n * DAY, 15n * DAY, 40n * DAY] },
      paidInstallments: 1,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: START + 40n * DAY + 1n,
    keys: ["7:declareDefault:d0"],
  },
  {
    name: "default: custom plan, a second early",
    loan: view(quiet, {
      schedule: { kind: "custom", intervalSeconds: 0n, count: 3, dueOffsets: [10n * DAY, 15n * DAY, 40n * DAY] },
      paidInstallments: 1,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: START + 40n * DAY,
    keys: [],
  },
  { name: "default: not while paused", loan: view(quiet), now: due(1) + 30n * DAY, policy: paused, keys: [] },
  {
    name: "default: a template without a trigger never defaults",
    loan: view(quiet, { defaultDaysPastDue: 0, defaultMissedInstallments: 0 }),
    now: due(12) + 1000n * DAY,
    keys: [],
  },

  // The annulled-default rule (LoanLedger._triggerAfterAnnulment).
  {
    name: "annulled: the days clock restarts at the decision, a second early",
    loan: view(quiet, { flags: FLAG_ANNULLED, annulledAt: ANNULLED_AT }),
    now: ANNULLED_AT + 30n * DAY - 1n,
    keys: [],
  },
  {
    name: "annulled: the days clock restarts at the decision",
    loan: view(quiet, { flags: FLAG_ANNULLED, annulledAt: ANNULLED_AT }),
    now: ANNULLED_AT + 30n * DAY,
    keys: [`7:declareDefault:d${ANNULLED_AT}`],
  },
  {
    name: "annulled: only installments due after the decision count as missed, a second early",
    loan: view(quiet, {
      flags: FLAG_ANNULLED,
      annulledAt: due(2) + 1n,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: due(4),
    keys: [],
  },
  {
    name: "annulled: only installments due after the decision count as missed",
    loan: view(quiet, {
      flags: FLAG_ANNULLED,
      annulledAt: due(2) + 1n,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: due(4) + 1n,
    keys: [`7:declareDefault:d${due(2) + 1n}`],
  },
  {
    name: "annulled: nothing falls due after the decision, the objection window to pay, a second early",
    loan: view(quiet, {
      schedule: { ...base.schedule, count: 3 },
      flags: FLAG_ANNULLED,
      annulledAt: due(3) + DAY,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: due(3) + DAY + 14n * DAY - 1n,
    keys: [],
  },
  {
    name: "annulled: nothing falls due after the decision, the objection window to pay",
    loan: view(quiet, {
      schedule: { ...base.schedule, count: 3 },
      flags: FLAG_ANNULLED,
      annulledAt: due(3) + DAY,
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: due(3) + DAY + 14n * DAY,
    keys: [`7:declareDefault:d${due(3) + DAY}`],
  },

  {
    name: "annulled at an installment's due second: that installment does not count as falling due after",
    loan: view(quiet, {
      flags: FLAG_ANNULLED,
      annulledAt: due(2),
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: due(3) + 1n,
    keys: [],
  },
  {
    name: "annulled at an installment's due second: the next two count",
    loan: view(quiet, {
      flags: FLAG_ANNULLED,
      annulledAt: due(2),
      defaultDaysPastDue: 0,
      defaultMissedInstallments: 2,
    }),
    now: due(4) + 1n,
    keys: [`7:declareDefault:d${due(2)}`],
  },

  // breachCommitment: from dueTime + grace + 1 of the first unpaid commitment installment.
  { name: "breach: a second early", loan: committed, now: C[1] + 3n * DAY, keys: [] },
  {
    name: "breach: from the second after grace",
    loan: committed,
    now: C[1] + 3n * DAY + 1n,
    keys: ["7:breachCommitment:c0xc0:2"],
  },
  { name: "breach: not while paused", loan: committed, now: C[1] + 3n * DAY + 1n, policy: paused, keys: [] },
  {
    name: "breach: paid through the second installment, the third counts",
    loan: view(committed, { balance: 100n }),
    now: C[1] + 3n * DAY + 1n,
    keys: [],
  },
  {
    name: "breach: paid through the second installment, from the third's grace",
    loan: view(committed, { balance: 100n }),
    now: C[2] + 3n * DAY + 1n,
    keys: ["7:breachCommitment:c0xc0:3"],
  },
  {
    name: "breach: all paid, never",
    loan: view(committed, { balance: 0n }),
    now: C[2] + 300n * DAY,
    keys: [],
  },

  // autoDebit (EnforcementBase._debitable).
  {
    name: "auto-debit: nothing due a second early",
    loan: view(quiet, { flags: FLAG_AUTO_DEBIT }),
    now: due(1) - 1n,
    keys: [],
  },
  {
    name: "auto-debit: due at the due second, funds not read",
    loan: view(quiet, { flags: FLAG_AUTO_DEBIT }),
    now: due(1),
    keys: ["7:autoDebit:i1"],
  },
  {
    name: "auto-debit: funds cover what the chain says is due",
    loan: view(quiet, {
      flags: FLAG_AUTO_DEBIT,
      funds: { amountDue: 90_000n, borrowerBalance: 90_000n, borrowerAllowance: 90_000n, asOf: due(1) },
    }),
    now: due(1),
    keys: ["7:autoDebit:i1"],
  },
  {
    name: "auto-debit: balance short by one",
    loan: view(quiet, {
      flags: FLAG_AUTO_DEBIT,
      funds: { amountDue: 90_000n, borrowerBalance: 89_999n, borrowerAllowance: 90_000n, asOf: due(1) },
    }),
    now: due(1),
    keys: [],
  },
  {
    name: "auto-debit: allowance short by one",
    loan: view(quiet, {
      flags: FLAG_AUTO_DEBIT,
      funds: { amountDue: 90_000n, borrowerBalance: 90_000n, borrowerAllowance: 89_999n, asOf: due(1) },
    }),
    now: due(1),
    keys: [],
  },
  {
    name: "auto-debit: funds read before it fell due do not tell the amount",
    loan: view(quiet, {
      flags: FLAG_AUTO_DEBIT,
      funds: { amountDue: 0n, borrowerBalance: 10n, borrowerAllowance: 10n, asOf: due(1) - 1n },
    }),
    now: due(1),
    keys: ["7:autoDebit:i1"],
  },
  { name: "auto-debit: not opted in", loan: view(quiet), now: due(1), keys: [] },
  {
    name: "auto-debit: commitment installment a second early",
    loan: view(committed, { flags: committed.flags | FLAG_AUTO_DEBIT }),
    now: C[1] - 1n,
    keys: [],
  },
  {
    name: "auto-debit: commitment installment due",
    loan: view(committed, { flags: committed.flags | FLAG_AUTO_DEBIT }),
    now: C[1],
    keys: ["7:autoDebit:c0xc0:2"],
  },
  {
    name: "auto-debit: commitment installment, balance short",
    loan: view(committed, {
      flags: committed.flags | FLAG_AUTO_DEBIT,
      funds: { amountDue: 0n, borrowerBalance: 49n, borrowerAllowance: 1_000n, asOf: 0n },
    }),
    now: C[1],
    keys: [],
  },
  {
    name: "auto-debit: a breached commitment owes the whole debt left",
    loan: view(committed, {
      flags: FLAG_DEFAULTED | FLAG_FIXED_DEBT | FLAG_AUTO_DEBIT,
      contact: { ...quiet.contact!, defaultNoticeSentFor: 0n },
    }),
    now: C[2] + 100n * DAY,
    // A broken commitment is in enforcement again: the letter and the litigation-risk notice follow.
    keys: ["7:autoDebit:f150", "7:debtCollectionLetter:d0", "7:litigationRiskNotice:d0"],
  },
  {
    name: "auto-debit goes on while disputed (the chain allows it); no contact",
    loan: view({
      flags: FLAG_DEFAULTED | FLAG_AUTO_DEBIT,
      defaultedAt: DEFAULTED_AT,
      objectionDeadline: DEFAULTED_AT + 10n * DAY,
    }),
    now: DEFAULTED_AT + 10n * DAY,
    keys: ["7:autoDebit:i1"],
  },

  // relayBankPayment: each matched, unrelayed record once, oldest first; it holds back contact and auto-debit.
  {
    name: "relay: oldest first, each reference once, none relayed, future, empty or before the start",
    loan: view({
      flags: FLAG_AUTO_DEBIT,
      bankRecords: [
        record("0xb", 500n, due(1) - 2n * DAY),
        record("0xa", 700n, due(1) - 5n * DAY),
        record("0xc", 100n, due(1) - 10n * DAY),
        record("0xc", 100n, due(1) - 9n * DAY, true),
        record("0xa", 700n, due(1) - DAY),
        record("0xd", 300n, due(1) + 31n * DAY + 1n),
        record("0xe", 0n, due(1)),
        record("0xf", 50n, START - 1n),
      ],
    }),
    now: due(1) + 31n * DAY,
    keys: ["7:relayBankPayment:b0xa", "7:relayBankPayment:b0xb", "7:declareDefault:d0"],
  },
  {
    name: "relay: same time, by reference",
    loan: view(quiet, { bankRecords: [record("0x2", 1n, due(1)), record("0x1", 1n, due(1))] }),
    now: due(1),
    keys: ["7:relayBankPayment:b0x1", "7:relayBankPayment:b0x2"],
  },
  {
    name: "relay: from the time paid at the bank",
    loan: view(quiet, { bankRecords: [record("0x1", 1n, due(1))] }),
    now: due(1) - 1n,
    keys: [],
  },
  {
    name: "relay: goes on while disputed",
    loan: view({
      flags: FLAG_DEFAULTED,
      defaultedAt: DEFAULTED_AT,
      objectionDeadline: DEFAULTED_AT + 10n * DAY,
      bankRecords: [record("0x1", 5n, DEFAULTED_AT + DAY)],
    }),
    now: DEFAULTED_AT + 2n * DAY,
    keys: ["7:relayBankPayment:b0x1"],
  },

  // defaultNotice: once per default, not while disputed or committed.
  {
    name: "notice after a default",
    loan: view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT }),
    now: DEFAULTED_AT,
    keys: ["7:defaultNotice:d0"],
  },
  {
    name: "notice to a certified loan",
    loan: view({ flags: FLAG_DEFAULTED, certified: true, defaultedAt: DEFAULTED_AT }),
    now: DEFAULTED_AT + DAY,
    keys: ["7:defaultNotice:d0", "7:litigationRiskNotice:d0"],
  },
  {
    name: "debt-collection letter: not the second before its day",
    loan: view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT }),
    now: DEFAULTED_AT + DEBT_COLLECTION_LETTER_DAYS * DAY - 1n,
    keys: ["7:defaultNotice:d0"],
  },
  {
    name: "debt-collection letter from its day, after the notice",
    loan: view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT }),
    now: DEFAULTED_AT + DEBT_COLLECTION_LETTER_DAYS * DAY,
    keys: ["7:defaultNotice:d0", "7:debtCollectionLetter:d0"],
  },
  {
    name: "no letter and no litigation notice while an objection is open",
    loan: view({
      flags: FLAG_DEFAULTED,
      certified: true,
      defaultedAt: DEFAULTED_AT,
      objectionDeadline: DEFAULTED_AT + 20n * DAY,
    }),
    now: DEFAULTED_AT + 20n * DAY,
    keys: [],
  },
  {
    name: "no letter and no litigation notice to a committed loan",
    loan: view(committed, { balance: 300n, certified: true, defaultedAt: DEFAULTED_AT }),
    now: DEFAULTED_AT + 40n * DAY,
    keys: [],
  },
  {
    name: "notice already sent",
    loan: view({
      flags: FLAG_DEFAULTED,
      defaultedAt: DEFAULTED_AT,
      contact: { ...base.contact, defaultNoticeSentFor: 0n },
    }),
    now: DEFAULTED_AT + DAY,
    keys: [],
  },
  {
    name: "no notice while an objection is open (deadline included)",
    loan: view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT, objectionDeadline: DEFAULTED_AT + 5n * DAY }),
    now: DEFAULTED_AT + 5n * DAY,
    keys: [],
  },
  {
    name: "notice once the objection lapsed",
    loan: view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT, objectionDeadline: DEFAULTED_AT + 5n * DAY }),
    now: DEFAULTED_AT + 5n * DAY + 1n,
    keys: ["7:defaultNotice:d0"],
  },
  { name: "no notice to a committed loan", loan: view(committed, { balance: 300n }), now: C[0] - 1n, keys: [] },
  {
    name: "a new default after an annulment gets its own notice",
    loan: view({
      flags: FLAG_DEFAULTED | FLAG_ANNULLED,
      annulledAt: ANNULLED_AT,
      defaultedAt: ANNULLED_AT + 30n * DAY,
      contact: { ...base.contact, defaultNoticeSentFor: 0n },
    }),
    now: ANNULLED_AT + 31n * DAY,
    keys: [`7:defaultNotice:d${ANNULLED_AT}`],
  },
  {
    name: "no reminders once defaulted (the letter instead, this long after the default)",
    loan: view({
      flags: FLAG_DEFAULTED,
      defaultedAt: DEFAULTED_AT,
      contact: { ...base.contact, defaultNoticeSentFor: 0n },
    }),
    now: dueDay(3) - DAY,
    keys: ["7:debtCollectionLetter:d0"],
  },

  // Closed loans and unknown loans: nothing at all.
  ...(
    [
      ["repaid", FLAG_REPAID],
      ["settled", FLAG_REPAID | FLAG_DEFAULTED | FLAG_FIXED_DEBT | FLAG_COMMITTED],
      ["written off", FLAG_WRITTEN_OFF | FLAG_DEFAULTED | FLAG_FIXED_DEBT],
    ] as const
  ).map(([name, flags]): Case => ({
    name: `closed: ${name}`,
    loan: view(committed, {
      flags: flags | FLAG_AUTO_DEBIT,
      balance: 0n,
      bankRecords: [record("0x1", 5n, due(1))],
    }),
    now: C[2] + 100n * DAY,
    keys: [],
  })),
  { name: "no such loan", loan: view({ startTime: 0n }), now: due(3), keys: [] },
];

describe("decisions: decide", () => {
  for (const { name, loan, now, policy = run, keys: expected } of cases) {
    it(`${name}: [${expected.join(", ")}]`, () => {
      expect(keys(decide(loan, now, policy))).to.deep.equal(expected);
    });
  }

  it("gives each action its facts", () => {
    expect(decide(view(quiet), due(1) + 30n * DAY, run)).to.deep.equal([
      {
        kind: "declareDefault",
        loanId: 7n,
        key: "7:declareDefault:d0",
        validFrom: due(1) + 30n * DAY,
        installment: 1,
        dueTime: due(1),
      },
    ]);
    expect(decide(committed, C[1] + 3n * DAY + 1n, run)).to.deep.equal([
      {
        kind: "breachCommitment",
        loanId: 7n,
        key: "7:breachCommitment:c0xc0:2",
        validFrom: C[1] + 3n * DAY + 1n,
        commitmentInstallment: 2,
        dueTime: C[1],
        amount: 50n,
      },
    ]);
    expect(decide(view(committed, { flags: committed.flags | FLAG_AUTO_DEBIT }), C[1] + 1n, run)).to.deep.equal([
      { kind: "autoDebit", loanId: 7n, key: "7:autoDebit:c0xc0:2", validFrom: C[1], amount: 50n },
    ]);
    expect(
      decide(
        view(quiet, {
          flags: FLAG_AUTO_DEBIT,
          funds: { amountDue: 90_000n, borrowerBalance: 90_000n, borrowerAllowance: 90_000n, asOf: due(1) },
        }),
        due(1) + 1n,
        run,
      ),
    ).to.deep.equal([{ kind: "autoDebit", loanId: 7n, key: "7:autoDebit:i1", validFrom: due(1), amount: 90_000n }]);
    expect(decide(view(quiet, { flags: FLAG_AUTO_DEBIT }), due(1), run)[0]).to.include({ amount: null });
    expect(decide(view({ bankRecords: [record("0x1", 5n, START + DAY)] }), START + DAY, run)).to.deep.equal([
      {
        kind: "relayBankPayment",
        loanId: 7n,
        key: "7:relayBankPayment:b0x1",
        validFrom: START + DAY,
        bankReference: "0x1",
        amount: 5n,
        paidAt: START + DAY,
      },
    ]);
    expect(decide(base, dueDay(1) + DAY, run)).to.deep.equal([
      { kind: "markLate", loanId: 7n, key: "7:markLate:i1", validFrom: due(1) + 1n, installment: 1, dueTime: due(1) },
      {
        kind: "remindLate1",
        loanId: 7n,
        key: "7:remindLate1:i1",
        validFrom: dueDay(1) + DAY,
        installment: 1,
        dueTime: due(1),
      },
    ]);
    expect(decide(view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT }), DEFAULTED_AT + 1n, run)).to.deep.equal([
      { kind: "defaultNotice", loanId: 7n, key: "7:defaultNotice:d0", validFrom: DEFAULTED_AT },
    ]);
  });

  it("keeps keys stable across calls, copies of the view and the passing of time", () => {
    const loan = view({ flags: FLAG_AUTO_DEBIT, bankRecords: [record("0x1", 5n, START)] });
    const now = due(2) + 1n;
    expect(keys(decide(loan, now, run))).to.deep.equal(keys(decide(structuredClone(loan), now, run)));
    const early = keys(decide(view(quiet), due(1) + 30n * DAY, run));
    const later = keys(decide(view(quiet), due(1) + 45n * DAY, run));
    expect(early).to.deep.equal(later);
    expect(keys(decide(base, due(1) + 1n, run))).to.include("7:markLate:i1");
    expect(keys(decide(base, due(1) + 2n * DAY, run))).to.include("7:markLate:i1");
  });

  it("tells one default of a loan from the next", () => {
    const first = decide(view(quiet), due(1) + 30n * DAY, run)[0].key;
    const second = decide(
      view(quiet, { flags: FLAG_ANNULLED, annulledAt: ANNULLED_AT }),
      ANNULLED_AT + 30n * DAY,
      run,
    )[0].key;
    expect(first).to.not.equal(second);
  });
});

describe("decisions: statusAt mirrors _statusOf", () => {
  const statusCases: { name: string; loan: LoanView; now: bigint; status: LoanStatus }[] = [
    { name: "unknown", loan: view({ startTime: 0n }), now: START, status: LoanStatus.None },
    { name: "active at the due second", loan: base, now: due(1), status: LoanStatus.Active },
    { name: "late a second after", loan: base, now: due(1) + 1n, status: LoanStatus.Late },
    {
      name: "active again once paid",
      loan: view({ paidInstallments: 1 }),
      now: due(1) + 1n,
      status: LoanStatus.Active,
    },
    { name: "defaulted", loan: view({ flags: FLAG_DEFAULTED }), now: due(3), status: LoanStatus.Defaulted },
    {
      name: "certified",
      loan: view({ flags: FLAG_DEFAULTED, certified: true }),
      now: due(3),
      status: LoanStatus.Certified,
    },
    { name: "committed", loan: committed, now: due(3), status: LoanStatus.Committed },
    {
      name: "disputed through the deadline",
      loan: view({ flags: FLAG_DEFAULTED, objectionDeadline: due(3) }),
      now: due(3),
      status: LoanStatus.Disputed,
    },
    {
      name: "back once the objection lapsed",
      loan: view({ flags: FLAG_DEFAULTED, certified: true, objectionDeadline: due(3) }),
      now: due(3) + 1n,
      status: LoanStatus.Certified,
    },
    { name: "repaid", loan: view({ flags: FLAG_REPAID }), now: due(3), status: LoanStatus.Repaid },
    { name: "settled", loan: view({ flags: FLAG_REPAID | FLAG_DEFAULTED }), now: due(3), status: LoanStatus.Settled },
    {
      name: "written off",
      loan: view({ flags: FLAG_WRITTEN_OFF | FLAG_DEFAULTED }),
      now: due(3),
      status: LoanStatus.WrittenOff,
    },
  ];
  for (const { name, loan, now, status } of statusCases) {
    it(`${name}: ${status}`, () => {
      expect(statusAt(loan, now)).to.equal(status);
    });
  }
});

describe("decisions: nextWakeUp", () => {
  const wakeCases: { name: string; loan: LoanView; now: bigint; policy?: KeeperPolicy; at: bigint | null }[] = [
    { name: "the first reminder", loan: base, now: START + 1n, at: dueDay(1) - 3n * DAY },
    { name: "due today next", loan: base, now: dueDay(1) - 3n * DAY, at: dueDay(1) },
    { name: "the late mark next", loan: base, now: dueDay(1), at: due(1) + 1n },
    { name: "the first late reminder next", loan: base, now: due(1) + 1n, at: dueDay(1) + DAY },
    { name: "the seventh-day reminder next", loan: base, now: dueDay(1) + DAY, at: dueDay(1) + 7n * DAY },
    { name: "the next installment's reminder", loan: base, now: dueDay(1) + 7n * DAY, at: dueDay(2) - 3n * DAY },
    { name: "the default", loan: view(quiet), now: START, at: due(1) + 30n * DAY },
    { name: "no default while paused", loan: view(quiet), now: START, policy: paused, at: null },
    {
      name: "the annulled default",
      loan: view(quiet, { flags: FLAG_ANNULLED, annulledAt: ANNULLED_AT }),
      now: ANNULLED_AT,
      at: ANNULLED_AT + 30n * DAY,
    },
    { name: "the breach", loan: committed, now: C[0], at: C[1] + 3n * DAY + 1n },
    {
      name: "auto-debit when the commitment installment falls due",
      loan: view(committed, { flags: committed.flags | FLAG_AUTO_DEBIT }),
      now: C[0],
      at: C[1],
    },
    {
      name: "auto-debit at the due second",
      loan: view(quiet, { flags: FLAG_AUTO_DEBIT }),
      now: START,
      at: due(1),
    },
    {
      name: "the notice once the objection lapses",
      loan: view({ flags: FLAG_DEFAULTED, defaultedAt: DEFAULTED_AT, objectionDeadline: DEFAULTED_AT + 5n * DAY }),
      now: DEFAULTED_AT,
      at: DEFAULTED_AT + 5n * DAY + 1n,
    },
    {
      name: "a bank payment dated ahead of the clock",
      loan: view(quiet, { bankRecords: [record("0x1", 5n, START + DAY)] }),
      now: START,
      at: START + DAY,
    },
    {
      name: "a pending bank payment holds contact, not the default",
      loan: view({ bankRecords: [record("0x1", 5n, START)] }),
      now: START + DAY,
      at: due(1) + 30n * DAY,
    },
    {
      name: "a defaulted loan whose notice went: nothing until new facts",
      loan: view({ flags: FLAG_DEFAULTED, contact: { ...base.contact, defaultNoticeSentFor: 0n } }),
      now: DEFAULTED_AT,
      at: null,
    },
    { name: "a closed loan: never", loan: view({ flags: FLAG_REPAID }), now: START, at: null },
    {
      name: "dense plan: the next installment's before-due window opens when it becomes the upcoming one",
      loan: view({
        schedule: { kind: "custom", intervalSeconds: 0n, count: 3, dueOffsets: [30n * DAY, 31n * DAY, 60n * DAY] },
        lateMarkedThrough: 1,
        contact: { ...base.contact, remindedThrough: { ...base.contact.remindedThrough, remindDueToday: 1 } },
      }),
      now: dueDay(1) - 3n * DAY + 1n,
      at: due(1) + 1n,
    },
    {
      name: "dense plan: a before-due window that never opens (due the same day as the previous one)",
      loan: view({
        schedule: {
          kind: "custom",
          intervalSeconds: 0n,
          count: 3,
          dueOffsets: [30n * DAY, 30n * DAY + 2n * HOUR, 60n * DAY],
        },
        lateMarkedThrough: 1,
        contact: { ...base.contact, remindedThrough: { ...base.contact.remindedThrough, remindDueToday: 2 } },
      }),
      now: dueDay(1),
      at: due(1) + 2n * HOUR + 1n,
    },
    {
      name: "reminders count the borrower's days: east of UTC (UTC+8), the window opens at local midnight",
      loan: view({ contact: { ...base.contact, utcOffsetSeconds: 8n * HOUR } }),
      now: START + 1n,
      at: dueDay(1) - 8n * HOUR - 3n * DAY,
    },
    {
      name: "reminders count the borrower's days: west of UTC (UTC-12), the due date is the day before",
      loan: view({ contact: { ...base.contact, utcOffsetSeconds: -12n * HOUR } }),
      now: START + 1n,
      at: dueDay(1) - 3n * DAY - 12n * HOUR,
    },
    {
      name: "UTC-12: due today from local midnight, half a UTC day before the due date",
      loan: view({ contact: { ...base.contact, utcOffsetSeconds: -12n * HOUR } }),
      now: dueDay(1) - 3n * DAY - 12n * HOUR,
      at: dueDay(1) - 12n * HOUR,
    },
    { name: "paused: reminders still come", loan: base, now: START + 1n, policy: paused, at: dueDay(1) - 3n * DAY },
    {
      name: "a loan paid off, even with a bank payment ahead: never",
      loan: view({ flags: FLAG_REPAID, bankRecords: [record("0x1", 5n, START + DAY)] }),
      now: START,
      at: null,
    },
    { name: "a commitment paid in full: never", loan: view(committed, { balance: 0n }), now: C[0], at: null },
    { name: "paused: no breach of the commitment", loan: committed, now: C[0], policy: paused, at: null },
    {
      name: "the commitment's last installment: the breach after its grace",
      loan: view(committed, { balance: 50n }),
      now: C[1] + 3n * DAY + 1n,
      at: C[2] + 3n * DAY + 1n,
    },
  ];
  for (const { name, loan, now, policy = run, at } of wakeCases) {
    it(`${name}: ${at}`, () => {
      expect(nextWakeUp(loan, now, policy)).to.equal(at);
      const before = new Set(keys(decide(loan, now, policy)));
      if (at === null) {
        // Never: nothing new at any later time (sampled over two years).
        for (const later of [now + 1n, now + HOUR, now + DAY, now + 30n * DAY, now + 365n * DAY, now + 730n * DAY]) {
          expect(
            keys(decide(loan, later, policy)).filter((key) => !before.has(key)),
            `at ${later}`,
          ).to.deep.equal([]);
        }
        return;
      }
      const isNew = (t: bigint) => keys(decide(loan, t, policy)).some((key) => !before.has(key));
      expect(isNew(at - 1n), "a second early").to.equal(false);
      expect(isNew(at), "at the wake-up").to.equal(true);
    });
  }
});

describe("decisions: the contract's constants", () => {
  const source = readFileSync(new URL("../../../contracts/types/DataTypes.sol", import.meta.url), "utf8");

  it("match Loans.FLAG_* in DataTypes.sol", () => {
    const flags = Object.fromEntries(
      [...source.matchAll(/uint8 internal constant FLAG_(\w+) = (\d+);/g)].map(([, name, value]) => [
        name,
        Number(value),
      ]),
    );
    expect(flags).to.deep.equal({
      DEFAULTED: FLAG_DEFAULTED,
      REPAID: FLAG_REPAID,
      PENALTY_CHECKPOINT: FLAG_PENALTY_CHECKPOINT,
      FIXED_DEBT: FLAG_FIXED_DEBT,
      COMMITTED: FLAG_COMMITTED,
      WRITTEN_OFF: FLAG_WRITTEN_OFF,
      AUTO_DEBIT: FLAG_AUTO_DEBIT,
      ANNULLED: FLAG_ANNULLED,
    });
  });

  it("match the order of Loans.Status in DataTypes.sol", () => {
    const body = /enum Status \{([^}]*)\}/.exec(source)?.[1] ?? "";
    const names = body.split(",").map((name) => name.trim());
    expect(names).to.deep.equal(Object.keys(LoanStatus));
    expect(Object.values(LoanStatus)).to.deep.equal(names.map((_, i) => i));
  });
});

/*//////////////////////////////////////////////////////////////
                          PROPERTIES
//////////////////////////////////////////////////////////////*/

const T0 = 1_600_000_000n;

const regularSchedule: fc.Arbitrary<ScheduleFacts> = fc
  .record({
    kind: fc.constantFrom("annuity" as const, "equalPrincipal" as const, "interestOnly" as const, "bullet" as const),
    intervalSeconds: fc.bigInt({ min: DAY, max: 90n * DAY }),
    count: fc.integer({ min: 1, max: 24 }),
  })
  .map((schedule) => ({ ...schedule, dueOffsets: [] }));

const customSchedule: fc.Arbitrary<ScheduleFacts> = fc
  .array(fc.bigInt({ min: 1n, max: 40n * DAY }), { minLength: 1, maxLength: 24 })
  .map((gaps) => {
    let offset = 0n;
    const dueOffsets = gaps.map((gap) => (offset += gap));
    return { kind: "custom" as const, intervalSeconds: 0n, count: gaps.length, dueOffsets };
  });

const spanOf = (schedule: ScheduleFacts): bigint =>
  schedule.kind === "custom"
    ? schedule.dueOffsets[schedule.count - 1]
    : schedule.intervalSeconds * BigInt(schedule.count);

/** Any view at all, consistent or not: decide must hold its properties on every one. */
const anyView: fc.Arbitrary<{ loan: LoanView; now: bigint }> = fc
  .oneof(regularSchedule, customSchedule)
  .chain((schedule) => {
    const count = schedule.kind === "bullet" ? 1 : schedule.count;
    const span = spanOf(schedule) + 60n * DAY;
    const time = fc.bigInt({ min: T0, max: T0 + span });
    const optionalTime = fc.oneof(fc.constant(0n), time);
    const installment = fc.integer({ min: 0, max: count });
    const commitmentArb = fc
      .record({
        gaps: fc.array(
          fc.record({ gap: fc.bigInt({ min: 1n, max: 30n * DAY }), amount: fc.bigInt({ min: 1n, max: 100n }) }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        first: time,
        graceSeconds: fc.bigInt({ min: 0n, max: 5n * DAY }),
        id: fc.constantFrom("0xc1", "0xc2"),
      })
      .map(({ gaps, first, graceSeconds, id }): CommitmentFacts => {
        let dueTime = first;
        let cumulative = 0n;
        const dueTimes: bigint[] = [];
        const sums: bigint[] = [];
        for (const entry of gaps) {
          dueTime += entry.gap;
          cumulative += entry.amount;
          dueTimes.push(dueTime);
          sums.push(cumulative);
        }
        return { id, dueTimes, cumulative: sums, total: cumulative, graceSeconds };
      });
    return fc.record({
      loan: fc.record({
        loanId: fc.bigInt({ min: 1n, max: 1_000n }),
        startTime: fc.constant(T0),
        flags: fc.integer({ min: 0, max: 255 }),
        paidInstallments: fc.integer({ min: 0, max: count - 1 }),
        balance: fc.bigInt({ min: 0n, max: 600n }),
        schedule: fc.constant(schedule),
        defaultDaysPastDue: fc.integer({ min: 0, max: 40 }),
        defaultMissedInstallments: fc.integer({ min: 0, max: 5 }),
        objectionWindowSeconds: fc.bigInt({ min: 0n, max: 20n * DAY }),
        certified: fc.boolean(),
        objectionDeadline: optionalTime,
        annulledAt: optionalTime,
        defaultedAt: optionalTime,
        commitment: fc.option(commitmentArb, { nil: null }),
        funds: fc.option(
          fc.record({
            amountDue: fc.bigInt({ min: 0n, max: 500n }),
            borrowerBalance: fc.bigInt({ min: 0n, max: 600n }),
            borrowerAllowance: fc.bigInt({ min: 0n, max: 600n }),
            asOf: time,
          }),
          { nil: null },
        ),
        bankRecords: fc.array(
          fc.record({
            bankReference: fc.constantFrom("0xa", "0xb", "0xc"),
            amount: fc.bigInt({ min: 0n, max: 100n }),
            paidAt: fc.bigInt({ min: T0 - DAY, max: T0 + span }),
            relayed: fc.boolean(),
          }),
          { maxLength: 4 },
        ),
        lateMarkedThrough: installment,
        contact: fc.record({
          utcOffsetSeconds: fc.bigInt({ min: -12n * HOUR, max: 14n * HOUR }),
          remindedThrough: fc.record({
            remindBeforeDue: installment,
            remindDueToday: installment,
            remindLate1: installment,
            remindLate7: installment,
          }),
          defaultNoticeSentFor: fc.option(optionalTime, { nil: null }),
        }),
      }),
      now: time,
    });
  });

const policyArb = fc.boolean().map((isPaused): KeeperPolicy => ({ paused: isPaused }));

/** Local midnight of the day holding t, computed apart from the module. */
function localMidnight(t: bigint, offset: bigint): bigint {
  const local = t + offset;
  const day = local >= 0n ? local / DAY : (local - DAY + 1n) / DAY;
  return day * DAY - offset;
}

/** Every second at which, by the rules, some action can start: decide is constant between them. */
function boundaries(loan: LoanView): bigint[] {
  const times: bigint[] = [];
  const count = loan.schedule.kind === "bullet" ? 1 : loan.schedule.count;
  for (let n = 1; n <= count; n++) {
    const dueTime = dueTimeOf(loan, n);
    const midnight = localMidnight(dueTime, loan.contact.utcOffsetSeconds);
    times.push(dueTime, dueTime + 1n, midnight - 3n * DAY, midnight, midnight + DAY, midnight + 7n * DAY);
  }
  times.push(defaultTriggerAt(loan), loan.objectionDeadline + 1n, loan.defaultedAt + DEBT_COLLECTION_LETTER_DAYS * DAY);
  for (const dueTime of loan.commitment?.dueTimes ?? []) {
    times.push(dueTime, dueTime + loan.commitment!.graceSeconds + 1n);
  }
  for (const { paidAt } of loan.bankRecords) times.push(paidAt);
  return [...new Set(times)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

describe("decisions: properties", () => {
  it("decide is deterministic and never returns two actions with one key", () => {
    fc.assert(
      fc.property(anyView, policyArb, ({ loan, now }, policy) => {
        const first = decide(loan, now, policy);
        expect(decide(structuredClone(loan), now, policy)).to.deep.equal(first);
        expect(new Set(keys(first)).size).to.equal(first.length);
      }),
      { numRuns: 1_000 },
    );
  });

  it("nextWakeUp is the first second at which decide returns a new key", () => {
    fc.assert(
      fc.property(anyView, policyArb, ({ loan, now }, policy) => {
        const before = new Set(keys(decide(loan, now, policy)));
        const isNew = (t: bigint) => keys(decide(loan, t, policy)).some((key) => !before.has(key));
        const firstNew = boundaries(loan).find((t) => t > now && isNew(t)) ?? null;
        const wake = nextWakeUp(loan, now, policy);
        expect(wake).to.equal(firstNew);
        // Between boundaries nothing starts: spot-check seconds before the wake-up.
        const end = wake ?? now + 800n * DAY;
        for (const t of [now + 1n, end - 1n, now + (end - now) / 3n, now + ((end - now) * 2n) / 3n]) {
          if (t > now && t < end) expect(isNew(t), `new key at ${t} before ${wake}`).to.equal(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("declareDefault appears exactly from the trigger time, computed independently", () => {
    const arb = regularSchedule.chain((schedule) => {
      const count = schedule.kind === "bullet" ? 1 : schedule.count;
      return fc.record({
        schedule: fc.constant(schedule),
        paid: fc.integer({ min: 0, max: count - 1 }),
        days: fc.integer({ min: 0, max: 60 }),
        missed: fc.integer({ min: 0, max: 6 }),
        annulledAt: fc.option(
          fc.oneof(
            fc.bigInt({ min: T0, max: T0 + spanOf(schedule) + 60n * DAY }),
            // Exactly at a due time, where "due after the decision" is decided by one second.
            fc.integer({ min: 1, max: count }).map((n) => dueTimeOf(view({ startTime: T0, schedule }), n)),
          ),
          { nil: null },
        ),
        window: fc.bigInt({ min: 0n, max: 30n * DAY }),
      });
    });
    fc.assert(
      fc.property(arb, ({ schedule, paid, days, missed, annulledAt, window }) => {
        const loan = view(quiet, {
          startTime: T0,
          schedule,
          paidInstallments: paid,
          defaultDaysPastDue: days,
          defaultMissedInstallments: missed,
          objectionWindowSeconds: window,
          flags: annulledAt === null ? 0 : FLAG_ANNULLED,
          annulledAt: annulledAt ?? 0n,
        });
        // The due times, by walking the grid.
        const count = schedule.kind === "bullet" ? 1 : schedule.count;
        const dues: bigint[] = [];
        for (let n = 1; n <= count; n++) {
          dues.push(T0 + schedule.intervalSeconds * (schedule.kind === "bullet" ? BigInt(schedule.count) : BigInt(n)));
        }
        const unpaid = dues.slice(paid);
        // The trigger read as the README and DefaultRules state it, as a predicate of time.
        const triggered = (t: bigint): boolean => {
          const counted = annulledAt === null ? unpaid : unpaid.filter((dueTime) => dueTime > annulledAt);
          const clockFrom = annulledAt !== null && annulledAt > unpaid[0] ? annulledAt : unpaid[0];
          const daysHold = days !== 0 && t - clockFrom >= BigInt(days) * DAY;
          const missedNow = counted.filter((dueTime) => dueTime < t).length;
          const missedHold = missed !== 0 && counted.length !== 0 && missedNow >= Math.min(missed, counted.length);
          const windowHold =
            annulledAt !== null && days === 0 && (missed === 0 || counted.length === 0) && t >= annulledAt + window;
          return daysHold || missedHold || windowHold;
        };
        let high = 1n << 41n;
        if (!triggered(high)) {
          expect(defaultTriggerAt(loan)).to.equal(0n);
          expect(keys(decide(loan, high, run))).to.deep.equal([]);
          return;
        }
        let low = 0n;
        while (high - low > 1n) {
          const mid = (low + high) / 2n;
          if (triggered(mid)) high = mid;
          else low = mid;
        }
        const key = `7:declareDefault:d${annulledAt ?? 0n}`;
        expect(keys(decide(loan, high - 1n, run)), "a second early").to.not.include(key);
        expect(keys(decide(loan, high, run)), "at the trigger").to.include(key);
        expect(defaultTriggerAt(loan)).to.equal(high);
      }),
      { numRuns: 1_000 },
    );
  });
});

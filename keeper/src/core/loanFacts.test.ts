import { describe, it } from "node:test";
import { expect } from "chai";
import fc from "fast-check";

import {
  DAY,
  FLAG_COMMITTED,
  FLAG_DEFAULTED,
  FLAG_FIXED_DEBT,
  type BankRecord,
  type FundsFacts,
  type LoanView,
} from "./decisions.ts";
import {
  LoanFactsError,
  NO_CONTACT,
  decodeLoanFacts,
  encodeLoanFacts,
  keeperFactsFrom,
  toLoanView,
  type LoanFacts,
} from "./loanFacts.ts";
import { SCHEDULE_KINDS } from "./scheduleMath.ts";

const MAX_UINT128 = 2n ** 128n - 1n;
const MAX_UINT40 = 2n ** 40n - 1n;
const START = 19_000n * DAY;

/** An annuity loan of twelve monthly installments, nothing special about it. */
const annuity: LoanFacts = {
  loanId: 7n,
  startTime: START,
  flags: 0,
  paidInstallments: 2,
  balance: 1_000_000n,
  schedule: { kind: "annuity", intervalSeconds: 30n * DAY, count: 12, dueOffsets: [] },
  defaultDaysPastDue: 30,
  defaultMissedInstallments: 3,
  objectionWindowSeconds: 14n * DAY,
  certified: false,
  objectionDeadline: 0n,
  annulledAt: 0n,
  commitment: null,
};

/** A custom plan in default under a commitment, with amounts at the top of uint128. */
const committed: LoanFacts = {
  loanId: 2n ** 64n + 1n,
  startTime: MAX_UINT40,
  flags: FLAG_DEFAULTED | FLAG_FIXED_DEBT | FLAG_COMMITTED,
  paidInstallments: 0,
  balance: MAX_UINT128,
  schedule: { kind: "custom", intervalSeconds: 0n, count: 3, dueOffsets: [10n * DAY, 45n * DAY, 2n ** 32n - 1n] },
  defaultDaysPastDue: 0,
  defaultMissedInstallments: 2,
  objectionWindowSeconds: 0n,
  certified: true,
  objectionDeadline: START + 100n * DAY,
  annulledAt: START + 50n * DAY,
  commitment: {
    id: "0x9c2a54b3a6a0f2b5d3b2f0e1c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7",
    dueTimes: [START + 200n * DAY, START + 230n * DAY],
    cumulative: [MAX_UINT128 / 2n, MAX_UINT128],
    total: MAX_UINT128,
    graceSeconds: 5n * DAY,
  },
};

describe("loanFacts: codec", () => {
  for (const [name, facts] of [
    ["an annuity without a commitment", annuity],
    ["a custom plan under a commitment, uint128 amounts", committed],
  ] as const) {
    it(`round-trips ${name} exactly`, () => {
      expect(decodeLoanFacts(encodeLoanFacts(facts))).to.deep.equal(facts);
    });
  }

  it("writes integers as decimal strings: uint128 amounts survive any JSON reader", () => {
    const encoded = JSON.parse(encodeLoanFacts(committed)) as Record<string, unknown>;
    expect(encoded).to.include({ v: 1, balance: String(MAX_UINT128), loanId: String(2n ** 64n + 1n) });
    expect(encoded.schedule).to.deep.include({ dueOffsets: ["864000", "3888000", "4294967295"] });
    expect(encoded.commitment).to.deep.include({
      total: String(MAX_UINT128),
      cumulative: [String(MAX_UINT128 / 2n), String(MAX_UINT128)],
    });
    expect(JSON.parse(encodeLoanFacts(annuity))).to.include({ commitment: null });
  });

  it("round-trips any facts (property)", () => {
    const uint = (bits: bigint) => fc.bigInt({ min: 0n, max: 2n ** bits - 1n });
    const facts: fc.Arbitrary<LoanFacts> = fc.record({
      loanId: uint(256n),
      startTime: uint(40n),
      flags: fc.integer({ min: 0, max: 255 }),
      paidInstallments: fc.integer({ min: 0, max: 360 }),
      balance: uint(128n),
      schedule: fc.record({
        kind: fc.constantFrom(...SCHEDULE_KINDS),
        intervalSeconds: uint(32n),
        count: fc.integer({ min: 0, max: 360 }),
        dueOffsets: fc.array(uint(32n), { maxLength: 5 }),
      }),
      defaultDaysPastDue: fc.integer({ min: 0, max: 65_535 }),
      defaultMissedInstallments: fc.integer({ min: 0, max: 255 }),
      objectionWindowSeconds: uint(32n),
      certified: fc.boolean(),
      objectionDeadline: uint(40n),
      annulledAt: uint(40n),
      commitment: fc.option(
        fc.record({
          id: uint(256n).map((hash) => `0x${hash.toString(16).padStart(64, "0")}`),
          dueTimes: fc.array(uint(40n), { maxLength: 4 }),
          cumulative: fc.array(uint(128n), { maxLength: 4 }),
          total: uint(128n),
          graceSeconds: uint(32n),
        }),
        { nil: null },
      ),
    });
    fc.assert(
      fc.property(facts, (value) => {
        expect(decodeLoanFacts(encodeLoanFacts(value))).to.deep.equal(value);
      }),
    );
  });

  it("refuses facts written under another version", () => {
    for (const v of [0, 2, "1", null]) {
      const text = JSON.stringify({ ...(JSON.parse(encodeLoanFacts(annuity)) as object), v });
      expect(() => decodeLoanFacts(text), String(v)).to.throw(LoanFactsError, "Unknown loan facts version");
    }
    const { v: _, ...unversioned } = JSON.parse(encodeLoanFacts(annuity)) as Record<string, unknown>;
    expect(() => decodeLoanFacts(JSON.stringify(unversioned))).to.throw(LoanFactsError);
  });
});

describe("loanFacts: keeper facts", () => {
  it("starts from nothing done when the keeper has no progress for the loan", () => {
    expect(keeperFactsFrom({ defaultedAt: null, progress: undefined })).to.deep.equal({
      defaultedAt: 0n,
      funds: null,
      bankRecords: [],
      lateMarkedThrough: 0,
      contact: NO_CONTACT,
    });
  });

  it("takes the highest installment done per reminder and late mark, zero for a kind not done", () => {
    const progress = new Map([
      ["remindBeforeDue", 4],
      ["remindLate7", 2],
      ["markLate", 3],
      ["declareDefault", 9],
    ]);
    const funds: FundsFacts = { amountDue: 5n, borrowerBalance: MAX_UINT128, borrowerAllowance: 0n, asOf: START };
    const bankRecords: BankRecord[] = [{ bankReference: "0xref", amount: 10n, paidAt: START, relayed: false }];
    expect(keeperFactsFrom({ defaultedAt: START + DAY, progress, funds, bankRecords })).to.deep.equal({
      defaultedAt: START + DAY,
      funds,
      bankRecords,
      lateMarkedThrough: 3,
      contact: {
        utcOffsetSeconds: 0n,
        remindedThrough: { remindBeforeDue: 4, remindDueToday: 0, remindLate1: 0, remindLate7: 2 },
        defaultNoticeSentFor: null,
      },
    });
    expect(keeperFactsFrom({ defaultedAt: null, progress: new Map() }).contact).to.deep.equal(NO_CONTACT);
  });

  it("makes the decision core's view of the chain's facts and the keeper's", () => {
    const keeper = keeperFactsFrom({ defaultedAt: START, progress: new Map([["markLate", 1]]) });
    const view: LoanView = toLoanView(decodeLoanFacts(encodeLoanFacts(committed)), keeper);
    expect(view).to.deep.equal({ ...committed, ...keeper });
    expect(view).to.include({ defaultedAt: START, lateMarkedThrough: 1, balance: MAX_UINT128 });
  });
});

import { after, describe, it } from "node:test";
import { expect } from "chai";
import {
  DAY,
  FLAG_ANNULLED,
  FLAG_COMMITTED,
  FLAG_DEFAULTED,
  FLAG_REPAID,
  FLAG_WRITTEN_OFF,
  LoanStatus,
} from "../../core/decisions.ts";
import type { Store } from "./openStore.ts";
import { STORE_BACKENDS } from "./storeBackends.ts";
import {
  daysPastDue,
  STAGE_ENFORCEMENT,
  type AgeingBucketName,
  type CollectionMonth,
  type Portfolio,
  type PortfolioReturnType,
  type RecoveryFunnel,
} from "./portfolio.ts";
import {
  BEFORE_DUE,
  BIG_PRINCIPAL,
  BORROWER_A,
  due,
  hashOf,
  LOAN_BOOK,
  loanOf,
  NOW,
  seedBook,
} from "./readModelFixture.ts";

type StatusName = Exclude<keyof typeof LoanStatus, "None">;

/** Every status line but None, zeros except those given. */
function statuses(lines: Partial<Record<StatusName, [loans: number, principal: bigint]>>) {
  return (Object.keys(LoanStatus) as (keyof typeof LoanStatus)[])
    .filter((name): name is StatusName => name !== "None")
    .map((name) => ({
      status: LoanStatus[name],
      loans: lines[name]?.[0] ?? 0,
      principal: String(lines[name]?.[1] ?? 0n),
    }));
}

/** The ageing, zeros except the buckets given. */
function ageing(lines: Partial<Record<AgeingBucketName, [loans: number, outstanding: bigint]>>) {
  const bounds: [AgeingBucketName, number, number | null][] = [
    ["current", 0, 0],
    ["1-30", 1, 30],
    ["31-60", 31, 60],
    ["61-90", 61, 90],
    ["90+", 91, null],
  ];
  const buckets = bounds.map(([bucket, minDays, maxDays]) => ({
    bucket,
    minDays,
    maxDays,
    loans: lines[bucket]?.[0] ?? 0,
    outstanding: String(lines[bucket]?.[1] ?? 0n),
  }));
  return {
    loans: buckets.reduce((sum, line) => sum + line.loans, 0),
    outstanding: String(buckets.reduce((sum, line) => sum + BigInt(line.outstanding), 0n)),
    buckets,
  };
}

const NO_RECOVERY: RecoveryFunnel = {
  defaulted: 0,
  certified: 0,
  committed: 0,
  settled: 0,
  enforced: 0,
  writtenOff: 0,
  writtenOffAmount: "0",
};

/** NOW is 2022-02-08T10:00Z: the twelve months from 2021-03 to 2022-02, with the totals given. */
function months(totals: Record<string, Omit<CollectionMonth, "month">> = {}): CollectionMonth[] {
  const keys = ["2021-03", "2021-04", "2021-05", "2021-06", "2021-07", "2021-08", "2021-09", "2021-10", "2021-11"];
  keys.push("2021-12", "2022-01", "2022-02");
  const zero = { payments: 0, amount: "0", principal: "0", interest: "0", penalty: "0" };
  return keys.map((month) => ({ month, ...(totals[month] ?? zero) }));
}

const event = (loanId: bigint, name: string, args: Record<string, unknown>, logIndex: number) => ({
  blockNumber: 20n,
  blockHash: hashOf(0x20),
  txHash: hashOf(0x2000 + logIndex),
  logIndex,
  address: LOAN_BOOK,
  name,
  loanId,
  args,
});

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  /** A fresh store, seeded, and what `read` makes of its portfolio. */
  async function withBook<T>(seed: (store: Store) => void, read: (portfolio: Store["portfolio"]) => T): Promise<T> {
    const store = (await backend.fresh()).open();
    try {
      seed(store);
      return read(store.portfolio);
    } finally {
      store.close();
    }
  }

  const portfolioAt = (seed: (store: Store) => void, at: bigint) => withBook(seed, (p) => p.portfolioOf(at));

  describe(`portfolio.portfolioOf on ${backend.name}`, { skip: backend.skip }, () => {
    const cases: { name: string; seed: (store: Store) => void; at: bigint; expected: PortfolioReturnType }[] = [
      {
        name: "an empty book: zeros everywhere, every status and month listed",
        seed: () => {},
        at: NOW,
        expected: {
          asOf: NOW,
          loans: 0,
          principal: "0",
          byStatus: statuses({}),
          arrears: ageing({}),
          recovery: NO_RECOVERY,
          collections: months(),
        },
      },
      {
        // Loan 1 Active (paid installment 1), 2 Late (2^200 principal, balance 1,000,000), 3 Defaulted, 5 Late: all
        // a day past installment 1 but loan 1; 4 Repaid (no facts) owes nothing. The seeded payments are in blocks
        // the store has no time for: no month holds them.
        name: "the seeded book a day after installment 1 fell due",
        seed: (store) => void seedBook(store),
        at: NOW,
        expected: {
          asOf: NOW,
          loans: 5,
          principal: String(BIG_PRINCIPAL + 4_000_000n),
          byStatus: statuses({
            Active: [1, 1_000_000n],
            Late: [2, BIG_PRINCIPAL + 1_000_000n],
            Defaulted: [1, 1_000_000n],
            Repaid: [1, 1_000_000n],
          }),
          arrears: ageing({ current: [1, 1_000_000n], "1-30": [3, 3_000_000n] }),
          recovery: { ...NO_RECOVERY, defaulted: 1 },
          collections: months(),
        },
      },
      {
        name: "the seeded book the second before installment 1 fell due: every owing loan current",
        seed: (store) => void seedBook(store),
        at: BEFORE_DUE,
        expected: {
          asOf: BEFORE_DUE,
          loans: 5,
          principal: String(BIG_PRINCIPAL + 4_000_000n),
          byStatus: statuses({
            Active: [3, BIG_PRINCIPAL + 2_000_000n],
            Defaulted: [1, 1_000_000n],
            Repaid: [1, 1_000_000n],
          }),
          arrears: ageing({ current: [4, 4_000_000n] }),
          recovery: { ...NO_RECOVERY, defaulted: 1 },
          collections: months(),
        },
      },
    ];
    for (const { name, seed, at, expected } of cases) {
      it(name, async () => {
        expect(await portfolioAt(seed, at)).to.deep.equal(expected);
      });
    }

    it("refuses a chain time beyond a uint40", async () => {
      await withBook(
        () => {},
        (portfolio) => {
          expect(() => portfolio.portfolioOf(2n ** 40n)).to.throw(RangeError, /uint40/);
          expect(() => portfolio.portfolioOf(-1n)).to.throw(RangeError, /uint40/);
        },
      );
    });
  });

  describe(`portfolio arrears ageing on ${backend.name}`, { skip: backend.skip }, () => {
    it("counts a started day: 1 day past due from the second after the due time", async () => {
      expect(
        [0n, 1n, DAY, DAY + 1n, 30n * DAY, 30n * DAY + 1n].map((late) => daysPastDue(1_000n, 1_000n + late)),
      ).to.deep.equal([0n, 1n, 1n, 2n, 30n, 31n]);
      expect(daysPastDue(1_000n, 999n)).to.equal(0n);
    });

    // One Active loan, nothing paid: its oldest unpaid installment is 1 whatever the time.
    const boundaries: [at: bigint, bucket: AgeingBucketName, status: StatusName][] = [
      [due(1), "current", "Active"],
      [due(1) + 1n, "1-30", "Late"],
      [due(1) + 30n * DAY, "1-30", "Late"],
      [due(1) + 30n * DAY + 1n, "31-60", "Late"],
      [due(1) + 60n * DAY, "31-60", "Late"],
      [due(1) + 60n * DAY + 1n, "61-90", "Late"],
      [due(1) + 90n * DAY, "61-90", "Late"],
      [due(1) + 90n * DAY + 1n, "90+", "Late"],
      [due(1) + 400n * DAY, "90+", "Late"],
    ];
    for (const [at, bucket, status] of boundaries) {
      it(`puts the loan in ${bucket} at due + ${at - due(1)} s, ${status}`, async () => {
        const result = await portfolioAt((store) => store.upsertLoan(loanOf(1n, {}, { balance: 777n })), at);
        expect(result.arrears).to.deep.equal(ageing({ [bucket]: [1, 777n] }));
        expect(result.byStatus).to.deep.equal(statuses({ [status]: [1, 1_000_000n] }));
      });
    }

    const loans: { name: string; seed: (store: Store) => void; expected: ReturnType<typeof ageing> }[] = [
      {
        name: "ages from the oldest unpaid installment: installment 2 after 1 was paid",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { paidInstallments: 1, balance: 900n })),
        // NOW is a day past installment 1, 29 days before installment 2.
        expected: ageing({ current: [1, 900n] }),
      },
      {
        name: "keeps a loan paid through its last installment current",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { paidInstallments: 12, balance: 5n })),
        expected: ageing({ current: [1, 5n] }),
      },
      {
        name: "ages a loan without facts by its stored next due time, its principal outstanding",
        seed: (store) =>
          store.upsertLoan(loanOf(1n, { status: LoanStatus.Late, nextDueTime: due(1) - 40n * DAY }, null)),
        // 41 days past due at NOW.
        expected: ageing({ "31-60": [1, 1_000_000n] }),
      },
      {
        name: "leaves out loans that owe nothing: repaid, settled, written off",
        seed: (store) => {
          store.upsertLoan(loanOf(1n, {}, { flags: FLAG_REPAID }));
          store.upsertLoan(loanOf(2n, {}, { flags: FLAG_REPAID | FLAG_DEFAULTED }));
          store.upsertLoan(loanOf(3n, {}, { flags: FLAG_WRITTEN_OFF | FLAG_DEFAULTED }));
          store.upsertLoan(loanOf(4n, { status: LoanStatus.Repaid, nextDueTime: null }, null));
        },
        expected: ageing({}),
      },
      {
        name: "ages loans in default by their original schedule, a commitment or not",
        seed: (store) => {
          store.upsertLoan(loanOf(1n, {}, { flags: FLAG_DEFAULTED, balance: 10n }));
          store.upsertLoan(loanOf(2n, {}, { flags: FLAG_DEFAULTED | FLAG_COMMITTED, certified: true, balance: 20n }));
          store.upsertLoan(loanOf(3n, {}, { flags: FLAG_DEFAULTED, objectionDeadline: NOW, balance: 30n }));
        },
        expected: ageing({ "1-30": [3, 60n] }),
      },
    ];
    for (const { name, seed, expected } of loans) {
      it(name, async () => {
        expect((await portfolioAt(seed, NOW)).arrears).to.deep.equal(expected);
      });
    }
  });

  describe(`portfolio recovery funnel on ${backend.name}`, { skip: backend.skip }, () => {
    const cases: { name: string; seed: (store: Store) => void; expected: RecoveryFunnel }[] = [
      {
        name: "a loan in default now, its event not stored",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { flags: FLAG_DEFAULTED })),
        expected: { ...NO_RECOVERY, defaulted: 1 },
      },
      {
        name: "a certified default",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { flags: FLAG_DEFAULTED, certified: true })),
        expected: { ...NO_RECOVERY, defaulted: 1, certified: 1 },
      },
      {
        name: "a commitment accepted",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { flags: FLAG_DEFAULTED | FLAG_COMMITTED, certified: true })),
        expected: { ...NO_RECOVERY, defaulted: 1, certified: 1, committed: 1 },
      },
      {
        name: "a default settled in full",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { flags: FLAG_DEFAULTED | FLAG_REPAID })),
        expected: { ...NO_RECOVERY, defaulted: 1, settled: 1 },
      },
      {
        name: "an annulled default (flag only)",
        seed: (store) => store.upsertLoan(loanOf(1n, {}, { flags: FLAG_ANNULLED })),
        expected: { ...NO_RECOVERY, defaulted: 1 },
      },
      {
        name: "enforcement then a write-off, with its amount",
        seed: (store) => {
          store.upsertLoan(
            loanOf(1n, { stage: STAGE_ENFORCEMENT }, { flags: FLAG_DEFAULTED | FLAG_WRITTEN_OFF, certified: true }),
          );
          store.insertEvent(event(1n, "LoanWrittenOff", { loanId: 1n, amount: 2n ** 130n }, 0));
        },
        expected: {
          ...NO_RECOVERY,
          defaulted: 1,
          certified: 1,
          enforced: 1,
          writtenOff: 1,
          writtenOffAmount: String(2n ** 130n),
        },
      },
      {
        name: "an undone default known only from its events, each loan counted once per step",
        seed: (store) => {
          store.upsertLoan(loanOf(1n));
          store.insertEvent(event(1n, "LoanDefaulted", { loanId: 1n }, 0));
          store.insertEvent(event(1n, "DefaultCertified", { loanId: 1n }, 1));
          store.insertEvent(event(1n, "CommitmentAccepted", { loanId: 1n }, 2));
          store.insertEvent(event(1n, "LoanDefaulted", { loanId: 1n }, 3));
          // The same loan, in default now too.
          store.upsertLoan(loanOf(2n, {}, { flags: FLAG_DEFAULTED }));
          store.insertEvent(event(2n, "LoanDefaulted", { loanId: 2n }, 4));
        },
        expected: { ...NO_RECOVERY, defaulted: 2, certified: 1, committed: 1 },
      },
      {
        name: "events of loans not followed count; stages below Enforcement do not",
        seed: (store) => {
          store.insertEvent(event(7n, "LoanSettled", { loanId: 7n, how: 1, settledAt: 5n }, 0));
          store.insertEvent(event(8n, "RecoveryStageAdvanced", { loanId: 8n, stage: 4 }, 1));
          store.insertEvent(event(9n, "RecoveryStageAdvanced", { loanId: 9n, stage: 3 }, 2));
          store.insertEvent(event(9n, "LoanWrittenOff", { loanId: 9n, amount: 5n }, 3));
          store.insertEvent(event(10n, "LoanWrittenOff", { loanId: 10n, amount: 6n }, 4));
        },
        expected: { ...NO_RECOVERY, settled: 1, enforced: 1, writtenOff: 2, writtenOffAmount: "11" },
      },
    ];
    for (const { name, seed, expected } of cases) {
      it(name, async () => {
        expect((await portfolioAt(seed, NOW)).recovery).to.deep.equal(expected);
      });
    }
  });

  describe(`portfolio collections on ${backend.name}`, { skip: backend.skip }, () => {
    const seconds = (iso: string) => BigInt(Date.parse(iso) / 1000);
    const payment = { loanId: 1n, payer: BORROWER_A, penaltyPaid: 0n, interestPaid: 0n, prepaid: 0n };

    it("sums payments by the UTC month of their block, the twelve months up to `at`", async () => {
      const result = await portfolioAt((store) => {
        const blocks: [number, string][] = [
          [100, "2021-02-28T23:59:59Z"], // before the first month
          [101, "2021-03-01T00:00:00Z"],
          [102, "2022-01-31T23:59:59Z"],
          [103, "2022-02-08T10:00:00Z"], // NOW itself
          [104, "2022-02-08T10:00:01Z"], // after NOW
        ];
        for (const [number, iso] of blocks) {
          store.recordBlock({
            number: BigInt(number),
            hash: hashOf(number),
            parentHash: hashOf(number - 1),
            timestamp: seconds(iso),
          });
        }
        const pay = (
          block: number,
          logIndex: number,
          amounts: { penalty?: bigint; interest?: bigint; principal: bigint },
        ) =>
          store.insertPayment({
            ...payment,
            blockNumber: BigInt(block),
            txHash: hashOf(0x1000 + block),
            logIndex,
            amount: (amounts.penalty ?? 0n) + (amounts.interest ?? 0n) + amounts.principal,
            penaltyPaid: amounts.penalty ?? 0n,
            interestPaid: amounts.interest ?? 0n,
            principalPaid: amounts.principal,
          });
        pay(100, 0, { principal: 1_000n });
        pay(101, 0, { interest: 2n, principal: 5n });
        pay(102, 0, { penalty: 10n, interest: 20n, principal: 70n });
        pay(102, 1, { principal: 2n ** 128n });
        pay(103, 0, { principal: 3n });
        pay(104, 0, { principal: 4_000n });
        pay(105, 0, { principal: 5_000n }); // no recorded block: no time
      }, NOW);
      expect(seconds("2022-02-08T10:00:00Z")).to.equal(NOW);
      expect(result.collections).to.deep.equal(
        months({
          "2021-03": { payments: 1, amount: "7", principal: "5", interest: "2", penalty: "0" },
          "2022-01": {
            payments: 2,
            amount: String(2n ** 128n + 100n),
            principal: String(2n ** 128n + 70n),
            interest: "20",
            penalty: "10",
          },
          "2022-02": { payments: 1, amount: "3", principal: "3", interest: "0", penalty: "0" },
        }),
      );
    });

    it("ends at the month of `at`, across a year", async () => {
      const result = await portfolioAt(() => {}, seconds("2024-01-01T00:00:00Z"));
      expect(result.collections.map((month) => month.month)).to.deep.equal([
        "2023-02",
        "2023-03",
        "2023-04",
        "2023-05",
        "2023-06",
        "2023-07",
        "2023-08",
        "2023-09",
        "2023-10",
        "2023-11",
        "2023-12",
        "2024-01",
      ]);
    });
  });
}

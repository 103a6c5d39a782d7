/**
 * A small loan book for the read model's tests and the HTTP server's: five loans whose statuses at `NOW` differ
 * from what their stored rows say, one loan with every kind of record, and an outbox with a sent transaction and a
 * replaced one. Test support only: production code never imports it.
 */
import { getAddress, type Address, type Hash } from "viem";
import { DAY, FLAG_DEFAULTED, LoanStatus } from "../../core/decisions.ts";
import { encodeLoanFacts, type LoanFacts } from "../../core/loanFacts.ts";
import type { Store } from "./openStore.ts";
import type { UpsertLoanParameters } from "./types.ts";

const HOUR = 3_600n;
export const START = 19_000n * DAY + 10n * HOUR;
export const INTERVAL = 30n * DAY;
/** Due time of installment n of every fixture loan. */
export const due = (n: number): bigint => START + BigInt(n) * INTERVAL;
/** A day after installment 1 fell due: loans that have not paid it are Late. */
export const NOW = due(1) + DAY;
/** The second before installment 1 fell due: every open loan is Active. */
export const BEFORE_DUE = due(1) - 1n;

/** Mixed case (checksummed), as viem gives addresses. */
export const BORROWER_A: Address = getAddress("0x" + "ab".repeat(20));
export const BORROWER_B: Address = getAddress("0x" + "cd".repeat(20));
export const BORROWER_C: Address = getAddress("0x" + "ef".repeat(20));
export const LENDER: Address = getAddress("0x" + "12".repeat(20));
export const KEEPER: Address = getAddress("0x" + "34".repeat(20));
export const LOAN_BOOK: Address = getAddress("0x" + "56".repeat(20));

/** Beyond 2^53 and 2^64: survives only as a decimal string. */
export const BIG_PRINCIPAL = 2n ** 200n;
export const BIG_PAYMENT = 10n ** 30n;

/** A 32-byte hash whose value is `n`. */
export const hashOf = (n: number): Hash => `0x${n.toString(16).padStart(64, "0")}`;

export const BASE_FACTS: LoanFacts = {
  loanId: 0n,
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
  commitment: null,
};

/** A loan row; `facts` (when not null) are `BASE_FACTS` with the given changes. */
export function loanOf(
  id: bigint,
  overrides: Partial<UpsertLoanParameters> = {},
  facts: Partial<LoanFacts> | null = {},
): UpsertLoanParameters {
  return {
    id,
    templateId: 1n,
    borrower: BORROWER_A,
    claimHolder: LENDER,
    principal: 1_000_000n,
    status: LoanStatus.Active,
    stage: 0,
    flags: 0,
    nextDueTime: due(1),
    defaultEligibleAt: null,
    updatedBlock: 10n,
    facts: facts === null ? null : encodeLoanFacts({ ...BASE_FACTS, loanId: id, ...facts }),
    defaultedAt: null,
    ...overrides,
  };
}

/** The ids of the seeded outbox records, for tests that change them. */
export interface SeededBook {
  /** Loan 5's auto-debit: done, carried by one mined transaction. */
  readonly autoDebitActionId: number;
  readonly autoDebitTx: Hash;
}

/**
 * Seeds the store. At `NOW`: loan 1 Active (paid installment 1), 2 Late (stored Active), 3 Defaulted, 4 Repaid
 * (no facts: the stored status), 5 Late. Borrowers: A owns 1 and 2, B owns 3 and 4, C owns 5; templates: 1 for 1, 2
 * and 5, 2 for 3 and 4.
 */
export function seedBook(store: Store): SeededBook {
  return store.transaction(() => {
    store.upsertLoan(loanOf(1n, { nextDueTime: due(2) }, { paidInstallments: 1 }));
    store.upsertLoan(loanOf(2n, { principal: BIG_PRINCIPAL, claimHolder: BORROWER_C, stage: 1 }));
    store.upsertLoan(
      loanOf(
        3n,
        { borrower: BORROWER_B, templateId: 2n, status: LoanStatus.Defaulted, defaultedAt: due(1) + 40n * DAY },
        { flags: FLAG_DEFAULTED },
      ),
    );
    store.upsertLoan(
      loanOf(4n, { borrower: BORROWER_B, templateId: 2n, status: LoanStatus.Repaid, nextDueTime: null }, null),
    );
    store.upsertLoan(loanOf(5n, { borrower: BORROWER_C }));

    store.replaceInstallments(2n, 10n, [
      { number: 2, dueTime: due(2), principal: 400n, interest: 50n, paid: 0n },
      { number: 1, dueTime: due(1), principal: BIG_PRINCIPAL, interest: 60n, paid: 0n },
    ]);

    // Inserted out of chain order: the read model orders them.
    const event = { blockHash: hashOf(0xb), address: LOAN_BOOK, loanId: 2n } as const;
    store.insertEvent({
      ...event,
      blockNumber: 12n,
      txHash: hashOf(0x12),
      logIndex: 1,
      name: "InstallmentPaid",
      args: { loanId: 2n, amount: BIG_PAYMENT },
    });
    store.insertEvent({
      ...event,
      blockNumber: 10n,
      txHash: hashOf(0x10),
      logIndex: 5,
      name: "LoanOriginated",
      args: { loanId: 2n, borrower: BORROWER_A, principal: BIG_PRINCIPAL },
    });
    store.insertEvent({
      ...event,
      blockNumber: 12n,
      txHash: hashOf(0x12),
      logIndex: 0,
      name: "Transfer",
      args: { value: 7n },
    });
    store.insertEvent({
      ...event,
      loanId: 1n,
      blockNumber: 9n,
      txHash: hashOf(0x9),
      logIndex: 0,
      name: "Other",
      args: {},
    });

    const payment = {
      loanId: 2n,
      payer: BORROWER_A,
      penaltyPaid: 0n,
      interestPaid: 10n,
      principalPaid: 0n,
      prepaid: 0n,
    };
    store.insertPayment({ ...payment, blockNumber: 12n, txHash: hashOf(0x12), logIndex: 1, amount: BIG_PAYMENT });
    store.insertPayment({ ...payment, blockNumber: 11n, txHash: hashOf(0x11), logIndex: 0, amount: 10n });

    store.insertBankRecord({
      source: "camt053",
      bankReference: "BANK-2",
      loanReference: "LN-2",
      loanId: 2n,
      amount: 500n,
      paidAt: due(1) + HOUR,
      rawPayload: '{"secret":"raw"}',
    });
    store.insertBankRecord({
      source: "camt053",
      bankReference: "BANK-X",
      loanReference: "??",
      loanId: null,
      amount: 1n,
      paidAt: due(1),
      rawPayload: "{}",
    });

    const plan = (loanId: bigint, kind: string, installment: number, validFrom: bigint | null = null) =>
      store.enqueueAction({
        key: `${loanId}:${kind}:i${installment}`,
        loanId,
        kind,
        installment,
        validFrom,
        payload: {},
      }).action.id;
    const tx = (hash: Hash, nonce: number, functionName: string, actionIds: number[]) =>
      store.recordTransaction({
        hash,
        account: KEEPER,
        nonce,
        gasLimit: 100_000n,
        maxFeePerGas: 2n,
        maxPriorityFeePerGas: 1n,
        sentBlock: 11n,
        raw: "0x00",
        functionName,
        actionIds,
      });

    const reminded = plan(2n, "remindLate1", 1, due(1) + DAY);
    store.markAction(reminded, { state: "done", outcome: "notified" });
    store.markAction(plan(5n, "remindLate1", 1, due(1) + DAY), { state: "done", outcome: "notified" });
    plan(1n, "remindBeforeDue", 2, due(2) - 3n * DAY);

    // Loan 2's late mark is in a transaction not mined yet.
    const lateMark = plan(2n, "markLate", 1, due(1) + 1n);
    tx(hashOf(0x7001), 0, "markLate", [lateMark]);
    store.markAction(lateMark, { state: "sent", attempted: true, txHash: hashOf(0x7001) });

    // Loan 3's default: a first transaction replaced by a fee bump that was mined. One mined: no duplicate.
    const declared = plan(3n, "declareDefault", 0, due(1) + 30n * DAY);
    tx(hashOf(0x7002), 1, "declareDefault", [declared]);
    tx(hashOf(0x7003), 1, "declareDefault", [declared]);
    store.markTransaction(hashOf(0x7002), { state: "replaced" });
    store.markTransaction(hashOf(0x7003), { state: "mined", minedBlock: 13n });
    store.markAction(declared, {
      state: "done",
      attempted: true,
      outcome: "mined",
      txHash: hashOf(0x7003),
      doneBlock: 13n,
    });

    const autoDebit = plan(5n, "autoDebit", 1, due(1));
    tx(hashOf(0x7004), 2, "autoDebit", [autoDebit]);
    store.markTransaction(hashOf(0x7004), { state: "mined", minedBlock: 14n });
    store.markAction(autoDebit, { state: "done", outcome: "mined", txHash: hashOf(0x7004), doneBlock: 14n });

    return { autoDebitActionId: autoDebit, autoDebitTx: hashOf(0x7004) };
  });
}

/**
 * Sends loan 5's auto-debit a second time: another transaction carrying the done action, not mined yet. Once it is
 * mined, the action was executed twice and the exactly-once check must see it.
 */
export function sendDuplicate(store: Store, seeded: SeededBook): Hash {
  const hash = hashOf(0x7005);
  store.recordTransaction({
    hash,
    account: KEEPER,
    nonce: 3,
    gasLimit: 100_000n,
    maxFeePerGas: 2n,
    maxPriorityFeePerGas: 1n,
    sentBlock: 14n,
    raw: "0x00",
    functionName: "autoDebit",
    actionIds: [seeded.autoDebitActionId],
  });
  return hash;
}

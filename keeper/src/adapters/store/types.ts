import type { Address, Hash, Hex } from "viem";

/**
 * What the store holds, as the keeper sees it: chain quantities (block numbers, loan ids, times in unix seconds,
 * amounts) are bigint as viem gives them; small counters (log index, installment number, attempts) are numbers;
 * the keeper's own wall-clock times are unix milliseconds.
 */

/** The last block the keeper has fully processed. */
export interface Checkpoint {
  readonly blockNumber: bigint;
  readonly blockHash: Hash;
}

/** A block the keeper has processed, kept to find the common ancestor after a reorg. */
export interface BlockRecord {
  readonly number: bigint;
  readonly hash: Hash;
  readonly parentHash: Hash;
  readonly timestamp: bigint;
}

export interface UpsertLoanParameters {
  readonly id: bigint;
  readonly templateId: bigint;
  readonly borrower: Address;
  /** The lender at origination, then whoever holds the loan's claim token. */
  readonly claimHolder: Address;
  readonly principal: bigint;
  /** `Loans.Status` as the contract numbers it. */
  readonly status: number;
  /** `Loans.Stage` of the recovery funnel (0: none). */
  readonly stage: number;
  /** `Loans.Loan.flags` as stored on chain. */
  readonly flags: number;
  /** When the oldest unpaid installment is due (null: nothing left to pay). */
  readonly nextDueTime: bigint | null;
  /** When the loan can be declared in default (null: it cannot be). */
  readonly defaultEligibleAt: bigint | null;
  /** The block this view of the loan was read at. */
  readonly updatedBlock: bigint;
  /** The chain facts the decision core reads, encoded by `loanFacts.ts` (null: not read). */
  readonly facts?: string | null;
  /** Block time of the current default's `LoanDefaulted` (null: not in default). */
  readonly defaultedAt?: bigint | null;
}

/**
 * A loan as the decision pass reads it (`runtime/planner.ts`): its chain facts (null: not read yet) and when it is
 * next to be decided (null: never, until its facts change; 0: at the next pass).
 */
export interface LoanFactsRow {
  readonly id: bigint;
  readonly facts: string | null;
  readonly defaultedAt: bigint | null;
  readonly nextCheckAt: bigint | null;
}

/** Where a page of loans due for a check ended: the next page starts after this (time, id). */
export interface LoanCheckCursor {
  readonly nextCheckAt: bigint;
  readonly id: bigint;
}

/** A loan's next check, as the decision pass stores it after deciding the loan (null: never). */
export interface NextCheckParameters {
  readonly id: bigint;
  readonly nextCheckAt: bigint | null;
}

export interface LoanRecord extends UpsertLoanParameters {
  readonly facts: string | null;
  readonly defaultedAt: bigint | null;
  /** Last updated in a block a reorg removed: refresh it from the chain. */
  readonly stale: boolean;
}

export interface InstallmentRecord {
  /** From 1, as the contract numbers them. */
  readonly number: number;
  readonly dueTime: bigint;
  readonly principal: bigint;
  readonly interest: bigint;
  readonly paid: bigint;
}

/** Where a log sits on chain; with the transaction hash and log index, its identity. */
export interface LogPosition {
  readonly blockNumber: bigint;
  readonly txHash: Hash;
  readonly logIndex: number;
}

export interface InsertEventParameters extends LogPosition {
  readonly blockHash: Hash;
  /** The contract that emitted it. */
  readonly address: Address;
  readonly name: string;
  /** The loan it concerns, when it names one. */
  readonly loanId: bigint | null;
  /** The decoded arguments; bigints are stored as decimal strings. */
  readonly args: Readonly<Record<string, unknown>>;
}

export interface InsertPaymentParameters extends LogPosition {
  readonly loanId: bigint;
  readonly payer: Address;
  readonly amount: bigint;
  readonly penaltyPaid: bigint;
  readonly interestPaid: bigint;
  readonly principalPaid: bigint;
  readonly prepaid: bigint;
}

/**
 * An action's life: `planned` (waiting for its time, or for `notBefore` after a retryable outcome), `sent` (in a
 * signed transaction that may not be mined yet), `done` (its effect holds: mined, or a notice written), `dropped`
 * (nothing to do any more: the chain already holds the fact, or it no longer applies), `failed` (gave up; an operator
 * looks at `lastError`).
 */
export type ActionState = "planned" | "sent" | "done" | "dropped" | "failed";

/** An action as the decision core names it: at most one per key, whatever happens. */
export interface PlanActionParameters {
  /** The decision core's idempotency key (`decisions.ts`), e.g. `7:declareDefault:d0`. */
  readonly key: string;
  readonly loanId: bigint;
  /** What to do, e.g. the contract function (`declareDefault`) or a notice. */
  readonly kind: string;
  /** The installment it is about; 0 for an action that is not per installment. */
  readonly installment: number;
  /** Chain time from which it is valid (null: the core does not date it). */
  readonly validFrom: bigint | null;
  /** What the executor needs to carry it out; bigints as decimal strings. */
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface ActionRecord {
  readonly id: number;
  readonly key: string;
  readonly loanId: bigint;
  readonly kind: string;
  readonly installment: number;
  readonly validFrom: bigint | null;
  readonly payload: Readonly<Record<string, string | number | boolean | null>>;
  readonly state: ActionState;
  /** Chain time before which it is not tried again (0: any time). */
  readonly notBefore: bigint;
  readonly attempts: number;
  /** How it ended or why it waits: `mined`, `notified`, `recorded`, or the contract's error name. */
  readonly outcome: string | null;
  readonly lastError: string | null;
  /** The transaction that carried it last. */
  readonly txHash: Hash | null;
  /** The block whose transaction made it `done`, `dropped` or `failed` (null: off chain or not mined). */
  readonly doneBlock: bigint | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface EnqueueActionReturnType {
  readonly action: ActionRecord;
  /** False when an action with this key already existed (it is returned unchanged). */
  readonly created: boolean;
}

export interface MarkActionParameters {
  readonly state: ActionState;
  /** Counts an attempt (a send, or a send that failed). */
  readonly attempted?: boolean;
  /** Recorded as the last error; null clears it, undefined leaves it. */
  readonly error?: string | null;
  /** Recorded as the outcome; null clears it, undefined leaves it. */
  readonly outcome?: string | null;
  /** The transaction that carries it; undefined leaves it. */
  readonly txHash?: Hash | null;
  /** The block that settled it; undefined leaves it. */
  readonly doneBlock?: bigint | null;
  /** Chain time before which not to try again; undefined leaves it. */
  readonly notBefore?: bigint;
}

export type TransactionState = "sent" | "mined" | "reverted" | "dropped" | "replaced";

export interface RecordTransactionParameters {
  readonly hash: Hash;
  readonly account: Address;
  readonly nonce: number;
  readonly gasLimit: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  /** The head when it was signed. */
  readonly sentBlock: bigint;
  /** The signed transaction, stored before it is broadcast. */
  readonly raw: Hex;
  /** The contract function it calls. */
  readonly functionName: string;
  /** The actions it carries. */
  readonly actionIds: readonly number[];
}

export interface TransactionRecord {
  readonly hash: Hash;
  readonly account: Address;
  readonly nonce: number;
  readonly gasLimit: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  readonly state: TransactionState;
  readonly sentBlock: bigint;
  readonly minedBlock: bigint | null;
  readonly raw: Hex | null;
  readonly functionName: string | null;
  readonly actionIds: readonly number[];
}

export interface MarkTransactionParameters {
  readonly state: TransactionState;
  /** The block that included it, for `mined` and `reverted`. */
  readonly minedBlock?: bigint;
}

export interface RollbackResult {
  readonly blocks: number;
  readonly events: number;
  readonly payments: number;
  readonly installments: number;
  /** Transactions whose including block was removed: back to `sent`, with their mined actions. */
  readonly transactions: number;
  /** Loans last updated above the ancestor, now marked stale: refresh them before acting on them. */
  readonly staleLoanIds: readonly bigint[];
}

/** A payment a bank reported, as stored (issue 6 adds the feeds; the keeper relays matched ones). */
export type BankRecordState = "received" | "matched" | "suspense" | "relayed";
export const BANK_RECORD_STATES = [
  "received",
  "matched",
  "suspense",
  "relayed",
] as const satisfies readonly BankRecordState[];

export interface ListBankRecordsParameters {
  /** Only records in this state (all when absent). */
  readonly state?: BankRecordState;
  readonly limit: number;
  readonly offset: number;
}

export interface BankRecordPage {
  /** Newest first. */
  readonly records: BankRecordRow[];
  /** How many records match, over all pages. */
  readonly total: number;
}

export interface InsertBankRecordParameters {
  readonly source: string;
  /** The bank's own reference: a payment is stored once per reference, whatever feed brings it. */
  readonly bankReference: string;
  /** The loan reference the payer wrote (remittance information). */
  readonly loanReference: string;
  /** The loan it matched (null: unmatched, in suspense). */
  readonly loanId: bigint | null;
  readonly amount: bigint;
  /** Unix seconds, as the bank reports it. */
  readonly paidAt: bigint;
  readonly rawPayload: string;
  /** Why the payment is in suspense (null when it matched a loan, or was stored before reasons were kept). */
  readonly reason?: string | null;
}

export interface BankRecordRow extends InsertBankRecordParameters {
  readonly id: number;
  readonly reason: string | null;
  /** When the keeper stored it, unix milliseconds (wall clock). */
  readonly receivedAtMs: number;
  readonly state: BankRecordState;
  readonly relayTx: Hash | null;
}

/** Where a quarantined entry came from: a webhook delivery or a statement file. */
export type BankQuarantineOrigin = "webhook" | "file";

export interface InsertBankQuarantineParameters {
  readonly source: string;
  readonly origin: BankQuarantineOrigin;
  /** `webhook`, or the file name and statement id (`statement.xml#STMT-1`). */
  readonly originRef: string;
  /** Where in the file (`row 4`, `Stmt 1 Ntry 3`), or `body` for a webhook. */
  readonly position: string;
  readonly bankReference: string | null;
  readonly raw: string;
  readonly error: string;
}

export interface BankQuarantineRow extends InsertBankQuarantineParameters {
  readonly id: number;
  /** When the keeper quarantined it, unix milliseconds. */
  readonly receivedAtMs: number;
}

export interface BankQuarantinePage {
  /** Newest first. */
  readonly entries: BankQuarantineRow[];
  readonly total: number;
}

/** What importing one statement did (`bank_statements`). */
export interface InsertBankStatementParameters {
  readonly source: string;
  readonly format: string;
  readonly statementId: string;
  readonly account: string | null;
  readonly fileName: string;
  readonly fileSha256: string;
  /** Payments and unreadable entries the file holds (ignored ones not counted). */
  readonly entries: number;
  /** New records stored, of which `matched` matched a loan (the others are in suspense). */
  readonly stored: number;
  readonly matched: number;
  readonly duplicates: number;
  readonly conflicts: number;
  readonly quarantined: number;
  readonly ignored: number;
}

export interface BankStatementRow extends InsertBankStatementParameters {
  readonly id: number;
  readonly importedAtMs: number;
}

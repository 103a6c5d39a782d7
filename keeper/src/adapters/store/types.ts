import type { Address, Hash } from "viem";

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
}

export interface LoanRecord extends UpsertLoanParameters {
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

export type ActionState = "planned" | "sent" | "mined" | "dropped" | "failed";

/** An action's idempotency key: at most one action per loan, kind and installment. */
export interface ActionKey {
  readonly loanId: bigint;
  /** What to do, e.g. the contract function (`declareDefault`) or a notice. */
  readonly kind: string;
  /** The installment it is about; 0 for an action that is not per installment. */
  readonly installment: number;
}

export interface ActionRecord extends ActionKey {
  readonly id: number;
  readonly state: ActionState;
  readonly attempts: number;
  readonly lastError: string | null;
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
}

export type TransactionState = "sent" | "mined" | "reverted" | "dropped" | "replaced";

export interface RecordTransactionParameters {
  readonly hash: Hash;
  readonly account: Address;
  readonly nonce: number;
  readonly gasLimit: bigint;
  readonly maxFeePerGas: bigint;
  readonly maxPriorityFeePerGas: bigint;
  /** The head when it was sent. */
  readonly sentBlock: bigint;
  /** The actions it carries. */
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

import Database from "better-sqlite3";
import type { Hash } from "viem";
import { applyMigrations } from "./applyMigrations.ts";
import { createChainState } from "./chainState.ts";
import { createLoanRecords } from "./loanRecords.ts";
import { migrations as allMigrations, type Migration } from "./migrations.ts";
import { createOutbox } from "./outbox.ts";
import type {
  ActionKey,
  ActionRecord,
  BlockRecord,
  Checkpoint,
  EnqueueActionReturnType,
  InsertEventParameters,
  InsertPaymentParameters,
  InstallmentRecord,
  LoanRecord,
  MarkActionParameters,
  MarkTransactionParameters,
  RecordTransactionParameters,
  RollbackResult,
  UpsertLoanParameters,
} from "./types.ts";

/**
 * The keeper's database. Every method is synchronous (better-sqlite3) and runs in the caller's `transaction` when
 * called inside one; otherwise each write is its own transaction.
 */
export interface Store {
  /**
   * Runs `fn` in one transaction: everything it wrote is kept when it returns, nothing when it throws. Nested calls
   * are savepoints. `fn` must be synchronous (an async one would commit before its awaits).
   */
  transaction<T>(fn: () => T): T;

  getCheckpoint(): Checkpoint | undefined;
  setCheckpoint(checkpoint: Checkpoint): void;
  /** Records a processed block; idempotent, and throws on a different hash at a recorded height (a fork). */
  recordBlock(block: BlockRecord): void;
  getBlock(number: bigint): BlockRecord | undefined;
  /** Undoes the blocks above `ancestor`, a recorded block, and moves the checkpoint there (see `chainState.ts`). */
  rollbackTo(ancestor: bigint): RollbackResult;

  upsertLoan(loan: UpsertLoanParameters): void;
  getLoan(id: bigint): LoanRecord | undefined;
  staleLoanIds(): bigint[];
  deleteLoan(id: bigint): void;
  replaceInstallments(loanId: bigint, block: bigint, installments: readonly InstallmentRecord[]): void;
  getInstallments(loanId: bigint): InstallmentRecord[];
  /** False when the log was already stored. */
  insertEvent(event: InsertEventParameters): boolean;
  /** False when the payment was already stored. */
  insertPayment(payment: InsertPaymentParameters): boolean;

  /** The action with this key: created `planned`, or the existing one unchanged. */
  enqueueAction(key: ActionKey): EnqueueActionReturnType;
  getAction(id: number): ActionRecord | undefined;
  /** Up to `limit` planned actions, oldest first. */
  nextActions(limit: number): ActionRecord[];
  markAction(id: number, update: MarkActionParameters): void;
  recordTransaction(tx: RecordTransactionParameters): void;
  markTransaction(hash: Hash, update: MarkTransactionParameters): void;

  close(): void;
}

export interface OpenStoreOptions {
  /** Wall clock, unix milliseconds, for the keeper's own timestamps (default `Date.now`). */
  readonly now?: () => number;
  /** The schema (default: every migration); tests pass their own. */
  readonly migrations?: readonly Migration[];
}

/**
 * Opens (creating if needed) the keeper's SQLite database at `path` and brings its schema up to date. WAL with
 * `synchronous = FULL`: a committed write survives a power loss, so a webhook may answer 2xx once its record is
 * stored. Foreign keys are enforced. Integers are read as bigint (`defaultSafeIntegers`), never rounded.
 *
 * @example
 * const store = openStore("keeper.sqlite");
 * store.transaction(() => {
 *   store.recordBlock(block);
 *   store.setCheckpoint({ blockNumber: block.number, blockHash: block.hash });
 * });
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    db.defaultSafeIntegers(true);
    applyMigrations(db, { migrations: options.migrations ?? allMigrations, now });
  } catch (error) {
    db.close();
    throw error;
  }

  const chain = createChainState(db);
  const loans = createLoanRecords(db);
  const outbox = createOutbox(db);

  return {
    transaction<T>(fn: () => T): T {
      return db.transaction(() => {
        const result = fn();
        if (result instanceof Promise) {
          throw new TypeError("Store.transaction takes a synchronous function: its writes would commit too early");
        }
        return result;
      })();
    },

    getCheckpoint: chain.getCheckpoint,
    setCheckpoint: chain.setCheckpoint,
    recordBlock: chain.recordBlock,
    getBlock: chain.getBlock,
    rollbackTo: (ancestor) => chain.rollbackTo(ancestor, now()),

    upsertLoan: loans.upsertLoan,
    getLoan: loans.getLoan,
    staleLoanIds: loans.staleLoanIds,
    deleteLoan: loans.deleteLoan,
    replaceInstallments: (loanId, block, installments) =>
      db.transaction(() => loans.replaceInstallments(loanId, block, installments))(),
    getInstallments: loans.getInstallments,
    insertEvent: loans.insertEvent,
    insertPayment: loans.insertPayment,

    enqueueAction: (key) => db.transaction(() => outbox.enqueueAction(key, now()))(),
    getAction: outbox.getAction,
    nextActions: outbox.nextActions,
    markAction: (id, update) => outbox.markAction(id, update, now()),
    recordTransaction: (tx) => db.transaction(() => outbox.recordTransaction(tx, now()))(),
    markTransaction: (hash, update) => outbox.markTransaction(hash, update, now()),

    close: () => db.close(),
  };
}

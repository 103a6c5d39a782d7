import Database from "better-sqlite3";
import type { Address, Hash } from "viem";
import { FLAGS_PAID_OFF } from "../../core/decisions.ts";
import { applyMigrations } from "./applyMigrations.ts";
import { LEASE_TABLE } from "../postgres/leaseTable.ts";
import { isPostgresUrl, openPostgresDatabase } from "./postgres/openPostgresDatabase.ts";
import type { SqlDatabase } from "./sqlDatabase.ts";
import { createChainState } from "./chainState.ts";
import { createLoanRecords } from "./loanRecords.ts";
import { migrations as allMigrations, type Migration } from "./migrations.ts";
import { createOutbox } from "./outbox.ts";
import { createReadModel, type ReadModel } from "./readModel.ts";
import type {
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
  PlanActionParameters,
  RollbackResult,
  TransactionRecord,
  UpsertLoanParameters,
  LoanCheckCursor,
  LoanFactsRow,
  NextCheckParameters,
  BankRecordPage,
  BankRecordRow,
  InsertBankRecordParameters,
  ListBankRecordsParameters,
} from "./types.ts";
import { createBankRecords } from "./bankRecords.ts";
import { createBankSuspense, type AssignBankRecordResult } from "./bankSuspense.ts";
import { createCertificateApplications, type CertificateApplications } from "./certificateApplications.ts";
import { createContacts, type Contacts } from "./contacts.ts";
import { createOriginationOffers, type OriginationOffers } from "./originationOffers.ts";
import { createOriginationRefusals, type OriginationRefusals } from "./originationRefusals.ts";
import { createPortfolio, type Portfolio } from "./portfolio.ts";
import { createLoanEvents, type LoanEvents } from "./loanEvents.ts";
import { createSessions, type Sessions } from "./sessions.ts";
import { createBankStatements, type ListBankQuarantineParameters } from "./bankStatements.ts";
import type {
  BankQuarantinePage,
  BankStatementRow,
  InsertBankQuarantineParameters,
  InsertBankStatementParameters,
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
  /** The principal the loan's stored `LoanOriginated` event gave (null: none stored). */
  loanPrincipalFromEvents(id: bigint): bigint | null;
  deleteLoan(id: bigint): void;
  replaceInstallments(loanId: bigint, block: bigint, installments: readonly InstallmentRecord[]): void;
  getInstallments(loanId: bigint): InstallmentRecord[];
  /** False when the log was already stored. */
  insertEvent(event: InsertEventParameters): boolean;
  /** False when the payment was already stored. */
  insertPayment(payment: InsertPaymentParameters): boolean;

  /** Open loans (not paid off, not written off) with their chain facts, by id. */
  openLoanFacts(): IterableIterator<{ id: bigint; facts: string; defaultedAt: bigint | null }>;
  /** Every loan id the store follows. */
  loanIds(): bigint[];
  /**
   * Up to `limit` loans whose next check is at or before chain time `now`, by that time then id, after `after` (null:
   * from the first); through an index, so a pass reads only the loans with something due.
   */
  loansDueForCheck(now: bigint, after: LoanCheckCursor | null, limit: number): LoanFactsRow[];
  /** Up to `limit` loans with an id above `afterId`, by id, whatever their next check (a full decision pass). */
  loanFactsPage(afterId: bigint, limit: number): LoanFactsRow[];
  /** One loan's facts as the decision pass reads them; undefined: no such loan. */
  loanFactsOf(id: bigint): LoanFactsRow | undefined;
  /** Up to `limit` loans of template `templateId`, Active or Late as last recorded, by id after `afterId`. */
  openLoansOfTemplate(templateId: bigint, afterId: bigint, limit: number): LoanFactsRow[];
  /** Up to `limit` loans whose facts were last updated at block `block` or later, by id after `afterId`. */
  loansUpdatedSince(block: bigint, afterId: bigint, limit: number): { id: bigint; updatedBlock: bigint }[];
  /** Stores when each loan is next to be decided (null: never, until its facts change). */
  setNextChecks(checks: readonly NextCheckParameters[]): void;

  /** Plans each action once per key, in one transaction; returns how many were new. */
  planActions(actions: readonly PlanActionParameters[]): number;
  /** The action with this key: created `planned`, or the existing one unchanged. */
  enqueueAction(action: PlanActionParameters): EnqueueActionReturnType;
  getAction(id: number): ActionRecord | undefined;
  getActionByKey(key: string): ActionRecord | undefined;
  /** Up to `limit` planned actions whose `notBefore` is at or before chain time `at`, oldest first. */
  nextActions(limit: number, at: bigint): ActionRecord[];
  actionsOfLoan(loanId: bigint): ActionRecord[];
  actionsOfTransaction(hash: Hash): ActionRecord[];
  /** What mined transaction `hash` did with action `actionId`: skipped it (the contract's reason), or did it (null). */
  markCarried(hash: Hash, actionId: number, skipped: string | null): void;
  /** Per loan and off-chain action kind, the highest installment done (what `ContactFacts` needs). */
  contactProgress(): Map<bigint, Map<string, number>>;
  /** `contactProgress` of one loan (undefined: nothing done), through the loan's actions only. */
  contactProgressOf(loanId: bigint): Map<string, number> | undefined;
  markAction(id: number, update: MarkActionParameters): void;
  recordTransaction(tx: RecordTransactionParameters): void;
  markTransaction(hash: Hash, update: MarkTransactionParameters): void;
  getTransaction(hash: Hash): TransactionRecord | undefined;
  pendingTransactions(account: Address): TransactionRecord[];
  transactionsAtNonce(account: Address, nonce: number): TransactionRecord[];
  getNextNonce(account: Address): number | undefined;
  setNextNonce(account: Address, nonce: number): void;

  /** Stores a bank-reported payment once per bank reference; false for a reference already held. */
  insertBankRecord(record: InsertBankRecordParameters): boolean;
  getBankRecord(bankReference: string): BankRecordRow | undefined;
  /** One page of bank records, newest first, optionally in one state (the suspense queue: `state: "suspense"`). */
  listBankRecords(parameters: ListBankRecordsParameters): BankRecordPage;
  bankRecordsOfLoan(loanId: bigint): BankRecordRow[];
  loansWithMatchedBankRecords(): bigint[];
  markBankRecordRelayed(bankReference: string, txHash: Hash | null): void;

  /** Records an imported bank statement; false (nothing written) when its source and statement id are held. */
  insertBankStatement(statement: InsertBankStatementParameters): boolean;
  getBankStatement(source: string, statementId: string): BankStatementRow | undefined;
  /** Quarantines an entry that could not be stored as a payment; false when the same one is already held. */
  insertBankQuarantine(entry: InsertBankQuarantineParameters): boolean;
  /** One page of the quarantine, newest first. */
  listBankQuarantine(parameters: ListBankQuarantineParameters): BankQuarantinePage;

  /** Matches suspense record `id` to loan `loanId` on operator `operator`'s word. */
  assignBankRecord(id: number, loanId: bigint, operator: string): AssignBankRecordResult;
  /** Moves a matched record the chain will not credit back to suspense, with the reason. */
  suspendBankRecord(bankReference: string, reason: string): boolean;
  /** Bank records by state. */
  bankRecordCounts(): Record<string, number>;

  /** Borrower contact: details, messages, the contact log and its anchor batches (`contacts.ts`). */
  readonly contacts: Contacts;

  /** Web sign-in: SIWE nonces, sessions and the lenders' API keys (`sessions.ts`). */
  readonly sessions: Sessions;
  /** The lender's applications to a notary for execution certificates (`certificateApplications.ts`). */
  readonly certificateApplications: CertificateApplications;
  /** The lender's loan offers collecting the borrower's and a notary's signatures (`originationOffers.ts`). */
  readonly originationOffers: OriginationOffers;
  /** Every origination the keeper's checks refused, with its reason codes (`originationRefusals.ts`). */
  readonly originationRefusals: OriginationRefusals;
  /** The lender's portfolio at a chain time (`portfolio.ts`). */
  readonly portfolio: Portfolio;
  /** A loan's on-chain timeline, with block hashes and times (`loanEvents.ts`). */
  readonly loanEvents: LoanEvents;

  /**
   * Whether the leader lease `name` is held at `epoch` and unexpired by the database's clock; inside a transaction it
   * locks the lease row until the commit, so a takeover waits for the caller's writes (a fence). PostgreSQL only:
   * a SQLite store has one keeper and no lease.
   */
  leaseHeld(name: string, epoch: number): boolean;

  /** Synchronous read-only queries for the HTTP API and the metrics. */
  readonly readModel: ReadModel;

  close(): void;
}

export interface OpenStoreOptions {
  /** Wall clock, unix milliseconds, for the keeper's own timestamps (default `Date.now`). */
  readonly now?: () => number;
  /** The schema (default: every migration); tests pass their own. */
  readonly migrations?: readonly Migration[];
}

/**
 * Opens the keeper's store at `location`, bringing its schema up to date: a SQLite file path (created if needed), or
 * a PostgreSQL database's `postgres://` URL, which several keepers may share (`postgres/openPostgresDatabase.ts`).
 * Both give the same store: the modules' SQL is the dialect the two share.
 *
 * SQLite runs with WAL and `synchronous = FULL`: a committed write survives a power loss, so a webhook may answer
 * 2xx once its record is stored. Foreign keys are enforced. Integers are read as bigint (`defaultSafeIntegers`), never
 * rounded; on PostgreSQL every integer column is BIGINT and read as bigint too.
 *
 * @example
 * const store = openStore("keeper.sqlite");
 * store.transaction(() => {
 *   store.recordBlock(block);
 *   store.setCheckpoint({ blockNumber: block.number, blockHash: block.hash });
 * });
 */
export function openStore(location: string, options: OpenStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  if (isPostgresUrl(location)) {
    const { db, close } = openPostgresDatabase(location, { now, migrations: options.migrations });
    return storeOn(db, now, () => void close());
  }
  const db = new Database(location);
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
  return storeOn(db, now, () => db.close());
}

/** The store's modules on an open, migrated database. */
function storeOn(db: SqlDatabase, now: () => number, close: () => void): Store {
  const chain = createChainState(db);
  const loans = createLoanRecords(db);
  const outbox = createOutbox(db);
  const bank = createBankRecords(db);
  const suspense = createBankSuspense(db);
  const statements = createBankStatements(db);
  const selectOpenLoanFacts = db.prepare(
    `SELECT id, facts, defaulted_at FROM loans WHERE facts IS NOT NULL AND (flags & ${FLAGS_PAID_OFF}) = 0 ORDER BY id`,
  );
  const selectLoanIds = db.prepare("SELECT id FROM loans ORDER BY id");
  const selectContactProgress = db.prepare(
    `SELECT loan_id, kind, MAX(installment) AS installment FROM actions
     WHERE state = 'done' AND kind IN ('remindBeforeDue', 'remindDueToday', 'remindLate1', 'remindLate7', 'markLate')
     GROUP BY loan_id, kind`,
  );
  const selectContactProgressOf = db.prepare(
    `SELECT kind, MAX(installment) AS installment FROM actions
     WHERE loan_id = ? AND state = 'done'
       AND kind IN ('remindBeforeDue', 'remindDueToday', 'remindLate1', 'remindLate7', 'markLate')
     GROUP BY kind`,
  );

  let selectLease: { get(...params: unknown[]): unknown } | undefined;

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
    loanPrincipalFromEvents: loans.loanPrincipalFromEvents,
    deleteLoan: loans.deleteLoan,
    replaceInstallments: (loanId, block, installments) =>
      db.transaction(() => loans.replaceInstallments(loanId, block, installments))(),
    getInstallments: loans.getInstallments,
    insertEvent: loans.insertEvent,
    insertPayment: loans.insertPayment,

    *openLoanFacts() {
      const rows = selectOpenLoanFacts.iterate() as IterableIterator<{
        id: bigint;
        facts: string;
        defaulted_at: bigint | null;
      }>;
      for (const row of rows) yield { id: row.id, facts: row.facts, defaultedAt: row.defaulted_at };
    },
    loanIds: () => (selectLoanIds.all() as { id: bigint }[]).map((row) => row.id),
    loansDueForCheck: loans.loansDueForCheck,
    loanFactsPage: loans.loanFactsPage,
    loanFactsOf: loans.loanFactsOf,
    openLoansOfTemplate: loans.openLoansOfTemplate,
    loansUpdatedSince: loans.loansUpdatedSince,
    setNextChecks: (checks) => db.transaction(() => loans.setNextChecks(checks))(),

    enqueueAction: (action) => db.transaction(() => outbox.enqueueAction(action, now()))(),
    getAction: outbox.getAction,
    getActionByKey: outbox.getActionByKey,
    planActions: (actions) => db.transaction(() => outbox.planActions(actions, now()))(),
    nextActions: outbox.nextActions,
    actionsOfLoan: outbox.actionsOfLoan,
    actionsOfTransaction: outbox.actionsOfTransaction,
    markCarried: outbox.markCarried,
    contactProgress() {
      const progress = new Map<bigint, Map<string, number>>();
      for (const row of selectContactProgress.iterate() as IterableIterator<{
        loan_id: bigint;
        kind: string;
        installment: bigint;
      }>) {
        let kinds = progress.get(row.loan_id);
        if (kinds === undefined) progress.set(row.loan_id, (kinds = new Map()));
        kinds.set(row.kind, Number(row.installment));
      }
      return progress;
    },
    contactProgressOf(loanId) {
      const rows = selectContactProgressOf.all(loanId) as { kind: string; installment: bigint }[];
      if (rows.length === 0) return undefined;
      return new Map(rows.map((row) => [row.kind, Number(row.installment)]));
    },
    markAction: (id, update) => outbox.markAction(id, update, now()),
    recordTransaction: (tx) => db.transaction(() => outbox.recordTransaction(tx, now()))(),
    markTransaction: (hash, update) => outbox.markTransaction(hash, update, now()),
    getTransaction: outbox.getTransaction,
    pendingTransactions: outbox.pendingTransactions,
    transactionsAtNonce: outbox.transactionsAtNonce,
    getNextNonce: outbox.getNextNonce,
    setNextNonce: outbox.setNextNonce,

    insertBankRecord: (record) => bank.insertBankRecord(record, now()),
    getBankRecord: bank.getBankRecord,
    listBankRecords: bank.listBankRecords,
    bankRecordsOfLoan: bank.bankRecordsOfLoan,
    loansWithMatchedBankRecords: bank.loansWithMatchedBankRecords,
    markBankRecordRelayed: (reference, txHash) => bank.markBankRecordRelayed(reference, txHash, now()),

    insertBankStatement: (statement) => statements.insertBankStatement(statement, now()),
    getBankStatement: statements.getBankStatement,
    insertBankQuarantine: (entry) => statements.insertBankQuarantine(entry, now()),
    listBankQuarantine: statements.listBankQuarantine,

    assignBankRecord: (id, loanId, operator) => suspense.assignBankRecord(id, loanId, operator, now()),
    suspendBankRecord: (reference, reason) => suspense.suspendBankRecord(reference, reason, now()),
    bankRecordCounts: suspense.bankRecordCounts,
    contacts: createContacts(db),
    sessions: createSessions(db),
    certificateApplications: createCertificateApplications(db),
    originationOffers: createOriginationOffers(db),
    originationRefusals: createOriginationRefusals(db),
    portfolio: createPortfolio(db),
    loanEvents: createLoanEvents(db),

    readModel: createReadModel(db),

    leaseHeld(name, epoch) {
      // Prepared on first use: the lease's table exists only where a lease was started (PostgreSQL).
      selectLease ??= db.prepare(
        `SELECT 1 FROM ${LEASE_TABLE} WHERE name = ? AND epoch = ? AND expires_at > now() FOR SHARE`,
      );
      return selectLease.get(name, epoch) !== undefined;
    },

    close,
  };
}

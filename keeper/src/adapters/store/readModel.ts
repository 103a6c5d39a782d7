/**
 * What the HTTP API and the metrics read from the keeper's database: synchronous queries over the store's tables,
 * never a write. A loan's status is computed at the chain time asked (`statusAt` over its stored chain facts), as the
 * contract's `statusOf` does: the stored `status` column is the status as of the block it was read at, and time alone
 * moves a loan from Active to Late without any block event. Only a loan without stored facts shows the stored one.
 *
 * Token amounts are returned as the canonical decimal strings the database holds (uint256 overflows every JSON
 * number); block numbers, ids and chain times are bigint, small counters numbers.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Address, Hash } from "viem";
import { statusAt, type LoanStatus } from "../../core/decisions.ts";
import { decodeLoanFacts, keeperFactsFrom, toLoanView } from "../../core/loanFacts.ts";
import type { ActionState, BankRecordState } from "./types.ts";

/** The most loans one `listLoans` page returns. */
export const MAX_LIST_LIMIT = 500;
/** The page size when none is asked. */
export const DEFAULT_LIST_LIMIT = 50;
/** A LIMIT that keeps every row, on SQLite (where -1 would do) and PostgreSQL (which refuses a negative one). */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;
/** SQLite's INTEGER range: an id or a template beyond it cannot be in the store. */
const MAX_SQLITE_INTEGER = 2n ** 63n - 1n;

/** One loan as the API lists it. */
export interface LoanSummary {
  readonly id: bigint;
  readonly templateId: bigint;
  readonly borrower: Address;
  readonly claimHolder: Address;
  /** Token units, canonical decimal. */
  readonly principal: string;
  /** At the chain time asked (from the stored facts); the stored status as of `updatedBlock` when none are held. */
  readonly status: LoanStatus;
  /** `Loans.Stage` of the recovery funnel (0: none), as of `updatedBlock`. */
  readonly stage: number;
  readonly nextDueTime: bigint | null;
  readonly defaultEligibleAt: bigint | null;
  /** The block the stored view of the loan was read at. */
  readonly updatedBlock: bigint;
}

export interface InstallmentView {
  readonly number: number;
  readonly dueTime: bigint;
  readonly principal: string;
  readonly interest: string;
  readonly paid: string;
  readonly updatedBlock: bigint;
}

export interface PaymentView {
  readonly blockNumber: bigint;
  readonly txHash: Hash;
  readonly logIndex: number;
  readonly payer: Address;
  readonly amount: string;
  readonly penaltyPaid: string;
  readonly interestPaid: string;
  readonly principalPaid: string;
  readonly prepaid: string;
}

export interface EventView {
  readonly name: string;
  /** The decoded arguments, integers as decimal strings. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly blockNumber: bigint;
  readonly txHash: Hash;
  readonly logIndex: number;
}

export interface ActionView {
  readonly key: string;
  readonly kind: string;
  readonly installment: number;
  readonly state: ActionState;
  readonly outcome: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly txHash: Hash | null;
  readonly doneBlock: bigint | null;
  readonly validFrom: bigint | null;
}

/** A bank-reported payment of the loan (its raw payload stays in the database). */
export interface BankRecordView {
  readonly source: string;
  readonly bankReference: string;
  readonly loanReference: string;
  readonly amount: string;
  /** Unix seconds, as the bank reports it. */
  readonly paidAt: bigint;
  readonly state: BankRecordState;
  readonly relayTx: Hash | null;
}

export interface LoanDetail {
  readonly loan: LoanSummary;
  /** By number. */
  readonly installments: readonly InstallmentView[];
  /** In chain order. */
  readonly payments: readonly PaymentView[];
  /** In chain order. */
  readonly events: readonly EventView[];
  /** In the order they were planned. */
  readonly actions: readonly ActionView[];
  /** By the time they were paid. */
  readonly bankRecords: readonly BankRecordView[];
}

export interface ListLoansParameters {
  /** Only loans in one of these statuses (computed at `now`). */
  readonly status?: readonly number[];
  /** Only this borrower's loans (any letter case). */
  readonly borrower?: Address;
  readonly templateId?: bigint;
  /** 1 to `MAX_LIST_LIMIT` (default `DEFAULT_LIST_LIMIT`). */
  readonly limit?: number;
  /** Loans skipped, in id order (default 0). */
  readonly offset?: number;
  /** The chain time statuses are computed at (unix seconds). */
  readonly now: bigint;
}

export interface ListLoansReturnType {
  /** The page, by id. */
  readonly loans: readonly LoanSummary[];
  /** Loans matching the filters, on every page. */
  readonly total: number;
}

export interface ActionCountRow {
  readonly kind: string;
  readonly state: ActionState;
  /** null: none recorded yet. */
  readonly outcome: string | null;
  readonly count: number;
}

export interface ReadModel {
  /** A page of loans matching the filters, by id, with statuses at `now`. Throws a RangeError on a bad page. */
  listLoans(parameters: ListLoansParameters): ListLoansReturnType;
  /** The loan with what the store holds about it; null for a loan it does not follow. */
  loanDetail(id: bigint, now: bigint): LoanDetail | null;
  /** The number of loans in each status at `now` (statuses without loans are absent). */
  loansByStatus(now: bigint): Map<LoanStatus, number>;
  /** Actions counted by kind, state and outcome. */
  actionsByKindAndOutcome(): ActionCountRow[];
  /** Transactions sent and not yet seen mined, reverted, dropped or replaced. */
  pendingTransactionCount(): number;
  /**
   * Actions done by more than one mined transaction (one whose batch skipped the action, which is then planned again,
   * does not count): the exactly-once check, 0 unless an action was executed twice.
   */
  duplicateActionCount(): number;
}

interface LoanRow {
  id: bigint;
  template_id: bigint;
  borrower: Address;
  claim_holder: Address;
  principal: string;
  status: bigint;
  stage: bigint;
  next_due_time: bigint | null;
  default_eligible_at: bigint | null;
  updated_block: bigint;
  facts: string | null;
  defaulted_at: bigint | null;
}

interface StatusRow {
  status: bigint;
  facts: string | null;
  defaulted_at: bigint | null;
}

const LOAN_COLUMNS = `id, template_id, borrower, claim_holder, principal, status, stage, next_due_time,
  default_eligible_at, updated_block, facts, defaulted_at`;

/** The loan's status at `now`: from its chain facts when stored, else the status stored with its row. */
function statusOf(row: StatusRow, now: bigint): LoanStatus {
  if (row.facts === null) return Number(row.status) as LoanStatus;
  const view = toLoanView(
    decodeLoanFacts(row.facts),
    keeperFactsFrom({ defaultedAt: row.defaulted_at, progress: undefined }),
  );
  return statusAt(view, now);
}

const toSummary = (row: LoanRow, status: LoanStatus): LoanSummary => ({
  id: row.id,
  templateId: row.template_id,
  borrower: row.borrower,
  claimHolder: row.claim_holder,
  principal: row.principal,
  status,
  stage: Number(row.stage),
  nextDueTime: row.next_due_time,
  defaultEligibleAt: row.default_eligible_at,
  updatedBlock: row.updated_block,
});

const inSqliteRange = (value: bigint) => value >= 0n && value <= MAX_SQLITE_INTEGER;

/**
 * The read side of the store, over its database (opened with `defaultSafeIntegers`, as `openStore` does).
 *
 * @example
 * const readModel = createReadModel(db);
 * const { loans, total } = readModel.listLoans({ status: [LoanStatus.Late], limit: 20, now: head.timestamp });
 */
export function createReadModel(db: SqlDatabase): ReadModel {
  // One statement for every filter combination: a null parameter disables its filter.
  const filter = `(CAST(:borrower AS TEXT) IS NULL OR lower(borrower) = lower(:borrower))
    AND (CAST(:templateId AS BIGINT) IS NULL OR template_id = :templateId)`;
  const selectLoans = db.prepare(
    `SELECT ${LOAN_COLUMNS} FROM loans WHERE ${filter} ORDER BY id LIMIT :limit OFFSET :offset`,
  );
  const countLoans = db.prepare(`SELECT count(*) FROM loans WHERE ${filter}`).pluck();
  const selectLoan = db.prepare(`SELECT ${LOAN_COLUMNS} FROM loans WHERE id = ?`);
  const selectStatuses = db.prepare("SELECT status, facts, defaulted_at FROM loans");
  const selectInstallments = db.prepare(
    `SELECT number, due_time, principal, interest, paid, updated_block FROM installments
     WHERE loan_id = ? ORDER BY number`,
  );
  const selectPayments = db.prepare(
    `SELECT block_number, tx_hash, log_index, payer, amount, penalty_paid, interest_paid, principal_paid, prepaid
     FROM payments WHERE loan_id = ? ORDER BY block_number, log_index`,
  );
  const selectEvents = db.prepare(
    `SELECT name, args, block_number, tx_hash, log_index FROM events
     WHERE loan_id = ? ORDER BY block_number, log_index`,
  );
  const selectActions = db.prepare(
    `SELECT key, kind, installment, state, outcome, attempts, last_error, tx_hash, done_block, valid_from
     FROM actions WHERE loan_id = ? ORDER BY id`,
  );
  const selectBankRecords = db.prepare(
    `SELECT source, bank_reference, loan_reference, amount, paid_at, state, relay_tx FROM bank_records
     WHERE loan_id = ? ORDER BY paid_at, id`,
  );
  const selectActionCounts = db.prepare(
    `SELECT kind, state, outcome, count(*) AS count FROM actions GROUP BY kind, state, outcome
     ORDER BY kind, state, outcome`,
  );
  const countPendingTransactions = db.prepare("SELECT count(*) FROM transactions WHERE state = 'sent'").pluck();
  const countDuplicateActions = db
    .prepare(
      `SELECT count(*) FROM (
         SELECT transaction_actions.action_id FROM transaction_actions
         JOIN transactions ON transactions.hash = transaction_actions.tx_hash
         WHERE transactions.state = 'mined' AND transaction_actions.skipped IS NULL
         GROUP BY transaction_actions.action_id HAVING count(*) > 1
       ) AS duplicated`,
    )
    .pluck();

  return {
    listLoans(parameters) {
      const { status, borrower, templateId, now } = parameters;
      const limit = parameters.limit ?? DEFAULT_LIST_LIMIT;
      const offset = parameters.offset ?? 0;
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new RangeError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${limit}`);
      }
      if (!Number.isSafeInteger(offset) || offset < 0) {
        throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
      }
      if (templateId !== undefined && !inSqliteRange(templateId)) return { loans: [], total: 0 };
      const filters = { borrower: borrower ?? null, templateId: templateId ?? null };

      if (status === undefined) {
        const rows = selectLoans.all({ ...filters, limit, offset }) as LoanRow[];
        const total = Number(countLoans.get(filters) as bigint);
        return { loans: rows.map((row) => toSummary(row, statusOf(row, now))), total };
      }

      // The status is computed, not stored: scan the filtered book, keep the page, count the rest.
      const wanted = new Set(status);
      const loans: LoanSummary[] = [];
      let total = 0;
      for (const row of selectLoans.iterate({ ...filters, limit: NO_LIMIT, offset: 0 }) as IterableIterator<LoanRow>) {
        const computed = statusOf(row, now);
        if (!wanted.has(computed)) continue;
        if (total >= offset && loans.length < limit) loans.push(toSummary(row, computed));
        total += 1;
      }
      return { loans, total };
    },

    loanDetail(id, now) {
      if (!inSqliteRange(id)) return null;
      const row = selectLoan.get(id) as LoanRow | undefined;
      if (row === undefined) return null;
      const installments = selectInstallments.all(id) as {
        number: bigint;
        due_time: bigint;
        principal: string;
        interest: string;
        paid: string;
        updated_block: bigint;
      }[];
      const payments = selectPayments.all(id) as {
        block_number: bigint;
        tx_hash: Hash;
        log_index: bigint;
        payer: Address;
        amount: string;
        penalty_paid: string;
        interest_paid: string;
        principal_paid: string;
        prepaid: string;
      }[];
      const events = selectEvents.all(id) as {
        name: string;
        args: string;
        block_number: bigint;
        tx_hash: Hash;
        log_index: bigint;
      }[];
      const actions = selectActions.all(id) as {
        key: string;
        kind: string;
        installment: bigint;
        state: ActionState;
        outcome: string | null;
        attempts: bigint;
        last_error: string | null;
        tx_hash: Hash | null;
        done_block: bigint | null;
        valid_from: bigint | null;
      }[];
      const bankRecords = selectBankRecords.all(id) as {
        source: string;
        bank_reference: string;
        loan_reference: string;
        amount: string;
        paid_at: bigint;
        state: BankRecordState;
        relay_tx: Hash | null;
      }[];
      return {
        loan: toSummary(row, statusOf(row, now)),
        installments: installments.map((i) => ({
          number: Number(i.number),
          dueTime: i.due_time,
          principal: i.principal,
          interest: i.interest,
          paid: i.paid,
          updatedBlock: i.updated_block,
        })),
        payments: payments.map((p) => ({
          blockNumber: p.block_number,
          txHash: p.tx_hash,
          logIndex: Number(p.log_index),
          payer: p.payer,
          amount: p.amount,
          penaltyPaid: p.penalty_paid,
          interestPaid: p.interest_paid,
          principalPaid: p.principal_paid,
          prepaid: p.prepaid,
        })),
        events: events.map((e) => ({
          name: e.name,
          args: JSON.parse(e.args) as Record<string, unknown>,
          blockNumber: e.block_number,
          txHash: e.tx_hash,
          logIndex: Number(e.log_index),
        })),
        actions: actions.map((a) => ({
          key: a.key,
          kind: a.kind,
          installment: Number(a.installment),
          state: a.state,
          outcome: a.outcome,
          attempts: Number(a.attempts),
          lastError: a.last_error,
          txHash: a.tx_hash,
          doneBlock: a.done_block,
          validFrom: a.valid_from,
        })),
        bankRecords: bankRecords.map((b) => ({
          source: b.source,
          bankReference: b.bank_reference,
          loanReference: b.loan_reference,
          amount: b.amount,
          paidAt: b.paid_at,
          state: b.state,
          relayTx: b.relay_tx,
        })),
      };
    },

    loansByStatus(now) {
      const counts = new Map<LoanStatus, number>();
      for (const row of selectStatuses.iterate() as IterableIterator<StatusRow>) {
        const status = statusOf(row, now);
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
      return counts;
    },

    actionsByKindAndOutcome() {
      const rows = selectActionCounts.all() as {
        kind: string;
        state: ActionState;
        outcome: string | null;
        count: bigint;
      }[];
      return rows.map((row) => ({ kind: row.kind, state: row.state, outcome: row.outcome, count: Number(row.count) }));
    },

    pendingTransactionCount: () => Number(countPendingTransactions.get() as bigint),
    duplicateActionCount: () => Number(countDuplicateActions.get() as bigint),
  };
}

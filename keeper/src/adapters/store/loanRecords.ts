import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Address } from "viem";
import { FLAGS_PAID_OFF } from "../../core/decisions.ts";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type {
  InsertEventParameters,
  InsertPaymentParameters,
  InstallmentRecord,
  LoanCheckCursor,
  LoanFactsRow,
  LoanRecord,
  NextCheckParameters,
  UpsertLoanParameters,
} from "./types.ts";

interface LoanRow {
  id: bigint;
  template_id: bigint;
  borrower: Address;
  claim_holder: Address;
  principal: string;
  status: bigint;
  stage: bigint;
  flags: bigint;
  next_due_time: bigint | null;
  default_eligible_at: bigint | null;
  updated_block: bigint;
  stale: bigint;
  facts: string | null;
  defaulted_at: bigint | null;
}

interface FactsRow {
  id: bigint;
  facts: string | null;
  defaulted_at: bigint | null;
  next_check_at: bigint | null;
}

interface InstallmentRow {
  number: bigint;
  due_time: bigint;
  principal: string;
  interest: string;
  paid: string;
}

const toLoan = (row: LoanRow): LoanRecord => ({
  id: row.id,
  templateId: row.template_id,
  borrower: row.borrower,
  claimHolder: row.claim_holder,
  principal: fromDbAmount(row.principal),
  status: Number(row.status),
  stage: Number(row.stage),
  flags: Number(row.flags),
  nextDueTime: row.next_due_time,
  defaultEligibleAt: row.default_eligible_at,
  updatedBlock: row.updated_block,
  stale: row.stale === 1n,
  facts: row.facts,
  defaultedAt: row.defaulted_at,
});

const toFactsRow = (row: FactsRow): LoanFactsRow => ({
  id: row.id,
  facts: row.facts,
  defaultedAt: row.defaulted_at,
  nextCheckAt: row.next_check_at,
});

const toInstallment = (row: InstallmentRow): InstallmentRecord => ({
  number: Number(row.number),
  dueTime: row.due_time,
  principal: fromDbAmount(row.principal),
  interest: fromDbAmount(row.interest),
  paid: fromDbAmount(row.paid),
});

/** JSON with bigints as decimal strings (JSON has no integers beyond 2^53). */
const argsJson = (args: Readonly<Record<string, unknown>>) =>
  JSON.stringify(args, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));

/** The keeper's view of the loans and the chain facts about them: loans, installments, events, payments. */
export function createLoanRecords(db: SqlDatabase) {
  // Stored facts are new facts: the loan is decided again at the next pass (next_check_at 0), whatever its stored
  // time said; a loan paid off or not read is never decided (NULL) until its facts change again.
  const upsertLoanRow = db.prepare(
    `INSERT INTO loans (id, template_id, borrower, claim_holder, principal, status, stage, flags, next_due_time,
       default_eligible_at, updated_block, stale, facts, defaulted_at, next_check_at)
     VALUES (:id, :templateId, :borrower, :claimHolder, :principal, :status, :stage, :flags, :nextDueTime,
       :defaultEligibleAt, :updatedBlock, 0, :facts, :defaultedAt, :nextCheckAt)
     ON CONFLICT (id) DO UPDATE SET template_id = excluded.template_id, borrower = excluded.borrower,
       claim_holder = excluded.claim_holder, principal = excluded.principal, status = excluded.status,
       stage = excluded.stage, flags = excluded.flags, next_due_time = excluded.next_due_time,
       default_eligible_at = excluded.default_eligible_at, updated_block = excluded.updated_block, stale = 0,
       facts = excluded.facts, defaulted_at = excluded.defaulted_at, next_check_at = excluded.next_check_at`,
  );
  // Through loans_next_check, in (next_check_at, id) order from the cursor: a page never repeats a loan.
  const selectDueLoans = db.prepare(
    `SELECT id, facts, defaulted_at, next_check_at FROM loans
     WHERE next_check_at <= :now AND (next_check_at, id) > (:afterAt, :afterId)
     ORDER BY next_check_at, id LIMIT :limit`,
  );
  const selectLoanPage = db.prepare(
    "SELECT id, facts, defaulted_at, next_check_at FROM loans WHERE id > ? ORDER BY id LIMIT ?",
  );
  // Active (1) or Late (2) as last recorded: the loans whose collateral the watcher reads.
  const selectWatchedPage = db.prepare(
    "SELECT id, facts, defaulted_at, next_check_at FROM loans " +
      "WHERE template_id = ? AND id > ? AND status IN (1, 2) ORDER BY id LIMIT ?",
  );
  const selectUpdatedSince = db.prepare(
    "SELECT id, updated_block FROM loans WHERE updated_block >= ? AND id > ? ORDER BY id LIMIT ?",
  );
  const selectLoanFacts = db.prepare("SELECT id, facts, defaulted_at, next_check_at FROM loans WHERE id = ?");
  const updateNextCheck = db.prepare("UPDATE loans SET next_check_at = ? WHERE id = ?");
  const selectLoan = db.prepare("SELECT * FROM loans WHERE id = ?");
  const selectStaleLoanIds = db.prepare("SELECT id FROM loans WHERE stale = 1 ORDER BY id");
  const deleteLoanRow = db.prepare("DELETE FROM loans WHERE id = ?");
  const deleteInstallments = db.prepare("DELETE FROM installments WHERE loan_id = ?");
  const insertInstallment = db.prepare(
    `INSERT INTO installments (loan_id, number, due_time, principal, interest, paid, updated_block)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectInstallments = db.prepare(
    "SELECT number, due_time, principal, interest, paid FROM installments WHERE loan_id = ? ORDER BY number",
  );
  const insertEventRow = db.prepare(
    `INSERT INTO events (block_number, block_hash, tx_hash, log_index, address, name, loan_id, args)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tx_hash, log_index) DO NOTHING`,
  );
  const insertPaymentRow = db.prepare(
    `INSERT INTO payments (loan_id, tx_hash, log_index, block_number, payer, amount, penalty_paid, interest_paid,
       principal_paid, prepaid)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tx_hash, log_index) DO NOTHING`,
  );

  const selectOrigination = db.prepare(
    "SELECT args FROM events WHERE loan_id = ? AND name = 'LoanOriginated' ORDER BY block_number DESC LIMIT 1",
  );

  return {
    /** The principal its `LoanOriginated` event gave (null: no such event stored). */
    loanPrincipalFromEvents(id: bigint): bigint | null {
      const row = selectOrigination.get(id) as { args: string } | undefined;
      if (row === undefined) return null;
      return BigInt((JSON.parse(row.args) as { principal: string }).principal);
    },

    /** Writes the loan as read at `updatedBlock`, clearing its stale mark. */
    upsertLoan(loan: UpsertLoanParameters): void {
      upsertLoanRow.run({
        id: loan.id,
        templateId: loan.templateId,
        borrower: loan.borrower,
        claimHolder: loan.claimHolder,
        principal: toDbAmount(loan.principal),
        status: loan.status,
        stage: loan.stage,
        flags: loan.flags,
        nextDueTime: loan.nextDueTime,
        defaultEligibleAt: loan.defaultEligibleAt,
        updatedBlock: loan.updatedBlock,
        facts: loan.facts ?? null,
        defaultedAt: loan.defaultedAt ?? null,
        nextCheckAt: loan.facts == null || (loan.flags & FLAGS_PAID_OFF) !== 0 ? null : 0n,
      });
    },

    /**
     * Up to `limit` loans whose next check is at or before chain time `now`, in order of that time then id, after
     * `after` (null: from the first). Reads the index only: a pass over a large book touches the loans due.
     */
    loansDueForCheck(now: bigint, after: LoanCheckCursor | null, limit: number): LoanFactsRow[] {
      const rows = selectDueLoans.all({
        now,
        afterAt: after?.nextCheckAt ?? -1n,
        afterId: after?.id ?? 0n,
        limit,
      }) as FactsRow[];
      return rows.map(toFactsRow);
    },

    /** Up to `limit` loans with an id above `afterId`, by id, whatever their next check (a full pass). */
    loanFactsPage(afterId: bigint, limit: number): LoanFactsRow[] {
      return (selectLoanPage.all(afterId, limit) as FactsRow[]).map(toFactsRow);
    },

    /** Up to `limit` loans of template `templateId`, Active or Late as last recorded, with an id above `afterId`. */
    openLoansOfTemplate(templateId: bigint, afterId: bigint, limit: number): LoanFactsRow[] {
      return (selectWatchedPage.all(templateId, afterId, limit) as FactsRow[]).map(toFactsRow);
    },

    /** Up to `limit` loans whose facts were last updated at block `block` or later, by id after `afterId`. */
    loansUpdatedSince(block: bigint, afterId: bigint, limit: number): { id: bigint; updatedBlock: bigint }[] {
      return (selectUpdatedSince.all(block, afterId, limit) as { id: bigint; updated_block: bigint }[]).map((row) => ({
        id: BigInt(row.id),
        updatedBlock: BigInt(row.updated_block),
      }));
    },

    /** The loan's facts as the decision pass reads them; undefined: no such loan. */
    loanFactsOf(id: bigint): LoanFactsRow | undefined {
      const row = selectLoanFacts.get(id) as FactsRow | undefined;
      return row && toFactsRow(row);
    },

    /** Stores when each loan is next to be decided. */
    setNextChecks(checks: readonly NextCheckParameters[]): void {
      for (const check of checks) updateNextCheck.run(check.nextCheckAt, check.id);
    },

    getLoan(id: bigint): LoanRecord | undefined {
      const row = selectLoan.get(id) as LoanRow | undefined;
      return row && toLoan(row);
    },

    /** Loans a reorg left stale, by id. */
    staleLoanIds(): bigint[] {
      return (selectStaleLoanIds.all() as { id: bigint }[]).map((row) => row.id);
    },

    /** Forgets a loan (one the chain no longer has after a reorg), with its installments. */
    deleteLoan(id: bigint): void {
      deleteLoanRow.run(id);
    },

    /** Replaces the loan's installments with those read at `block` (a prepayment can reshape the schedule). */
    replaceInstallments(loanId: bigint, block: bigint, installments: readonly InstallmentRecord[]): void {
      deleteInstallments.run(loanId);
      for (const i of installments) {
        insertInstallment.run(
          loanId,
          i.number,
          i.dueTime,
          toDbAmount(i.principal),
          toDbAmount(i.interest),
          toDbAmount(i.paid),
          block,
        );
      }
    },

    getInstallments(loanId: bigint): InstallmentRecord[] {
      return (selectInstallments.all(loanId) as InstallmentRow[]).map(toInstallment);
    },

    /** Stores a decoded log once; false when it was already stored (same transaction hash and log index). */
    insertEvent(event: InsertEventParameters): boolean {
      const { blockNumber, blockHash, txHash, logIndex, address, name, loanId, args } = event;
      const result = insertEventRow.run(
        blockNumber,
        blockHash,
        txHash,
        logIndex,
        address,
        name,
        loanId,
        argsJson(args),
      );
      return result.changes === 1;
    },

    /** Stores a payment once; false when it was already stored (same transaction hash and log index). */
    insertPayment(payment: InsertPaymentParameters): boolean {
      const result = insertPaymentRow.run(
        payment.loanId,
        payment.txHash,
        payment.logIndex,
        payment.blockNumber,
        payment.payer,
        toDbAmount(payment.amount),
        toDbAmount(payment.penaltyPaid),
        toDbAmount(payment.interestPaid),
        toDbAmount(payment.principalPaid),
        toDbAmount(payment.prepaid),
      );
      return result.changes === 1;
    },
  };
}

/**
 * The suspense queue's two doors: an operator assigns a suspense record to a loan (it is then matched, and relayed
 * like any other), and the keeper moves a matched record back to suspense when the chain refuses to credit it (a
 * payment above what the loan owes, a loan already paid off), with the reason, for an operator to refund or assign.
 */
import type { SqlDatabase } from "./sqlDatabase.ts";

export type AssignBankRecordResult =
  | { readonly kind: "assigned" }
  | { readonly kind: "notFound" }
  | { readonly kind: "wrongState"; readonly state: string };

export function createBankSuspense(db: SqlDatabase) {
  const selectState = db.prepare("SELECT state FROM bank_records WHERE id = ?");
  const assign = db.prepare(
    `UPDATE bank_records SET state = 'matched', loan_id = ?, loan_reference = ?, assigned_by = ?, assigned_at_ms = ?,
       updated_at_ms = ? WHERE id = ? AND state = 'suspense'`,
  );
  const suspend = db.prepare(
    `UPDATE bank_records SET state = 'suspense', reason = ?, updated_at_ms = ?
     WHERE bank_reference = ? AND state = 'matched'`,
  );

  const countByState = db.prepare("SELECT state, COUNT(*) AS n FROM bank_records GROUP BY state");

  return {
    /** Bank records by state. */
    bankRecordCounts(): Record<string, number> {
      const counts: Record<string, number> = { matched: 0, suspense: 0, relayed: 0 };
      for (const row of countByState.all() as { state: string; n: bigint }[]) counts[row.state] = Number(row.n);
      return counts;
    },

    /** Matches suspense record `id` to loan `loanId` on an operator's word (`operator` is kept for the audit). */
    assignBankRecord(id: number, loanId: bigint, operator: string, nowMs: number): AssignBankRecordResult {
      return db.transaction((): AssignBankRecordResult => {
        const row = selectState.get(id) as { state: string } | undefined;
        if (row === undefined) return { kind: "notFound" };
        if (row.state !== "suspense") return { kind: "wrongState", state: row.state };
        assign.run(loanId, `LOAN-${loanId}`, operator, nowMs, nowMs, id);
        return { kind: "assigned" };
      })();
    },

    /** Moves a matched record the chain will not credit back to suspense; false when it was not matched. */
    suspendBankRecord(bankReference: string, reason: string, nowMs: number): boolean {
      return suspend.run(reason, nowMs, bankReference).changes === 1;
    },
  };
}

export type BankSuspense = ReturnType<typeof createBankSuspense>;

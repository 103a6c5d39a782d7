import type { SqlDatabase } from "./sqlDatabase.ts";
import type { Hash } from "viem";
import { fromDbAmount, toDbAmount } from "./amounts.ts";
import type {
  BankRecordPage,
  BankRecordRow,
  BankRecordState,
  InsertBankRecordParameters,
  ListBankRecordsParameters,
} from "./types.ts";

interface Row {
  id: bigint;
  source: string;
  bank_reference: string;
  loan_reference: string;
  loan_id: bigint | null;
  amount: string;
  paid_at: bigint;
  raw_payload: string;
  state: BankRecordState;
  relay_tx: Hash | null;
  reason: string | null;
  received_at_ms: bigint;
}

const toRecord = (row: Row): BankRecordRow => ({
  id: Number(row.id),
  source: row.source,
  bankReference: row.bank_reference,
  loanReference: row.loan_reference,
  loanId: row.loan_id,
  amount: fromDbAmount(row.amount),
  paidAt: row.paid_at,
  rawPayload: row.raw_payload,
  state: row.state,
  relayTx: row.relay_tx,
  reason: row.reason,
  receivedAtMs: Number(row.received_at_ms),
});

/** Payments banks reported: stored once per bank reference, matched to a loan, relayed on chain once. */
export function createBankRecords(db: SqlDatabase) {
  const insert = db.prepare(
    `INSERT INTO bank_records (source, bank_reference, loan_reference, loan_id, amount, paid_at, raw_payload, state,
       reason, received_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bank_reference) DO NOTHING`,
  );
  const selectByReference = db.prepare("SELECT * FROM bank_records WHERE bank_reference = ?");
  const selectOfLoan = db.prepare("SELECT * FROM bank_records WHERE loan_id = ? ORDER BY paid_at, id");
  const selectMatchedLoanIds = db.prepare(
    "SELECT DISTINCT loan_id FROM bank_records WHERE state = 'matched' ORDER BY loan_id",
  );
  const selectPage = db.prepare(
    `SELECT * FROM bank_records WHERE (CAST(:state AS TEXT) IS NULL OR state = :state) ORDER BY id DESC LIMIT :limit OFFSET :offset`,
  );
  const selectCount = db.prepare(
    "SELECT COUNT(*) AS total FROM bank_records WHERE (CAST(:state AS TEXT) IS NULL OR state = :state)",
  );
  const updateRelayed = db.prepare(
    "UPDATE bank_records SET state = 'relayed', relay_tx = ?, updated_at_ms = ? WHERE bank_reference = ?",
  );

  return {
    /** Stores a reported payment once per bank reference; false (and nothing written) for a reference already held. */
    insertBankRecord(record: InsertBankRecordParameters, now: number): boolean {
      const state: BankRecordState = record.loanId === null ? "suspense" : "matched";
      return (
        insert.run(
          record.source,
          record.bankReference,
          record.loanReference,
          record.loanId,
          toDbAmount(record.amount),
          record.paidAt,
          record.rawPayload,
          state,
          record.reason ?? null,
          now,
          now,
        ).changes === 1
      );
    },

    getBankRecord(bankReference: string): BankRecordRow | undefined {
      const row = selectByReference.get(bankReference) as Row | undefined;
      return row && toRecord(row);
    },

    /** One page of records, newest (last stored) first, optionally in one state. */
    listBankRecords({ state, limit, offset }: ListBankRecordsParameters): BankRecordPage {
      const filter = { state: state ?? null };
      const rows = selectPage.all({ ...filter, limit, offset }) as Row[];
      const { total } = selectCount.get(filter) as { total: bigint };
      return { records: rows.map(toRecord), total: Number(total) };
    },

    bankRecordsOfLoan(loanId: bigint): BankRecordRow[] {
      return (selectOfLoan.all(loanId) as Row[]).map(toRecord);
    },

    /** Loans with a matched payment not yet relayed. */
    loansWithMatchedBankRecords(): bigint[] {
      return (selectMatchedLoanIds.all() as { loan_id: bigint }[]).map((row) => row.loan_id);
    },

    /** The chain credited the payment (its `BankPaymentRecorded` was seen, or its reference was already used). */
    markBankRecordRelayed(bankReference: string, txHash: Hash | null, now: number): void {
      updateRelayed.run(txHash, now, bankReference);
    },
  };
}

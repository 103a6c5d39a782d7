/**
 * What a bank statement parser returns, whatever the file's format: the payments it reports (each validated by the
 * webhook's own rules, `bankPaymentSchema`), the entries that are not payments (debits, pending, reversals) and the
 * entries that could not be read (quarantined, never stored as payments).
 */
import type { BankPayment } from "../bankPayment.ts";

export type StatementFormat = "camt.053.001.02" | "camt.053.001.08" | "csv";

/** A payment the statement reports: the webhook's validated payment, and where it sits in the file. */
export type ParsedEntry = BankPayment & {
  /** e.g. `row 4` (CSV) or `Stmt 1 Ntry 3 TxDtls 2` (camt.053). */
  readonly position: string;
};

/** An entry that is not a payment to the lender, with why (e.g. `debit (DBIT)`). */
export interface IgnoredEntry {
  readonly reference: string;
  readonly reason: string;
}

/** An entry that could not be read as a payment: quarantined with its raw text and the error. */
export interface InvalidEntry {
  readonly reference?: string;
  readonly position: string;
  /** The row as written (CSV) or the entry as parsed, in JSON (camt.053). */
  readonly raw: string;
  readonly error: string;
}

export interface ParsedStatement {
  readonly format: StatementFormat;
  /** `Stmt/Id` (camt.053) or the file's sha256 (CSV, which has no statement id). */
  readonly statementId: string;
  /** The account's IBAN or other id, when the statement names it. */
  readonly account?: string;
  readonly entries: ParsedEntry[];
  readonly ignored: IgnoredEntry[];
  readonly invalid: InvalidEntry[];
}

/** The whole file is refused (malformed XML, unknown namespace, wrong CSV header): nothing in it is used. */
export class StatementError extends Error {
  override readonly name = "StatementError";
}

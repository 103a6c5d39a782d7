/**
 * What the engine knows about each loan as the days go: the borrower's own record (the next installment it means to
 * pay, its commitment, its objection, its bank payments) and the chain's facts it reacts to, read from the loan
 * book's events after each day (a default, a breach, a decision, the loan closing).
 */
import type { Address, Hex, PrivateKeyAccount } from "viem";
import type { LoanScript } from "./behaviours.ts";

export interface CommitmentRecord {
  /** The day it was submitted. */
  readonly day: number;
  /** The days its installments fall due, and their amounts. */
  readonly dueDays: readonly number[];
  readonly amounts: readonly bigint[];
  /** Installments the borrower paid. */
  paid: number;
}

export interface BankPaymentRecord {
  readonly day: number;
  readonly installment: number;
  /** The bank's own reference and the hash the chain credits once. */
  readonly bankReference: string;
  readonly bankReferenceHash: Hex;
  readonly amount: bigint;
  readonly paidAt: bigint;
}

export interface LoanProgress {
  /** The next installment the borrower means to pay (1-based; past the last: done). */
  nextInstallment: number;
  autoDebitOn: boolean;
  /** The day the current default was declared, and by whom (null: not in default). */
  defaultedDay: number | null;
  defaultedBy: Address | null;
  /** Every `LoanDefaulted` of the loan: the day and the actor. */
  readonly defaults: { day: number; actor: Address }[];
  commitment: CommitmentRecord | null;
  breachedDay: number | null;
  readonly breaches: { day: number; actor: Address }[];
  objectionDay: number | null;
  decision: { day: number; upheld: boolean } | null;
  certifiedDay: number | null;
  /** After an upheld objection: the day the borrower paid what was due and went back to paying on time. */
  resumedDay: number | null;
  /** Paid in full (Repaid or Settled). */
  closedDay: number | null;
  readonly bankPayments: BankPaymentRecord[];
}

export function newLoanProgress(): LoanProgress {
  return {
    nextInstallment: 1,
    autoDebitOn: false,
    defaultedDay: null,
    defaultedBy: null,
    defaults: [],
    commitment: null,
    breachedDay: null,
    breaches: [],
    objectionDay: null,
    decision: null,
    certifiedDay: null,
    resumedDay: null,
    closedDay: null,
    bankPayments: [],
  };
}

/** One loan of the demo's book. */
export interface DemoLoan {
  /** Its place in the book (0-based), which also names its borrower's key. */
  readonly index: number;
  readonly loanId: bigint;
  readonly templateId: bigint;
  readonly borrower: PrivateKeyAccount;
  readonly script: LoanScript;
  readonly principal: bigint;
  /** ERC-20 collateral escrowed (0: none). */
  readonly collateral: bigint;
  readonly documentHash: Hex;
  /** Its origination block's time. */
  readonly startTime: bigint;
  readonly progress: LoanProgress;
}

/** A loan book event the engine reacts to, decoded. */
export type BookEvent =
  | { name: "LoanDefaulted"; loanId: bigint; actor: Address }
  | { name: "CommitmentBreached"; loanId: bigint; actor: Address }
  | { name: "ObjectionResolved"; loanId: bigint; upheld: boolean }
  | { name: "DefaultCertified"; loanId: bigint }
  | { name: "LoanRepaid"; loanId: bigint };

/** Applies a day's events to the loans they name. */
export function applyEvent(loan: DemoLoan, event: BookEvent, day: number): void {
  const progress = loan.progress;
  switch (event.name) {
    case "LoanDefaulted":
      progress.defaultedDay = day;
      progress.defaultedBy = event.actor;
      progress.defaults.push({ day, actor: event.actor });
      return;
    case "CommitmentBreached":
      progress.breachedDay = day;
      progress.breaches.push({ day, actor: event.actor });
      return;
    case "ObjectionResolved":
      progress.decision = { day, upheld: event.upheld };
      if (event.upheld) {
        progress.defaultedDay = null;
        progress.defaultedBy = null;
      }
      return;
    case "DefaultCertified":
      progress.certifiedDay = day;
      return;
    case "LoanRepaid":
      progress.closedDay = day;
      return;
  }
}

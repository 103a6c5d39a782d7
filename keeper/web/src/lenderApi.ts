/**
 * The keeper's lender API as the lender's pages read it (`views/lender/`): the portfolio, a loan's evidence, the bank
 * records and the suspense assignment, the contact log. Bigints and amounts arrive as decimal strings (token units),
 * statuses as names. Each call throws an `ApiError` on a refusal: 401 (nobody signed in), 403 (not a lender).
 */
import type { Address, Hash } from "viem";
import { getJson, sendJson, type InstallmentJson, type LoanJson } from "./api.ts";

export interface StatusLineJson {
  readonly status: string;
  readonly loans: number;
  readonly principal: string;
}

export interface AgeingLineJson {
  /** `current`, `1-30`, `31-60`, `61-90`, `90+`. */
  readonly bucket: string;
  readonly minDays: number;
  readonly maxDays: number | null;
  readonly loans: number;
  readonly outstanding: string;
}

export interface RecoveryFunnelJson {
  readonly defaulted: number;
  readonly certified: number;
  readonly committed: number;
  readonly settled: number;
  readonly enforced: number;
  readonly writtenOff: number;
  readonly writtenOffAmount: string;
}

export interface CollectionMonthJson {
  /** `YYYY-MM`, UTC. */
  readonly month: string;
  readonly payments: number;
  readonly amount: string;
  readonly principal: string;
  readonly interest: string;
  readonly penalty: string;
}

/** `GET /api/portfolio`. */
export interface PortfolioJson {
  /** Chain time (unix seconds) it was computed at. */
  readonly asOf: string;
  readonly loans: number;
  readonly principal: string;
  readonly byStatus: readonly StatusLineJson[];
  readonly arrears: {
    readonly loans: number;
    readonly outstanding: string;
    readonly buckets: readonly AgeingLineJson[];
  };
  readonly recovery: RecoveryFunnelJson;
  readonly collections: readonly CollectionMonthJson[];
  /** Offers the origination checks refused, by reason code (absent when the keeper runs no checks). */
  readonly refusedOriginations?: {
    readonly total: number;
    readonly byReason: Readonly<Record<string, number>>;
  };
}

export interface PaymentJson {
  readonly blockNumber: string;
  readonly txHash: Hash;
  readonly logIndex: number;
  readonly payer: Address;
  readonly amount: string;
  readonly penaltyPaid: string;
  readonly interestPaid: string;
  readonly principalPaid: string;
  readonly prepaid: string;
}

/** One on-chain event of a loan's timeline, where it sits on chain and its block's time (null: not recorded). */
export interface LoanEventJson {
  readonly blockNumber: string;
  readonly blockHash: Hash;
  readonly timestamp: string | null;
  readonly txHash: Hash;
  readonly logIndex: number;
  readonly address: Address;
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** A bank-reported payment of the loan. */
export interface LoanBankRecordJson {
  readonly source: string;
  readonly bankReference: string;
  readonly amount: string;
  readonly paidAt: string;
  readonly state: string;
  readonly relayTx: Hash | null;
}

/** `GET /api/loans/:id/evidence`. */
export interface LoanEvidenceJson {
  readonly format: string;
  readonly generatedAt: string;
  readonly asOf: string;
  readonly chainId: number | null;
  readonly loanBook: Address | null;
  readonly loan: LoanJson;
  readonly installments: readonly InstallmentJson[];
  readonly payments: readonly PaymentJson[];
  readonly bankRecords: readonly LoanBankRecordJson[];
  readonly events: readonly LoanEventJson[];
}

/** A bank record of `GET /bank/records`. */
export interface BankRecordJson {
  readonly id: number;
  readonly source: string;
  readonly bankReference: string;
  readonly loanReference: string;
  readonly loanId: string | null;
  readonly amount: string;
  /** Unix seconds, as the bank reports it. */
  readonly paidAt: string;
  readonly state: string;
  readonly reason: string | null;
  readonly receivedAtMs: number;
}

export interface BankRecordPageJson {
  readonly records: readonly BankRecordJson[];
  readonly total: number;
}

/** An entry of the contact log: a message that went to the borrower, by its hashes. */
export interface ContactLogEntryJson {
  readonly id: number;
  readonly loanId: string;
  readonly borrower: Address;
  /** The reminder's kind (`remindBeforeDue`, `remindLate1` ...). */
  readonly kind: string;
  readonly channel: string;
  readonly recipientHash: Hash;
  readonly contentHash: Hash;
  /** Chain time it went out. */
  readonly sentAt: string;
  /** The anchor batch holding it (null: its batch is still open). */
  readonly anchorId: number | null;
}

/** The portfolio at the keeper's chain time. */
export const getPortfolio = (): Promise<PortfolioJson> => getJson("/api/portfolio");

/** Where a loan's evidence is downloaded from (a same-origin link: the session cookie goes with it). */
export const evidencePath = (loanId: string): string => `/api/loans/${encodeURIComponent(loanId)}/evidence`;

/** Where a loan's court evidence package is downloaded from (`.tar.gz`, read from the chain by the keeper). */
export const evidencePackagePath = (loanId: string): string =>
  `/api/loans/${encodeURIComponent(loanId)}/evidence-package`;

/** A loan's evidence: what the page of the loan shows, and what it downloads. */
export const getLoanEvidence = (loanId: string): Promise<LoanEvidenceJson> => getJson(evidencePath(loanId));

/** Up to `limit` bank records in `state` (`suspense`: the queue), newest first. */
export const listBankRecords = (state: string, limit: number): Promise<BankRecordPageJson> =>
  getJson(`/bank/records?${new URLSearchParams({ state, limit: String(limit) })}`);

/** Matches suspense record `id` to loan `loanId`; the keeper records who did (the signed-in lender's address). */
export const assignBankRecord = (id: number, loanId: string): Promise<{ status: string; assignedBy: string }> =>
  sendJson(`/bank/records/${id}/assign`, { loanId });

/** The contact log of loan `loanId`, oldest first. */
export const getContactLog = (loanId: string): Promise<{ entries: readonly ContactLogEntryJson[] }> =>
  getJson(`/api/contacts/log?${new URLSearchParams({ loanId })}`);

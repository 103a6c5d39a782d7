/**
 * A payment as a bank's webhook reports it, and which loan it pays. Pure: no I/O, no clock.
 *
 * The webhook body (JSON; unknown keys are ignored, and kept in the stored raw payload):
 * ```
 * {
 *   "id": "2026112500001234",                  // the bank's transaction id, unique within that bank
 *   "amount": "91666667",                      // token base units, a canonical positive integer below 2^128
 *   "currency": "USDC",                        // optional, informative
 *   "bookedAt": "2026-11-25T09:30:00+08:00",   // ISO-8601 with an offset (or Z)
 *   "remittanceInformation": "Repayment LOAN-7", // optional: where the payer writes the loan reference
 *   "endToEndId": "E2E-LOAN-7-3"               // optional: also searched for a loan reference
 * }
 * ```
 * A loan reference is `LOAN-<decimal id>`, case-insensitive, as a word of its own (`LOAN-7`, `loan-7`, not
 * `LOAN-7B` or `XLOAN-7`).
 */
import { z } from "zod";

/** Amounts must be below this: the contract keeps amounts in uint128. */
export const MAX_PAYMENT_AMOUNT_EXCLUSIVE = 2n ** 128n;
/** Loan ids the keeper's store can hold (SQLite INTEGER); a larger id cannot be a loan it follows. */
export const MAX_LOAN_ID = 2n ** 63n - 1n;

const BANK_TRANSACTION_ID = /^[\x21-\x7e]{1,128}$/;
const LOAN_REFERENCE = /\bLOAN-([0-9]+)\b/gi;

/** A canonical positive integer string below 2^128, as a bigint; each way of failing has its own message. */
const amountSchema = z
  .string({ message: "amount must be a string of digits (token base units)" })
  .transform((text, context) => {
    const fail = (message: string) => {
      context.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    };
    if (text.startsWith("-")) return fail(`amount must be positive, got ${JSON.stringify(text)}`);
    if (!/^[0-9]+$/.test(text)) {
      return fail(`amount must be an integer in token base units (digits only), got ${JSON.stringify(text)}`);
    }
    if (/^0+$/.test(text)) return fail("amount must be positive, got zero");
    if (text.startsWith("0")) return fail(`amount must not have leading zeros, got ${JSON.stringify(text)}`);
    const amount = BigInt(text);
    if (amount >= MAX_PAYMENT_AMOUNT_EXCLUSIVE) return fail(`amount must be below 2^128, got ${text}`);
    return amount;
  });

/** The webhook body, validated; `bookedAt` becomes `paidAt`, unix seconds. */
export const bankPaymentSchema = z
  .object({
    id: z
      .string({ message: "id (the bank's transaction id) is required" })
      .regex(BANK_TRANSACTION_ID, "id must be 1 to 128 printable ASCII characters without spaces"),
    amount: amountSchema,
    currency: z.string().min(1).max(16, "currency must be at most 16 characters").optional(),
    bookedAt: z.string({ message: "bookedAt is required" }).datetime({
      offset: true,
      message: "bookedAt must be an ISO-8601 date-time with an offset, e.g. 2026-11-25T09:30:00+08:00",
    }),
    remittanceInformation: z.string().max(1024, "remittanceInformation must be at most 1024 characters").optional(),
    endToEndId: z.string().max(128, "endToEndId must be at most 128 characters").optional(),
  })
  .transform((payment) => ({ ...payment, paidAt: BigInt(Math.floor(Date.parse(payment.bookedAt) / 1000)) }));

export type BankPayment = z.output<typeof bankPaymentSchema>;

/** What the reference search found. */
export type LoanReferenceMatch =
  | { readonly kind: "matched"; readonly loanId: bigint }
  | { readonly kind: "unmatched" }
  | { readonly kind: "ambiguous"; readonly loanIds: readonly bigint[] };

/**
 * The loan the payment's text fields name: one distinct `LOAN-<id>` is a match, none is unmatched, several different
 * ones are ambiguous (the same id written twice is still one match).
 *
 * @example
 * matchLoanReference({ remittanceInformation: "Repayment loan-7", endToEndId: "E2E-LOAN-7" }); // { kind: "matched", loanId: 7n }
 */
export function matchLoanReference(fields: {
  readonly remittanceInformation?: string;
  readonly endToEndId?: string;
}): LoanReferenceMatch {
  const ids = new Set<bigint>();
  for (const text of [fields.remittanceInformation, fields.endToEndId]) {
    for (const match of (text ?? "").matchAll(LOAN_REFERENCE)) ids.add(BigInt(match[1]));
  }
  const loanIds = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (loanIds.length === 0) return { kind: "unmatched" };
  if (loanIds.length === 1) return { kind: "matched", loanId: loanIds[0] };
  return { kind: "ambiguous", loanIds };
}

/** Where a payment goes: to a loan (`reason` null), or to the suspense queue with the reason. */
export interface PaymentPlacement {
  readonly loanId: bigint | null;
  /** The loan reference(s) found, e.g. `LOAN-7` or `LOAN-7,LOAN-9`; empty when none. */
  readonly loanReference: string;
  readonly reason: string | null;
}

/**
 * Matches the payment to a loan the keeper follows, or says why it goes to suspense.
 *
 * @example
 * placePayment({ remittanceInformation: "LOAN-7" }, (id) => id === 7n); // { loanId: 7n, loanReference: "LOAN-7", reason: null }
 */
export function placePayment(
  fields: { readonly remittanceInformation?: string; readonly endToEndId?: string },
  isKnownLoan: (loanId: bigint) => boolean,
): PaymentPlacement {
  const match = matchLoanReference(fields);
  if (match.kind === "unmatched") {
    return {
      loanId: null,
      loanReference: "",
      reason: "no loan reference (LOAN-<id>) in remittanceInformation or endToEndId",
    };
  }
  if (match.kind === "ambiguous") {
    const loanReference = match.loanIds.map((id) => `LOAN-${id}`).join(",");
    return { loanId: null, loanReference, reason: `ambiguous: several loan references (${loanReference})` };
  }
  const loanReference = `LOAN-${match.loanId}`;
  if (match.loanId > MAX_LOAN_ID || !isKnownLoan(match.loanId)) {
    return { loanId: null, loanReference, reason: `unknown loan: no loan ${match.loanId} is followed by the keeper` };
  }
  return { loanId: match.loanId, loanReference, reason: null };
}

/**
 * Whether two deliveries report the same payment (same id, amount, booking time and text fields); a redelivery may
 * differ in JSON spacing or key order, not in these.
 *
 * @example
 * samePayment(first, redelivered); // true
 */
export function samePayment(a: BankPayment, b: BankPayment): boolean {
  return (
    a.id === b.id &&
    a.amount === b.amount &&
    a.currency === b.currency &&
    a.paidAt === b.paidAt &&
    a.remittanceInformation === b.remittanceInformation &&
    a.endToEndId === b.endToEndId
  );
}

/** Runs of whitespace as one space, trimmed: a statement may wrap a text the webhook sent on one line. */
const normalizeText = (text: string | undefined): string => (text ?? "").replace(/\s+/g, " ").trim();

/**
 * Whether a payment reported again, possibly by another feed of the same bank (the webhook, then a statement), is the
 * payment already held: the rule that makes it a duplicate rather than a conflict.
 *
 * - the bank reference (`id`), the `amount` and the booking time (`paidAt`, to the second) are equal;
 * - `remittanceInformation` and `endToEndId` are each equal (whitespace runs folded) when both reports carry the field:
 *   a feed may leave one out (a CSV row without an end-to-end id), but may not contradict the other;
 * - `currency` is informative and not compared (a statement says CNY where the webhook gave the token's symbol).
 *
 * @example
 * sameReportedPayment(webhookPayment, { ...webhookPayment, currency: undefined, endToEndId: undefined }); // true
 */
export function sameReportedPayment(
  held: Pick<BankPayment, "id" | "amount" | "paidAt" | "remittanceInformation" | "endToEndId">,
  reported: Pick<BankPayment, "id" | "amount" | "paidAt" | "remittanceInformation" | "endToEndId">,
): boolean {
  const agrees = (a: string | undefined, b: string | undefined) =>
    normalizeText(a) === "" || normalizeText(b) === "" || normalizeText(a) === normalizeText(b);
  return (
    held.id === reported.id &&
    held.amount === reported.amount &&
    held.paidAt === reported.paidAt &&
    agrees(held.remittanceInformation, reported.remittanceInformation) &&
    agrees(held.endToEndId, reported.endToEndId)
  );
}

/**
 * Stores a bank-reported payment once per bank reference, whichever feed reports it (the webhook, a statement file):
 * the one place that decides between a new record, a duplicate and a conflict.
 */
import { bankPaymentSchema, placePayment, sameReportedPayment, type BankPayment } from "../../core/bankPayment.ts";
import type { Store } from "./openStore.ts";
import type { BankRecordRow } from "./types.ts";

export type RecordBankPaymentStore = Pick<Store, "getBankRecord" | "insertBankRecord" | "getLoan">;

export interface RecordBankPaymentParameters {
  readonly source: string;
  readonly payment: BankPayment;
  /** What is kept as the record's raw payload: a webhook body, or the webhook-shaped JSON of a statement entry. */
  readonly rawPayload: string;
}

/** What became of a reported payment. */
export type RecordBankPaymentReturnType =
  | { readonly kind: "stored"; readonly record: BankRecordRow }
  | { readonly kind: "duplicate"; readonly record: BankRecordRow }
  | { readonly kind: "conflict"; readonly record: BankRecordRow };

/** The payment a stored record holds, when its raw payload is webhook-shaped (older feeds stored other shapes). */
function storedPayment(record: BankRecordRow): BankPayment | undefined {
  try {
    const parsed = bankPaymentSchema.safeParse(JSON.parse(record.rawPayload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Looks the bank reference up and stores the payment if it is new (matched to a loan by `placePayment`, or in
 * suspense with the reason). A reference already held is a `duplicate` when it is the same payment from the same
 * source (`sameReportedPayment`: reference, amount and booking time equal, texts not contradicting), else a
 * `conflict`; either way nothing is written. Call it inside `store.transaction`, so that no other writer slips
 * between the look-up and the insert.
 *
 * @example
 * const result = store.transaction(() => recordBankPayment(store, { source: "icbc", payment, rawPayload: body }));
 * result.kind; // "stored", "duplicate" or "conflict"
 */
export function recordBankPayment(
  store: RecordBankPaymentStore,
  { source, payment, rawPayload }: RecordBankPaymentParameters,
): RecordBankPaymentReturnType {
  const existing = store.getBankRecord(payment.id);
  if (existing !== undefined) {
    const held = existing.source === source ? storedPayment(existing) : undefined;
    const same = held !== undefined && sameReportedPayment(held, payment);
    return { kind: same ? "duplicate" : "conflict", record: existing };
  }
  const placement = placePayment(payment, (loanId) => store.getLoan(loanId) !== undefined);
  store.insertBankRecord({
    source,
    bankReference: payment.id,
    loanReference: placement.loanReference,
    loanId: placement.loanId,
    amount: payment.amount,
    paidAt: payment.paidAt,
    rawPayload,
    reason: placement.reason,
  });
  const record = store.getBankRecord(payment.id);
  if (record === undefined) throw new Error(`bank record ${payment.id} was not stored`);
  return { kind: "stored", record };
}

/**
 * The quarantine's error text for a conflict: names the record already held, so a person can compare both.
 *
 * @example
 * conflictError(record, "icbc"); // 'bank reference "TX-1" is already stored (bank record 12, amount 500) with a different payment'
 */
export function conflictError(record: BankRecordRow, source: string): string {
  const from = record.source === source ? "" : ` from another source (${record.source})`;
  return (
    `bank reference ${JSON.stringify(record.bankReference)} is already stored${from} ` +
    `(bank record ${record.id}, amount ${record.amount}, paid at ${record.paidAt}) with a different payment`
  );
}

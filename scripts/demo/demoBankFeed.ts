/**
 * The demo's stand-in for the lender's bank feed (issue 6 brings the signed webhook and the statement parsers): a
 * payment a borrower made at the lender's bank goes straight into the keeper's database as a matched bank record,
 * the way the webhook will store it before answering 2xx. The keeper relays it on chain with its bank signer's
 * attestation, once per bank reference.
 */
import { bankReferenceHashOf } from "../../keeper/src/core/bankReference.ts";
import { openStore, type Store } from "../../keeper/src/adapters/store/openStore.ts";
import type { Hex } from "viem";

/** The `source` of the demo's records: the bank's identifier in the bank reference hash. */
export const DEMO_BANK = "DEMO-BANK";

export interface DemoBankPayment {
  readonly loanId: bigint;
  /** The bank's own transaction reference. */
  readonly bankReference: string;
  readonly amount: bigint;
  /** When it was paid at the bank (unix seconds): the chain credits it as of then. */
  readonly paidAt: bigint;
}

export interface DemoBankFeed {
  /** Stores the payment for the keeper (once per reference); returns the hash the chain will credit once. */
  report(payment: DemoBankPayment): Hex;
  close(): void;
}

/**
 * @example
 * const feed = createDemoBankFeed({ dbPath: ".keeper/demo.sqlite" });
 * feed.report({ loanId: 7n, bankReference: "DEMO-1-L7-I3", amount: 91_666_667n, paidAt });
 */
export function createDemoBankFeed({ dbPath }: { dbPath: string }): DemoBankFeed {
  // Opened on first use: the keeper creates the database when it starts.
  let store: Store | null = null;
  return {
    report(payment) {
      store ??= openStore(dbPath);
      const loanReference = `LOAN-${payment.loanId}`;
      const inserted = store.insertBankRecord({
        source: DEMO_BANK,
        bankReference: payment.bankReference,
        loanReference,
        loanId: payment.loanId,
        amount: payment.amount,
        paidAt: payment.paidAt,
        rawPayload: JSON.stringify({
          bank: DEMO_BANK,
          reference: payment.bankReference,
          remittance: loanReference,
          amount: payment.amount.toString(),
          bookedAt: new Date(Number(payment.paidAt) * 1_000).toISOString(),
        }),
      });
      if (!inserted) throw new Error(`bank reference ${payment.bankReference} was already reported`);
      return bankReferenceHashOf(DEMO_BANK, payment.bankReference);
    },
    close() {
      store?.close();
      store = null;
    },
  };
}

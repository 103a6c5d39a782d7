/**
 * The demo's bank: a payment a borrower made at the lender's bank is reported to the keeper the way a real bank
 * reports it, a signed `POST /bank/webhook` (`Bank-Source`, `Bank-Signature: t=<unix>,v1=<hmac>`; the body of
 * `keeper/src/core/bankPayment.ts`, amount in base units, booked at the payment's chain time). The keeper stores it
 * before answering 2xx and relays it on chain with its bank signer's attestation, once per bank reference.
 *
 * Like a real bank it delivers at least once: while the keeper does not answer (restarting after a crash) or answers
 * 5xx, it signs again and retries after a short pause; 201 (stored) and 200 (a repeated delivery) are success, any
 * other answer is an error carrying the keeper's body.
 */
import type { Hex } from "viem";
import { bankReferenceHashOf } from "../../keeper/src/core/bankReference.ts";
import { SIGNATURE_HEADER, signWebhook } from "../../keeper/src/core/webhookSignature.ts";
import { SOURCE_HEADER } from "../../keeper/src/http/bankWebhook.ts";
import { DEMO_BANK, DEMO_BANK_SECRET } from "./demoCredentials.ts";

export { DEMO_BANK } from "./demoCredentials.ts";

export interface DemoBankPayment {
  readonly loanId: bigint;
  /** The bank's own transaction reference (the webhook's `id`). */
  readonly bankReference: string;
  readonly amount: bigint;
  /** When it was paid at the bank (unix seconds): the chain credits it as of then. */
  readonly paidAt: bigint;
}

export interface DemoBankFeed {
  /** Reports the payment until the keeper has stored it; returns the hash the chain will credit once. */
  report(payment: DemoBankPayment): Promise<Hex>;
}

export interface CreateDemoBankFeedParameters {
  /** The keeper's HTTP root, `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly source?: string;
  readonly secret?: string;
  /** How long to keep retrying a keeper that does not answer (ms). */
  readonly timeoutMs?: number;
}

/** The keeper refused a payment report (4xx), or did not store it in time. */
export class BankFeedError extends Error {
  override readonly name = "BankFeedError";
}

const RETRY_PAUSE_MS = 100;
const DEFAULT_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * @example
 * const feed = createDemoBankFeed({ url: keeper.url });
 * const hash = await feed.report({ loanId: 7n, bankReference: "DEMO-1-L7-I3", amount: 91_666_667n, paidAt });
 */
export function createDemoBankFeed(parameters: CreateDemoBankFeedParameters): DemoBankFeed {
  const { url, source = DEMO_BANK, secret = DEMO_BANK_SECRET, timeoutMs = DEFAULT_TIMEOUT_MS } = parameters;
  return {
    async report(payment) {
      const body = JSON.stringify({
        id: payment.bankReference,
        amount: payment.amount.toString(),
        currency: "TUSD",
        bookedAt: new Date(Number(payment.paidAt) * 1_000).toISOString(),
        remittanceInformation: `Repayment LOAN-${payment.loanId}`,
      });
      const deadline = performance.now() + timeoutMs;
      let last = "no answer yet";
      for (;;) {
        // Signed anew on each attempt: the keeper accepts a signature for 300 s.
        const t = Math.floor(Date.now() / 1_000);
        const answer = await fetch(`${url}/bank/webhook`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            [SOURCE_HEADER]: source,
            [SIGNATURE_HEADER]: signWebhook(secret, t, body),
          },
          body,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        }).then(
          async (response) => ({ status: response.status, text: await response.text() }),
          (error: unknown) => ({ status: 0, text: error instanceof Error ? error.message : String(error) }),
        );
        if (answer.status === 200 || answer.status === 201) return bankReferenceHashOf(source, payment.bankReference);
        if (answer.status >= 400 && answer.status < 500) {
          throw new BankFeedError(
            `the keeper refused bank payment ${payment.bankReference} (HTTP ${answer.status}): ${answer.text}`,
          );
        }
        last = answer.status === 0 ? answer.text : `HTTP ${answer.status}: ${answer.text}`;
        if (performance.now() > deadline) {
          throw new BankFeedError(
            `the keeper did not store bank payment ${payment.bankReference} within ${timeoutMs} ms (${last})`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    },
  };
}

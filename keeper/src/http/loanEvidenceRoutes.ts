/**
 * `GET /api/loans/:id/evidence`: a loan's evidence as one JSON document to download, for the lender (the claim
 * holder, an admin, an operator) or the loan's own borrower (`requireLoanAccess`): its terms as the keeper follows
 * them, its installments (those owed now and the next one, as the chain lists them), its payments, its bank records,
 * what the keeper did about it (reminders, late marks, defaults: each action with its transaction), the contact log
 * (each message to the borrower by the hashes of its content and recipient, and its anchor batch) and the full
 * on-chain timeline, every event with its block number and hash, transaction hash, log index and block time, so that
 * anyone can check each one against the chain.
 * Read-only; what the store does not hold (a block time it never recorded) is null, never guessed.
 */
import { Router, type Request } from "express";
import type { Address } from "viem";
import { z } from "zod";
import { MAX_LOAN_ID } from "../core/bankPayment.ts";
import { LoanStatus } from "../core/decisions.ts";
import type { Contacts } from "../adapters/store/contacts.ts";
import type { LoanEvents } from "../adapters/store/loanEvents.ts";
import type { ReadModel } from "../adapters/store/readModel.ts";
import type { Auth, AuthLocals } from "./auth/requireAuth.ts";
import { DECIMAL } from "./validation.ts";

/** The document's `format`: what a reader of the file checks before reading on. */
export const LOAN_EVIDENCE_FORMAT = "loanbook.loan-evidence/1";

export interface CreateLoanEvidenceRouterParameters {
  readonly readModel: Pick<ReadModel, "loanDetail">;
  readonly loanEvents: Pick<LoanEvents, "eventsOfLoan">;
  /** The contact log; absent: the document's `contactLog` is null (not known here), never an empty list. */
  readonly contacts?: Pick<Contacts, "contactLogOfLoan">;
  readonly auth: Pick<Auth, "requireLoanAccess">;
  /** Chain time, unix seconds: the loan's status is computed at it. */
  readonly chainNow: () => bigint;
  /** Wall clock, unix ms: when the document was made. */
  readonly clock: () => number;
  /** The chain and the LoanBook the evidence is about (null: not known to the keeper's HTTP server). */
  readonly chainId: number | null;
  readonly loanBook: Address | null;
}

const STATUS_NAME = new Map<number, string>(Object.entries(LoanStatus).map(([name, value]) => [value, name]));
const loanIdParameter = z
  .string()
  .regex(DECIMAL)
  .transform(BigInt)
  .refine((id) => id <= MAX_LOAN_ID);

/** The loan id of a `/api/loans/:id/...` request, or null when it is not one (`requireLoanAccess` answers 404). */
export const loanIdOf = (request: Request): bigint | null => {
  const id = loanIdParameter.safeParse(request.params.id);
  return id.success ? id.data : null;
};

/**
 * The evidence route, mounted by `createHttpServer` when sign-in is configured.
 *
 * @example
 * app.use(createLoanEvidenceRouter({ readModel, loanEvents: store.loanEvents, auth, chainNow, clock, chainId, loanBook }));
 */
export function createLoanEvidenceRouter(parameters: CreateLoanEvidenceRouterParameters): Router {
  const { readModel, loanEvents, contacts, auth, chainNow, clock, chainId, loanBook } = parameters;
  const router = Router();

  router.get("/api/loans/:id/evidence", auth.requireLoanAccess(loanIdOf), (_request, response) => {
    const { id } = (response.locals as AuthLocals).loan!;
    const asOf = chainNow();
    const detail = readModel.loanDetail(id, asOf);
    if (detail === null) {
      response.status(404).json({ error: { code: "unknown_loan", message: `No loan ${id}` } });
      return;
    }
    const { loan, installments, payments, bankRecords, actions } = detail;
    response
      .set("Cache-Control", "no-store")
      .attachment(`loan-${id}-evidence.json`)
      .json({
        format: LOAN_EVIDENCE_FORMAT,
        generatedAt: new Date(clock()).toISOString(),
        asOf,
        chainId,
        loanBook,
        loan: { ...loan, status: STATUS_NAME.get(loan.status) ?? String(loan.status) },
        installments,
        payments,
        bankRecords,
        keeperActions: actions,
        contactLog: contacts?.contactLogOfLoan(id) ?? null,
        events: loanEvents.eventsOfLoan(id),
      });
  });

  return router;
}

/**
 * The execution certificate's way to the notary: the loan's claim holder applies with the hashes of the three
 * documents (`POST /api/loans/:id/certificate-application`), and a notary reads the defaults waiting for a
 * certificate with the chain facts behind each (`GET /api/notary/queue`), then signs and submits `certify` from the
 * web app with its own wallet. The chain decides: the queue only lists loans in default now, whose parties the
 * notary is not, as the contract requires.
 */
import express, { Router, type Request, type Response } from "express";
import type { Logger } from "pino";
import { isAddressEqual, zeroHash, type Hex } from "viem";
import { z } from "zod";
import { LoanStatus } from "../core/decisions.ts";
import type { CertificateApplications } from "../adapters/store/certificateApplications.ts";
import type { EventView, LoanDetail, ReadModel } from "../adapters/store/readModel.ts";
import type { Auth, AuthLocals, Principal } from "./auth/requireAuth.ts";
import { badRequest, DECIMAL } from "./validation.ts";

export interface CreateNotaryRouterParameters {
  readonly store: {
    readonly certificateApplications: CertificateApplications;
    readonly readModel: Pick<ReadModel, "loanDetail">;
  };
  readonly guard: Auth;
  /** Chain time, unix seconds: whether a loan is in default is judged at it. */
  readonly chainNow: () => bigint;
  /** Wall clock, unix ms: when an application was made. */
  readonly clock: () => number;
  readonly logger: Logger;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const documentHash = (name: string) =>
  z
    .string()
    .regex(BYTES32, `${name} must be a 0x-prefixed 32-byte hex hash`)
    .refine((hash) => hash !== zeroHash, `${name} must not be zero`)
    .transform((hash) => hash.toLowerCase() as Hex);

const applicationBody = z
  .object({
    debtInstrumentHash: documentHash("debtInstrumentHash"),
    defaultProofHash: documentHash("defaultProofHash"),
    identityProofHash: documentHash("identityProofHash"),
  })
  .strict();

const loanIdParameter = z.string().regex(DECIMAL, "Loan id must be a decimal integer").transform(BigInt);

/** Who applied, as the record keeps it: the signed-in (or API key's) address, or the operator's name. */
const applicantOf = (principal: Principal): string =>
  principal.kind === "operator" ? `operator:${principal.operator}` : principal.address;

/** The loan's last event of this name, if the store holds one. */
const lastEvent = (detail: LoanDetail, name: string): EventView | undefined =>
  detail.events.findLast((event) => event.name === name);

const eventJson = (event: EventView | undefined) =>
  event === undefined
    ? null
    : { args: event.args, blockNumber: event.blockNumber, txHash: event.txHash, logIndex: event.logIndex };

/**
 * What the default stands on, from the `LoanDefaulted` the store holds: the oldest unpaid installment and how many
 * were missed when it was declared, with that installment's due time and days past due at `now` while the store
 * still has the schedule (a loan in default owes its whole debt, and the chain's breakdown lists no installments).
 */
function defaultGrounds(detail: LoanDetail, declared: EventView | undefined, now: bigint) {
  if (declared === undefined) return null;
  const number = Number(declared.args.oldestUnpaidInstallment);
  const installment = detail.installments.find((entry) => entry.number === number);
  const late = installment === undefined || now <= installment.dueTime ? 0n : now - installment.dueTime;
  return {
    oldestUnpaidInstallment: number,
    missedInstallments: Number(declared.args.missedInstallments),
    dueTime: installment?.dueTime ?? null,
    daysPastDue: installment === undefined ? null : Number(late / 86_400n),
  };
}

/**
 * The certificate routes, mounted by `createHttpServer` when sign-in is on.
 *
 * @example
 * app.use(createNotaryRouter({ store, guard, chainNow, clock: Date.now, logger }));
 */
export function createNotaryRouter(parameters: CreateNotaryRouterParameters): Router {
  const { store, guard, chainNow, clock, logger } = parameters;
  const router = Router();
  const json = express.json({ limit: "8kb", type: () => true });

  const refuse = (response: Response, status: number, code: string, message: string) => {
    response.status(status).json({ error: { code, message } });
  };

  router.post(
    "/api/loans/:id/certificate-application",
    guard.requireRole("lender", "admin"),
    json,
    (request: Request, response: Response) => {
      const id = loanIdParameter.safeParse(request.params.id);
      if (!id.success) return badRequest(response, "Invalid loan id", id.error);
      const body = applicationBody.safeParse(request.body ?? {});
      if (!body.success)
        return badRequest(response, "The body must be the three documents' hashes", body.error, "bad_documents");
      const now = chainNow();
      const detail = store.readModel.loanDetail(id.data, now);
      if (detail === null) return refuse(response, 404, "unknown_loan", `No loan ${id.data}`);
      const { principal } = response.locals as AuthLocals;
      if (
        principal.kind !== "operator" &&
        !principal.roles.includes("admin") &&
        !isAddressEqual(principal.address, detail.loan.claimHolder)
      ) {
        return refuse(response, 403, "not_claim_holder", `Only loan ${id.data}'s claim holder may apply for it`);
      }
      if (detail.loan.status !== LoanStatus.Defaulted) {
        return refuse(response, 409, "not_defaulted", `Loan ${id.data} is not in default: nothing to certify`);
      }
      const application = {
        loanId: id.data,
        ...body.data,
        appliedBy: applicantOf(principal),
        appliedAtMs: clock(),
      };
      store.certificateApplications.apply(application);
      logger.info({ loanId: id.data, appliedBy: application.appliedBy }, "certificate applied for");
      response.status(201).json(application);
    },
  );

  router.get("/api/notary/queue", guard.requireRole("notary"), (request, response) => {
    if (Object.keys(request.query).length > 0) return refuse(response, 400, "bad_request", "No query parameters");
    const { principal } = response.locals as AuthLocals;
    const notary = principal.kind === "operator" ? null : principal.address;
    const now = chainNow();
    const items = [];
    for (const application of store.certificateApplications.list()) {
      const detail = store.readModel.loanDetail(application.loanId, now);
      if (detail === null || detail.loan.status !== LoanStatus.Defaulted) continue;
      const { loan } = detail;
      if (notary !== null && [loan.borrower, loan.claimHolder].some((party) => isAddressEqual(party, notary))) continue;
      const origination = lastEvent(detail, "LoanOriginated");
      const declared = lastEvent(detail, "LoanDefaulted");
      items.push({
        loan: { ...loan, status: "Defaulted" },
        application,
        /** The debt instrument applied with is the one notarized at origination. */
        debtInstrumentMatches: origination?.args.documentHash === application.debtInstrumentHash,
        facts: {
          origination: eventJson(origination),
          default: eventJson(declared),
          grounds: defaultGrounds(detail, declared, now),
          payments: detail.payments.length,
        },
      });
    }
    response.set("Cache-Control", "no-store").json({ items, asOf: now });
  });

  return router;
}

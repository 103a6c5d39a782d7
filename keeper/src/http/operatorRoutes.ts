/**
 * What the lender's operators do through the keeper, each behind an operator token (`operatorAuth.ts`); the suspense
 * assignment and the contact log also take a signed-in lender (or an admin), a session or an API key, when the server
 * has sign-in (`lenderAccess`): a lender only for the loans whose claim it holds (403 `forbidden_loan` otherwise, 404
 * `unknown_loan` for one the keeper does not follow), and the assignment records who: the operator, or the address.
 * - `POST /bank/records/:id/assign` `{ "loanId": "7" }`: a suspense payment is matched to a loan on their word
 *   (then relayed like any other); 404 `unknown_record`, 409 `wrong_state` (not in suspense), 404 `unknown_loan`.
 * - `PUT /api/borrowers/:address/contact` `{ timeZone, locale, channel, recipient }`: how to reach a borrower,
 *   kept off chain; messages already written keep the details they were written with.
 * - `GET /api/contacts?state=&loanId=`: the messages to borrowers, waiting (with why and until when), sent, failed
 *   or cancelled; `GET /api/contacts/log?loanId=`: the contact log;
 *   `GET /api/contacts/log/:id/proof`: an entry's evidence: its leaf, the Merkle proof, the batch's root and where
 *   the root is anchored (409 `not_anchored` while its batch is still open).
 */
import express, { Router, type Request, type RequestHandler, type Response } from "express";
import type { Address } from "viem";
import { getAddress, isAddress } from "viem";
import { z } from "zod";
import type { Logger } from "pino";
import { MAX_LOAN_ID } from "../core/bankPayment.ts";
import { isValidTimeZone } from "../core/contact/contactWindow.ts";
import type { Store } from "../adapters/store/openStore.ts";
import { CONTACT_MESSAGE_STATES } from "../adapters/store/contacts.ts";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "../adapters/store/readModel.ts";
import type { LoanRecord } from "../adapters/store/types.ts";
import type { AuthLocals } from "./auth/requireAuth.ts";
import { contactProofOf } from "./contactProof.ts";
import { requireOperator, type OperatorLocals } from "./operatorAuth.ts";
import { badRequest, DECIMAL, integerParameter } from "./validation.ts";

export interface CreateOperatorRouterParameters {
  readonly store: Store;
  /** Operator name → bearer token. */
  readonly tokens: Readonly<Record<string, string>>;
  /** The channels a borrower's messages may go through. */
  readonly channels: readonly string[];
  /** Where the contact log's roots are anchored (null: not anchored). */
  readonly evidenceAnchor: Address | null;
  readonly logger: Logger;
  /**
   * Sign-in's `requireRole("lender", "admin")` (which takes operator tokens too): the lender's own routes accept it
   * instead of an operator token alone. Absent: operator tokens only.
   */
  readonly lenderAccess?: RequestHandler;
}

const loanIdSchema = z
  .string({ message: 'loanId must be a decimal string, e.g. "7"' })
  .regex(DECIMAL, 'loanId must be a decimal string, e.g. "7"')
  .transform(BigInt)
  .refine((id) => id > 0n && id <= MAX_LOAN_ID, "loanId is not a loan id the keeper can follow");

const assignBody = z.object({ loanId: loanIdSchema }).strict();

const contactBody = (channels: readonly string[]) =>
  z
    .object({
      timeZone: z
        .string({ message: "timeZone is required (an IANA zone, e.g. Asia/Shanghai)" })
        .refine(isValidTimeZone, "timeZone must be an IANA zone, e.g. Asia/Shanghai"),
      locale: z.enum(["zh", "en"], { message: "locale must be zh or en" }),
      channel: z
        .string({ message: "channel is required" })
        .refine((name) => channels.includes(name), `channel must be one of ${channels.join(", ")}`),
      recipient: z
        .string({ message: "recipient is required (what the channel needs to reach the borrower)" })
        .trim()
        .min(1, "recipient must not be empty")
        .max(256, "recipient must be at most 256 characters"),
    })
    .strict();

const pageQuery = {
  limit: integerParameter("limit", 1, MAX_LIST_LIMIT).optional(),
  offset: integerParameter("offset", 0, Number.MAX_SAFE_INTEGER).optional(),
};
const messagesQuery = z
  .object({
    state: z
      .enum(CONTACT_MESSAGE_STATES as [string, ...string[]], {
        message: `state must be one of ${CONTACT_MESSAGE_STATES.join(", ")}`,
      })
      .optional(),
    loanId: loanIdSchema.optional(),
    ...pageQuery,
  })
  .strict();
const logQuery = z.object({ loanId: loanIdSchema }).strict();

const fail = (response: Response, status: number, code: string, message: string): void => {
  response.status(status).json({ error: { code, message } });
};

/** Who asked, for the audit trail: the operator's name, or the signed-in lender's (or admin's) address. */
function actorOf(locals: Partial<OperatorLocals & AuthLocals>): string {
  if (locals.operator !== undefined) return locals.operator;
  const principal = locals.principal!;
  return principal.kind === "operator" ? principal.operator : principal.address;
}

/**
 * Refuses a signed-in lender a loan whose claim it does not hold (403 `forbidden_loan`) or that the keeper does not
 * follow (404 `unknown_loan`); an operator or an admin may act on any. True once a refusal was sent.
 */
function refusedLoan(response: Response, loanId: bigint, loan: LoanRecord | undefined): boolean {
  const { operator, principal } = response.locals as Partial<OperatorLocals & AuthLocals>;
  if (operator !== undefined || principal === undefined || principal.kind === "operator") return false;
  if (principal.roles.includes("admin")) return false;
  if (loan === undefined) {
    fail(response, 404, "unknown_loan", `No loan ${loanId} is followed by the keeper`);
    return true;
  }
  if (principal.address.toLowerCase() === loan.claimHolder.toLowerCase()) return false;
  fail(response, 403, "forbidden_loan", `Loan ${loanId} is not one of yours`);
  return true;
}

const integerPath = (request: Request, name: string): number | null => {
  const text = String(request.params[name]);
  if (!DECIMAL.test(text) || text.length > 15) return null;
  return Number(text);
};

/**
 * The operators' routes, mounted by `createHttpServer`.
 *
 * @example
 * app.use(createOperatorRouter({ store, tokens: config.operatorTokens, channels: ["letters"], evidenceAnchor, logger }));
 */
export function createOperatorRouter(parameters: CreateOperatorRouterParameters): Router {
  const { store, logger, evidenceAnchor } = parameters;
  const router = Router();
  const operatorOnly = requireOperator(parameters.tokens);
  const lenderOrOperator = parameters.lenderAccess ?? operatorOnly;
  const contactSchema = contactBody(parameters.channels);
  // Authenticated first: an anonymous body is never parsed.
  const json = express.json({ limit: "16kb", type: () => true });

  router.post("/bank/records/:id/assign", lenderOrOperator, json, (request, response) => {
    const id = integerPath(request, "id");
    if (id === null) return fail(response, 404, "unknown_record", "No bank record has that id");
    const body = assignBody.safeParse(request.body ?? {});
    if (!body.success) return badRequest(response, 'The body must be { "loanId": "<id>" }', body.error);
    const { loanId } = body.data;
    const loan = store.getLoan(loanId);
    if (loan === undefined) {
      return fail(response, 404, "unknown_loan", `No loan ${loanId} is followed by the keeper`);
    }
    if (refusedLoan(response, loanId, loan)) return;
    const operator = actorOf(response.locals);
    const result = store.assignBankRecord(id, loanId, operator);
    if (result.kind === "notFound") return fail(response, 404, "unknown_record", `No bank record ${id}`);
    if (result.kind === "wrongState") {
      return fail(
        response,
        409,
        "wrong_state",
        `Bank record ${id} is ${result.state}: only a suspense record is assigned`,
      );
    }
    logger.info({ record: id, loanId, operator }, "suspense payment assigned");
    response.json({ status: "assigned", id, loanId, assignedBy: operator });
  });

  router.put("/api/borrowers/:address/contact", operatorOnly, json, (request, response) => {
    const address = String(request.params.address);
    if (!isAddress(address, { strict: false })) {
      return fail(response, 400, "bad_address", "The borrower must be a 0x address (40 hex digits)");
    }
    const body = contactSchema.safeParse(request.body ?? {});
    if (!body.success) return badRequest(response, "Invalid contact details", body.error);
    const contact = { borrower: getAddress(address), ...body.data };
    store.contacts.setBorrowerContact(contact, Date.now());
    logger.info(
      { borrower: contact.borrower, operator: (response.locals as OperatorLocals).operator, channel: contact.channel },
      "borrower contact details set",
    );
    response.json({ status: "stored", contact: { ...contact, recipient: "[stored]" } });
  });

  router.get("/api/contacts", operatorOnly, (request, response) => {
    const query = messagesQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const { state, loanId, limit = DEFAULT_LIST_LIMIT, offset = 0 } = query.data;
    const page = store.contacts.listContactMessages({ state: state as never, loanId, limit, offset });
    response.json({ messages: page.messages, total: page.total, limit, offset });
  });

  router.get("/api/contacts/log", lenderOrOperator, (request, response) => {
    const query = logQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const { loanId } = query.data;
    if (refusedLoan(response, loanId, store.getLoan(loanId))) return;
    response.json({ entries: store.contacts.contactLogOfLoan(loanId) });
  });

  router.get("/api/contacts/log/:id/proof", lenderOrOperator, (request, response) => {
    const id = integerPath(request, "id");
    const entry = id === null ? undefined : store.contacts.getContactLogEntry(id);
    if (entry === undefined) return fail(response, 404, "unknown_entry", "No contact log entry has that id");
    if (refusedLoan(response, entry.loanId, store.getLoan(entry.loanId))) return;
    const proof = contactProofOf(store, entry, evidenceAnchor);
    if (proof === null) {
      return fail(response, 409, "not_anchored", `Contact ${entry.id} is in a batch that is not closed yet`);
    }
    response.json(proof);
  });

  return router;
}

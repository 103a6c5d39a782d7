/**
 * The bank webhook: `POST /bank/webhook` stores a signed payment report before answering 2xx, and
 * `GET /bank/records` lists what was stored (the suspense queue with `?state=suspense`).
 *
 * A delivery is checked in this order, and nothing is written unless every check passes:
 * 1. a bank source is configured at all (else 503 `not_configured`);
 * 2. the `Bank-Source` header names a configured source (else 401 `unknown_source`: an unknown source is a failed
 *    authentication, answered like a bad signature);
 * 3. the body is at most 64 kB (else 413 `payload_too_large`);
 * 4. `Bank-Signature` matches the exact bytes received, within 300 s (else 401 `missing_signature`,
 *    `malformed_signature`, `stale_timestamp` or `bad_signature`);
 * 5. the body is UTF-8 JSON (else 400 `malformed_json`) of the shape `bankPayment.ts` documents (else 400
 *    `invalid_payment`, with the zod issues; the body, authenticated, is kept in the quarantine for review).
 * The bank's transaction id is then looked up and the record inserted in one SQLite transaction (WAL,
 * `synchronous = FULL`) by `recordBankPayment`, shared with the statement import: 201 once stored (`matched`, or
 * `suspense` with the reason), 200 `duplicate` for a repeated delivery of the same payment (also when a statement
 * reported it first), 409 `conflict` for the same id with a different payment or from another source (the body is
 * quarantined with the held record's id). `GET /bank/quarantine` lists the quarantine, paged like the records.
 */
import express, { Router, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import { bankPaymentSchema, type BankPayment } from "../core/bankPayment.ts";
import { bankReferenceHashOf } from "../core/bankReference.ts";
import { relayBankPaymentKey } from "../core/decisions.ts";
import { SIGNATURE_HEADER, verifyWebhook, WebhookSignatureError } from "../core/webhookSignature.ts";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT } from "../adapters/store/readModel.ts";
import type { Store } from "../adapters/store/openStore.ts";
import {
  conflictError,
  recordBankPayment,
  type RecordBankPaymentReturnType,
} from "../adapters/store/recordBankPayment.ts";
import { BANK_RECORD_STATES, type BankRecordRow } from "../adapters/store/types.ts";
import { badRequest, integerParameter } from "./validation.ts";

/** The header naming the bank (the source) that sends the webhook; its secret signs the body. */
export const SOURCE_HEADER = "Bank-Source";
/** The largest body accepted. */
export const WEBHOOK_BODY_LIMIT = "64kb";

export type BankWebhookStore = Pick<
  Store,
  | "transaction"
  | "getActionByKey"
  | "getBankRecord"
  | "insertBankRecord"
  | "getLoan"
  | "listBankRecords"
  | "insertBankQuarantine"
  | "listBankQuarantine"
>;

export interface CreateBankWebhookRouterParameters {
  readonly store: BankWebhookStore;
  /** HMAC secret per source. */
  readonly secrets: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** Wall clock, unix ms: the signature's timestamp is checked against it. */
  readonly clock: () => number;
}

const listRecordsQuery = z
  .object({
    state: z.enum(BANK_RECORD_STATES, { message: `state must be one of ${BANK_RECORD_STATES.join(", ")}` }).optional(),
    limit: integerParameter("limit", 1, MAX_LIST_LIMIT).optional(),
    offset: integerParameter("offset", 0, Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

const listQuarantineQuery = z
  .object({
    source: z.string().min(1).max(128).optional(),
    limit: integerParameter("limit", 1, MAX_LIST_LIMIT).optional(),
    offset: integerParameter("offset", 0, Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

const utf8 = new TextDecoder("utf-8", { fatal: true });

const fail = (response: Response, status: number, code: string, message: string): void => {
  response.status(status).json({ error: { code, message } });
};

/**
 * The `/bank/webhook` and `/bank/records` routes, mounted by `createHttpServer`.
 *
 * @example
 * app.use(createBankWebhookRouter({ store, secrets: config.bankWebhookSecrets, logger, clock: Date.now }));
 */
/**
 * A record with its relay as the outbox has it: the action's state (`planned`, `sent`, `done`, `dropped`, `failed`),
 * its outcome, transaction and block; null while none is planned (in suspense, or not decided yet).
 */
function withRelay(record: BankRecordRow, store: Pick<Store, "getActionByKey">) {
  if (record.loanId === null) return { ...record, relay: null };
  const key = relayBankPaymentKey(record.loanId, bankReferenceHashOf(record.source, record.bankReference));
  const action = store.getActionByKey(key);
  const relay =
    action === undefined
      ? null
      : { state: action.state, outcome: action.outcome, txHash: action.txHash, block: action.doneBlock };
  return { ...record, relay };
}

export function createBankWebhookRouter(parameters: CreateBankWebhookRouterParameters): Router {
  const { store, secrets, logger, clock } = parameters;
  const sources = new Map(Object.entries(secrets));
  const router = Router();

  /** Stores the payment unless its id is held; one transaction, so a concurrent delivery cannot slip between. */
  const deliver = (source: string, payment: BankPayment, rawPayload: string): RecordBankPaymentReturnType =>
    store.transaction(() => {
      const delivery = recordBankPayment(store, { source, payment, rawPayload });
      if (delivery.kind === "conflict") {
        store.insertBankQuarantine({
          source,
          origin: "webhook",
          originRef: "webhook",
          position: "body",
          bankReference: payment.id,
          raw: rawPayload,
          error: conflictError(delivery.record, source),
        });
      }
      return delivery;
    });

  const authenticateSource = (request: Request, response: Response, next: NextFunction): void => {
    if (sources.size === 0) {
      return fail(response, 503, "not_configured", "No bank sources configured: set KEEPER_BANK_WEBHOOK_SECRETS");
    }
    const source = request.get(SOURCE_HEADER);
    if (source === undefined || !sources.has(source)) {
      const message =
        source === undefined ? `Missing ${SOURCE_HEADER} header` : `Unknown ${SOURCE_HEADER} ${JSON.stringify(source)}`;
      logger.warn({ source }, "bank webhook refused: unknown source");
      return fail(response, 401, "unknown_source", message);
    }
    next();
  };

  const rawBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  router.post("/bank/webhook", authenticateSource, rawBody, (request, response) => {
    const source = request.get(SOURCE_HEADER) as string;
    const body: Buffer = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    try {
      verifyWebhook({
        header: request.get(SIGNATURE_HEADER),
        body,
        secret: sources.get(source) as string,
        now: Math.floor(clock() / 1000),
      });
    } catch (error) {
      if (!(error instanceof WebhookSignatureError)) throw error;
      logger.warn({ source, code: error.code, reason: error.message }, "bank webhook refused: signature");
      return fail(response, 401, error.code, error.message);
    }

    let text: string;
    let json: unknown;
    try {
      text = utf8.decode(body);
      json = JSON.parse(text);
    } catch (error) {
      const why = error instanceof SyntaxError ? error.message : "the body is not UTF-8";
      logger.warn({ source, reason: why }, "bank webhook refused: malformed JSON");
      return fail(response, 400, "malformed_json", `The body is not valid JSON: ${why}`);
    }
    const parsed = bankPaymentSchema.safeParse(json);
    if (!parsed.success) {
      logger.warn({ source, issues: parsed.error.issues }, "bank webhook refused: invalid payment");
      const id = (json as { id?: unknown } | null)?.id;
      store.insertBankQuarantine({
        source,
        origin: "webhook",
        originRef: "webhook",
        position: "body",
        bankReference: typeof id === "string" ? id : null,
        raw: text,
        error: parsed.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "),
      });
      return badRequest(response, "The body is not a valid bank payment", parsed.error, "invalid_payment");
    }
    const payment = parsed.data;

    const delivery = deliver(source, payment, text);
    const { record } = delivery;
    const log = { source, bankReference: payment.id, state: record.state, loanId: record.loanId };
    if (delivery.kind === "conflict") {
      const from = record.source === source ? "" : ` from another source (${record.source})`;
      logger.warn({ ...log, heldFrom: record.source, body: text }, "bank webhook refused: conflicting duplicate");
      return fail(
        response,
        409,
        "conflict",
        `Bank transaction ${JSON.stringify(payment.id)} is already stored${from} with a different payment; nothing was written to the records (the delivery is quarantined for review)`,
      );
    }
    if (delivery.kind === "duplicate") {
      logger.info(log, "bank webhook duplicate");
      response.status(200).json({ status: "duplicate", record });
      return;
    }
    logger.info({ ...log, reason: record.reason }, "bank payment stored");
    response.status(201).json({ status: "stored", record });
  });

  router.get("/bank/records", (request, response) => {
    const query = listRecordsQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const { state, limit = DEFAULT_LIST_LIMIT, offset = 0 } = query.data;
    const page = store.listBankRecords({ state, limit, offset });
    response.json({
      records: page.records.map((record) => withRelay(record, store)),
      total: page.total,
      limit,
      offset,
    });
  });

  router.get("/bank/quarantine", (request, response) => {
    const query = listQuarantineQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const { source, limit = DEFAULT_LIST_LIMIT, offset = 0 } = query.data;
    const page = store.listBankQuarantine({ source, limit, offset });
    response.json({ entries: page.entries, total: page.total, limit, offset });
  });

  router.use("/bank/webhook", (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if ((error as { type?: unknown } | null)?.type === "entity.too.large") {
      return fail(response, 413, "payload_too_large", `The body is larger than ${WEBHOOK_BODY_LIMIT}`);
    }
    next(error);
  });

  return router;
}

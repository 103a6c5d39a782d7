/**
 * The keeper's HTTP surface: health, Prometheus metrics and a read-only loan API, thin express routes over the
 * store's read model. Every JSON body goes through one replacer that writes bigints as decimal strings (block
 * numbers, ids and chain times are bigint; amounts are already decimal strings), so no response can fail on one.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { Address } from "viem";
import { z } from "zod";
import { LoanStatus } from "../core/decisions.ts";
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, type LoanSummary, type ReadModel } from "../adapters/store/readModel.ts";
import type { KeeperStatus, Metrics } from "../runtime/metrics.ts";
import { createBankWebhookRouter, type BankWebhookStore } from "./bankWebhook.ts";
import { createOperatorRouter, type CreateOperatorRouterParameters } from "./operatorRoutes.ts";
import { requireOperator } from "./operatorAuth.ts";
import { createAuth, type Auth, type AuthLocals } from "./auth/requireAuth.ts";
import type { ResolveRoles } from "./auth/roles.ts";
import { createSignInRouter, type VerifySignature } from "./auth/signIn.ts";
import type { Sessions } from "../adapters/store/sessions.ts";
import type { LoanRecord } from "../adapters/store/types.ts";
import { createPortfolioRouter } from "./portfolioRoutes.ts";
import { createLoanEvidenceRouter } from "./loanEvidenceRoutes.ts";
import { createEvidencePackageRouter, type CreateEvidencePackageRouterParameters } from "./evidencePackageRoutes.ts";
import type { LoanEvents } from "../adapters/store/loanEvents.ts";
import { createNotaryRouter } from "./notaryRoutes.ts";
import { createOriginationRouter, type CreateOriginationRouterParameters } from "./originationRoutes.ts";
import type { CertificateApplications } from "../adapters/store/certificateApplications.ts";
import type { Portfolio } from "../adapters/store/portfolio.ts";
import { badRequest, DECIMAL, integerParameter } from "./validation.ts";
import { createWebAppRouter, type CreateWebAppRouterParameters } from "./webApp.ts";

/** `/health` answers 200 only if a tick completed this recently (wall clock, ms). */
export const HEALTH_MAX_TICK_AGE_MS = 30_000;

export interface CreateHttpServerParameters {
  readonly readModel: Pick<ReadModel, "listLoans" | "loanDetail">;
  readonly metrics: Pick<Metrics, "contentType" | "metrics">;
  readonly status: () => KeeperStatus;
  readonly logger: Logger;
  /** Wall clock, unix ms: how old the last tick is. */
  readonly clock: () => number;
  /** Chain time, unix seconds: loan statuses are computed at it. */
  readonly chainNow: () => bigint;
  /** The bank webhook and its records (`bankWebhook.ts`); without it those routes answer 404. */
  readonly bank?: {
    readonly store: BankWebhookStore;
    /** HMAC secret per bank source; empty: the webhook answers 503. */
    readonly secrets: Readonly<Record<string, string>>;
  };
  /** The operators' routes (`operatorRoutes.ts`); without it they answer 404. */
  readonly operator?: Omit<CreateOperatorRouterParameters, "logger">;
  /**
   * Sign-in and roles (`auth/`): `/auth/*`, `/api/me/loans`, and the lender role (or an operator token) on
   * `GET /bank/records` and `GET /bank/quarantine`. Without it those two take an operator token only, and the rest
   * answer 404.
   */
  readonly auth?: {
    readonly store: {
      readonly sessions: Sessions;
      transaction<T>(fn: () => T): T;
      getLoan(id: bigint): LoanRecord | undefined;
    };
    /** The keeper's chain: a sign-in message for another is refused. */
    readonly chainId: number;
    readonly resolveRoles: ResolveRoles;
    readonly verifySignature: VerifySignature;
    /** The web app's origins; empty: `http://127.0.0.1:<port>` and `http://localhost:<port>` of the bound port. */
    readonly origins: readonly string[];
  };
  /** How the web app writes amounts (the token's decimals, the currency's name); default 6 decimals, USD. */
  readonly display?: CreateWebAppRouterParameters["display"];
  /** Loan offers and their signatures (`originationRoutes.ts`), with `auth`; without it they answer 404. */
  readonly originations?: Omit<
    CreateOriginationRouterParameters,
    "guard" | "chainId" | "chainNow" | "clock" | "logger"
  >;
  /** Certificate applications and the notary's queue (`notaryRoutes.ts`), with `auth`; without it they answer 404. */
  readonly certificateApplications?: CertificateApplications;
  /** The lender's portfolio (`portfolioRoutes.ts`); without it `GET /api/portfolio` answers 404. */
  readonly portfolio?: Pick<Portfolio, "portfolioOf">;
  /** Loans' timelines (`loanEvidenceRoutes.ts`), with `auth`; without it `GET /api/loans/:id/evidence` answers 404. */
  readonly loanEvents?: Pick<LoanEvents, "eventsOfLoan">;
  /** The court evidence package download (`GET /api/loans/:id/evidence-package`), with sign-in configured. */
  readonly evidencePackage?: Omit<CreateEvidencePackageRouterParameters, "auth" | "logger">;
}

export interface ListeningHttpServer {
  /** e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  /** The port bound (the one the system chose when asked for 0). */
  readonly port: number;
  /** Stops accepting connections, closes idle ones, and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

export interface HttpServer {
  readonly app: Express;
  /** Listens on `host` (default 127.0.0.1); port 0 binds a free port. */
  listen(port: number, host?: string): Promise<ListeningHttpServer>;
}

export type HealthState = "ok" | "degraded" | "starting";

/** `/health`'s body: the keeper's status, with bigints as decimal strings on the wire. */
export type HealthBody = { status: HealthState } & KeeperStatus & { behind: bigint | null };

/** The name of each `LoanStatus` value, by value. */
const STATUS_NAME = new Map<number, string>(Object.entries(LoanStatus).map(([name, value]) => [value, name]));
const STATUS_BY_NAME = new Map<string, LoanStatus>(Object.entries(LoanStatus));
const STATUS_LIST = [...STATUS_BY_NAME.keys()].join(", ");
const statusName = (status: number): string => STATUS_NAME.get(status) ?? String(status);

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** JSON.stringify replacer: bigints as decimal strings (JSON numbers round past 2^53, and JSON.stringify throws). */
const bigintReplacer = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? value.toString() : value;

/** `Late,Defaulted` or `2,3` (or repeated `status=` parameters): case-sensitive names or numbers. */
const statusFilter = z.preprocess(
  (value) => (Array.isArray(value) ? value.join(",") : value),
  z.string().transform((text, context) => {
    const statuses: LoanStatus[] = [];
    for (const token of text.split(",")) {
      const status = STATUS_BY_NAME.get(token) ?? (DECIMAL.test(token) ? Number(token) : undefined);
      if (status === undefined || !STATUS_NAME.has(status)) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          message: `Unknown status ${JSON.stringify(token)}: expected one of ${STATUS_LIST} (or their numbers)`,
        });
      } else {
        statuses.push(status as LoanStatus);
      }
    }
    return statuses.length === text.split(",").length ? statuses : z.NEVER;
  }),
);

const listLoansQuery = z
  .object({
    status: statusFilter.optional(),
    borrower: z.string().regex(ADDRESS, "borrower must be a 0x-prefixed 20-byte hex address").optional(),
    template: z.string().regex(DECIMAL, "template must be a decimal integer").transform(BigInt).optional(),
    limit: integerParameter("limit", 1, MAX_LIST_LIMIT).optional(),
    offset: integerParameter("offset", 0, Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

const pageQuery = z
  .object({
    limit: integerParameter("limit", 1, MAX_LIST_LIMIT).optional(),
    offset: integerParameter("offset", 0, Number.MAX_SAFE_INTEGER).optional(),
  })
  .strict();

const loanIdParameter = z.string().regex(DECIMAL, "Loan id must be a decimal integer").transform(BigInt);

const loanJson = (loan: LoanSummary) => ({ ...loan, status: statusName(loan.status) });

/** `/health`'s verdict: ok while ticks complete without error, starting before the first one, degraded otherwise. */
export function healthOf(status: KeeperStatus, nowMs: number): HealthBody {
  const behind = status.head === null || status.processedBlock === null ? null : status.head - status.processedBlock;
  let state: HealthState;
  if (status.lastError !== null) state = "degraded";
  else if (status.lastTickAtMs === null) state = "starting";
  else state = nowMs - status.lastTickAtMs <= HEALTH_MAX_TICK_AGE_MS ? "ok" : "degraded";
  return { status: state, ...status, behind };
}

/** The status code an error carries (express's and http-errors' `status`), when it is a client error. */
function clientErrorStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const status =
    (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" && status >= 400 && status < 500 ? status : undefined;
}

/**
 * The keeper's HTTP server: `GET /health`, `GET /metrics`, `GET /api/loans`, `GET /api/loans/:id`, and with `bank`
 * `POST /bank/webhook` and `GET /bank/records`.
 *
 * @example
 * const http = createHttpServer({ readModel: store.readModel, metrics, status, logger, clock: Date.now, chainNow });
 * const server = await http.listen(config.httpPort, "0.0.0.0");
 * logger.info({ url: server.url }, "http listening");
 */
export function createHttpServer(parameters: CreateHttpServerParameters): HttpServer {
  const { readModel, metrics, status, logger, clock, chainNow, bank } = parameters;
  const app = express();
  /** The origins of the address bound, once listening: the web app's when none is configured. */
  let boundOrigins: readonly string[] = [];
  app.disable("x-powered-by");
  app.set("json replacer", bigintReplacer);
  app.set("query parser", "simple");

  app.use((request: Request, response: Response, next: NextFunction) => {
    const started = performance.now();
    const path = request.path;
    response.on("finish", () => {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      logger.debug({ method: request.method, path, status: response.statusCode, ms }, "http request");
    });
    next();
  });

  app.get("/health", (_request, response) => {
    const body = healthOf(status(), clock());
    response.status(body.status === "ok" ? 200 : 503).json(body);
  });

  app.get("/metrics", async (_request, response) => {
    const text = await metrics.metrics();
    response.set("Content-Type", metrics.contentType).send(text);
  });

  // Who may read what: a lender (its role read on chain now), an admin, or an operator's token; with sign-in on,
  // the book's loans too (and a notary's), while a borrower reads its own through `/api/me/loans`.
  const { auth } = parameters;
  const operatorTokens = parameters.operator?.tokens ?? {};
  const webOrigins = () => (auth !== undefined && auth.origins.length > 0 ? auth.origins : boundOrigins);
  const guard: Auth | undefined =
    auth === undefined
      ? undefined
      : createAuth({ store: auth.store, resolveRoles: auth.resolveRoles, operatorTokens, clock, origins: webOrigins });
  const lenderOnly = guard?.requireRole("lender", "admin") ?? requireOperator(operatorTokens);
  if (guard !== undefined) app.get(["/api/loans", "/api/loans/:id"], guard.requireRole("lender", "admin", "notary"));

  app.get("/api/loans", (request, response) => {
    const query = listLoansQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
    const { status: statuses, borrower, template, limit = DEFAULT_LIST_LIMIT, offset = 0 } = query.data;
    const now = chainNow();
    const page = readModel.listLoans({
      status: statuses,
      borrower: borrower as Address | undefined,
      templateId: template,
      limit,
      offset,
      now,
    });
    response.json({ loans: page.loans.map(loanJson), total: page.total, limit, offset, asOf: now });
  });

  app.get("/api/loans/:id", (request, response) => {
    const id = loanIdParameter.safeParse(request.params.id);
    if (!id.success) return badRequest(response, "Invalid loan id", id.error);
    const now = chainNow();
    const detail = readModel.loanDetail(id.data, now);
    if (detail === null) {
      response.status(404).json({ error: { code: "not_found", message: `No loan ${id.data}` } });
      return;
    }
    response.json({ ...detail, loan: loanJson(detail.loan), asOf: now });
  });

  app.get(["/bank/records", "/bank/quarantine", "/api/portfolio"], lenderOnly);
  // The portfolio: aggregates of the loan book at the chain time, read-only; a lender's (or an operator's) view.
  if (parameters.portfolio !== undefined) {
    const refusals = parameters.originations?.checks?.refusals;
    app.use(createPortfolioRouter({ store: parameters.portfolio, chainNow, refusals }));
  }
  if (auth !== undefined && guard !== undefined) {
    app.use(
      createSignInRouter({
        store: auth.store,
        auth: guard,
        chainId: auth.chainId,
        verifySignature: auth.verifySignature,
        origins: webOrigins,
        clock,
        logger,
      }),
    );
    app.get("/api/me/loans", guard.requireSession, (request, response) => {
      const query = pageQuery.safeParse(request.query);
      if (!query.success) return badRequest(response, "Invalid query parameters", query.error);
      const { principal } = response.locals as AuthLocals;
      if (principal.kind === "operator") return;
      const { limit = DEFAULT_LIST_LIMIT, offset = 0 } = query.data;
      const now = chainNow();
      const page = readModel.listLoans({ borrower: principal.address, limit, offset, now });
      response.json({ loans: page.loans.map(loanJson), total: page.total, limit, offset, asOf: now });
    });
    const loanIdOf = (request: Request) => {
      const id = loanIdParameter.safeParse(request.params.id);
      return id.success ? id.data : null;
    };
    app.get("/api/me/loans/:id", guard.requireLoanAccess(loanIdOf), (request, response) => {
      const now = chainNow();
      const detail = readModel.loanDetail((response.locals as AuthLocals).loan!.id, now);
      if (detail === null) {
        response.status(404).json({ error: { code: "not_found", message: `No loan ${request.params.id}` } });
        return;
      }
      response.json({ ...detail, loan: loanJson(detail.loan), asOf: now });
    });
    if (parameters.loanEvents !== undefined) {
      const { loanEvents } = parameters;
      const chain = { chainId: auth.chainId, loanBook: parameters.display?.loanBook ?? null };
      const contacts = parameters.operator?.store.contacts;
      app.use(createLoanEvidenceRouter({ readModel, loanEvents, contacts, auth: guard, chainNow, clock, ...chain }));
    }
    if (parameters.evidencePackage !== undefined) {
      app.use(createEvidencePackageRouter({ ...parameters.evidencePackage, auth: guard, logger }));
    }
    const { certificateApplications } = parameters;
    if (certificateApplications !== undefined) {
      const store = { certificateApplications, readModel };
      app.use(createNotaryRouter({ store, guard, chainNow, clock, logger }));
    }
    const { originations } = parameters;
    if (originations !== undefined)
      app.use(createOriginationRouter({ ...originations, guard, chainId: auth.chainId, chainNow, clock, logger }));
  }

  if (bank !== undefined) app.use(createBankWebhookRouter({ ...bank, logger, clock }));
  if (parameters.operator !== undefined) {
    // A signed-in lender may assign suspense payments and read the contact log too (`operatorRoutes.ts`).
    app.use(
      createOperatorRouter({ ...parameters.operator, logger, lenderAccess: guard?.requireRole("lender", "admin") }),
    );
  }
  app.use(createWebAppRouter({ display: parameters.display }));

  app.use((request: Request, response: Response) => {
    response.status(404).json({ error: { code: "not_found", message: `No route ${request.method} ${request.path}` } });
  });

  app.use((error: unknown, request: Request, response: Response, next: NextFunction) => {
    if (response.headersSent) return next(error);
    const clientStatus = clientErrorStatus(error);
    if (clientStatus !== undefined) {
      const message = error instanceof Error ? error.message : "Bad request";
      response.status(clientStatus).json({ error: { code: "bad_request", message } });
      return;
    }
    logger.error({ err: error, method: request.method, path: request.path }, "http request failed");
    response.status(500).json({ error: { code: "internal", message: "Internal server error" } });
  });

  return {
    app,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        const server = createServer(app);
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const hostname = address.family === "IPv6" ? `[${address.address}]` : address.address;
          boundOrigins = [
            ...new Set([
              `http://${hostname}:${address.port}`,
              `http://127.0.0.1:${address.port}`,
              `http://localhost:${address.port}`,
            ]),
          ];
          resolve({
            url: `http://${hostname}:${address.port}`,
            port: address.port,
            close: () =>
              new Promise<void>((done, fail) => {
                server.close((closeError) => (closeError ? fail(closeError) : done()));
                server.closeIdleConnections();
              }),
          });
        });
      });
    },
  };
}

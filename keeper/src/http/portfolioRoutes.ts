/**
 * `GET /api/portfolio`: the lender's portfolio at a glance (`portfolio.ts`), computed at the keeper's chain time.
 * Read-only: aggregates of the loan book, nothing is written. Statuses are written by name, like the loan API's;
 * amounts are decimal strings in token base units, counts numbers. With the record of refused originations
 * (`originationRefusals.ts`), it adds `refusedOriginations`: how many offers the origination checks refused, in all
 * and by reason code, the signed-in lender's own (an admin's or an operator's: every lender's).
 */
import { Router } from "express";
import { z } from "zod";
import { LoanStatus } from "../core/decisions.ts";
import type { Portfolio, PortfolioReturnType } from "../adapters/store/portfolio.ts";
import type { OriginationRefusals } from "../adapters/store/originationRefusals.ts";
import type { AuthLocals } from "./auth/requireAuth.ts";
import { badRequest } from "./validation.ts";

export interface CreatePortfolioRouterParameters {
  readonly store: Pick<Portfolio, "portfolioOf">;
  /** Chain time, unix seconds: statuses and days past due are computed at it. */
  readonly chainNow: () => bigint;
  /** Refused originations, counted into `refusedOriginations`; without it the field is absent. */
  readonly refusals?: Pick<OriginationRefusals, "counts" | "total">;
}

const STATUS_NAME = new Map<number, string>(Object.entries(LoanStatus).map(([name, value]) => [value, name]));

/** No parameters: the portfolio is always the whole book at the keeper's chain time. */
const portfolioQuery = z.object({}).strict();

/** The wire form: statuses by name, the time as a decimal string. */
export function portfolioJson(portfolio: PortfolioReturnType) {
  return {
    ...portfolio,
    asOf: String(portfolio.asOf),
    byStatus: portfolio.byStatus.map((line) => ({
      ...line,
      status: STATUS_NAME.get(line.status) ?? String(line.status),
    })),
  };
}

/**
 * The portfolio route, mounted by `createHttpServer`.
 *
 * @example
 * app.use(createPortfolioRouter({ store: createPortfolio(db), chainNow }));
 */
export function createPortfolioRouter(parameters: CreatePortfolioRouterParameters): Router {
  const { store, chainNow, refusals } = parameters;
  const router = Router();

  router.get("/api/portfolio", (request, response) => {
    const query = portfolioQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "/api/portfolio takes no query parameters", query.error);
    const portfolio = portfolioJson(store.portfolioOf(chainNow()));
    if (refusals === undefined) return void response.json(portfolio);
    // A signed-in lender sees its own refusals; an admin's session or an operator's token, every lender's.
    const principal = (response.locals as Partial<AuthLocals>).principal;
    const lender =
      principal === undefined || principal.kind === "operator" || principal.roles.includes("admin")
        ? null
        : principal.address;
    response.json({
      ...portfolio,
      refusedOriginations: { total: refusals.total(lender), byReason: refusals.counts(lender) },
    });
  });

  return router;
}

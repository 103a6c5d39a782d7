/**
 * `GET /api/portfolio`: the lender's portfolio at a glance (`portfolio.ts`), computed at the keeper's chain time.
 * Read-only: aggregates of the loan book, nothing is written. Statuses are written by name, like the loan API's;
 * amounts are decimal strings in token base units, counts numbers.
 */
import { Router } from "express";
import { z } from "zod";
import { LoanStatus } from "../core/decisions.ts";
import type { Portfolio, PortfolioReturnType } from "../adapters/store/portfolio.ts";
import { badRequest } from "./validation.ts";

export interface CreatePortfolioRouterParameters {
  readonly store: Pick<Portfolio, "portfolioOf">;
  /** Chain time, unix seconds: statuses and days past due are computed at it. */
  readonly chainNow: () => bigint;
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
  const { store, chainNow } = parameters;
  const router = Router();

  router.get("/api/portfolio", (request, response) => {
    const query = portfolioQuery.safeParse(request.query);
    if (!query.success) return badRequest(response, "/api/portfolio takes no query parameters", query.error);
    response.json(portfolioJson(store.portfolioOf(chainNow())));
  });

  return router;
}

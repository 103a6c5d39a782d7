/**
 * The lender's sub-routes, from the path after `#/lender`: the portfolio (`#/lender`), the loans
 * (`#/lender/loans?status=Late&page=2`), a loan (`#/lender/loans/7`), a new template (`#/lender/templates`), the
 * suspense queue (`#/lender/suspense`) and the contact log (`#/lender/contacts?loanId=7`).
 */

export const LENDER_PAGES = ["portfolio", "loans", "offers", "templates", "suspense", "contacts"] as const;
export type LenderPage = (typeof LENDER_PAGES)[number];

export interface LenderRoute {
  readonly page: LenderPage;
  /** The loan of `#/lender/loans/7`; null on a list. */
  readonly id: string | null;
  readonly query: URLSearchParams;
}

/**
 * The route of `path` (`["loans", "7"]`, `["loans?status=Late"]`); an unknown page is the portfolio.
 *
 * @example
 * lenderRouteOf(["loans", "7?tx=0xab"]); // { page: "loans", id: "7", query: URLSearchParams { tx: "0xab" } }
 */
export function lenderRouteOf(path: readonly string[]): LenderRoute {
  const text = path.join("/");
  const at = text.indexOf("?");
  const where = at < 0 ? text : text.slice(0, at);
  const query = new URLSearchParams(at < 0 ? "" : text.slice(at + 1));
  const [name = "", id = null] = where.split("/").filter((part) => part !== "");
  const page = (LENDER_PAGES as readonly string[]).includes(name) ? (name as LenderPage) : "portfolio";
  return { page, id: page === "loans" ? id : null, query };
}

/** The hash of a lender page: `lenderHref("loans", "7")` is `#/lender/loans/7`. */
export function lenderHref(page: LenderPage, id: string | null = null, query: Record<string, string> = {}): string {
  const search = new URLSearchParams(query).toString();
  return `#/lender${page === "portfolio" ? "" : `/${page}`}${id === null ? "" : `/${encodeURIComponent(id)}`}${search === "" ? "" : `?${search}`}`;
}

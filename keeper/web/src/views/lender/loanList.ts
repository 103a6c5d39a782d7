/**
 * `#/lender/loans`: the book's loans, filtered by status, borrower and template (`?status=Late&borrower=0x…&template=2`),
 * a page at a time (`&page=2`), each linking to its detail. Statuses are computed by the keeper at its chain time.
 */
import { listLoans, type LoanJson } from "../../api.ts";
import { h } from "../../dom.ts";
import { formatAmount, formatDate, statusLabel, type ViewContext } from "../context.ts";
import { shortHex } from "./format.ts";
import { lenderHref, type LenderRoute } from "./route.ts";
import { dataTable } from "./table.ts";

/** Loans per page. */
export const LOAN_LIST_PAGE_SIZE = 25;
/** The statuses a loan can have (`LoanStatus` but `None`), in the book's order. */
const STATUSES = [
  "Active",
  "Late",
  "Defaulted",
  "Repaid",
  "Certified",
  "Committed",
  "Disputed",
  "Settled",
  "WrittenOff",
];
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const WHOLE = /^[0-9]{1,18}$/;

interface LoanFilters {
  readonly status: string;
  readonly borrower: string;
  readonly template: string;
}

/** The filters of the route, each kept only when the keeper would take it (a typo filters nothing). */
const filtersOf = (query: URLSearchParams): LoanFilters => {
  const value = (name: string, valid: (text: string) => boolean) => {
    const text = (query.get(name) ?? "").trim();
    return valid(text) ? text : "";
  };
  return {
    status: value("status", (text) => STATUSES.includes(text)),
    borrower: value("borrower", (text) => ADDRESS.test(text)),
    template: value("template", (text) => WHOLE.test(text)),
  };
};

/** The query of `filters` and `page`, without the empty ones. */
const queryOf = (filters: LoanFilters, page: number): Record<string, string> => {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(filters)) if (value !== "") query[name] = value;
  if (page > 1) query.page = String(page);
  return query;
};

/** The filter form: the status applies at once, the borrower and the template on "Filter". */
function filterForm(context: ViewContext, filters: LoanFilters): HTMLFormElement {
  const { t } = context;
  const status = h(
    "select",
    { id: "loan-status-filter", name: "status", "data-testid": "status-filter" },
    h("option", filters.status === "" ? { value: "", selected: "" } : { value: "" }, t("allStatuses")),
    ...STATUSES.map((name) =>
      h("option", name === filters.status ? { value: name, selected: "" } : { value: name }, statusLabel(t, name)),
    ),
  );
  const input = (name: string, value: string, extra: Record<string, string>) =>
    h("input", { id: `loan-${name}-filter`, name, type: "text", value, "data-testid": `${name}-filter`, ...extra });
  const borrower = input("borrower", filters.borrower, { placeholder: "0x…", spellcheck: "false", size: "20" });
  const template = input("template", filters.template, { inputmode: "numeric", pattern: "[0-9]*", size: "4" });
  const form = h(
    "form",
    { class: "filters", "data-testid": "loan-filters" },
    h("span", { class: "filter" }, h("label", { for: "loan-status-filter" }, t("status")), status),
    h("span", { class: "filter" }, h("label", { for: "loan-borrower-filter" }, t("borrower")), borrower),
    h("span", { class: "filter" }, h("label", { for: "loan-template-filter" }, t("template")), template),
    h("button", { type: "submit" }, t("filter")),
  );
  const apply = () => {
    const query = new URLSearchParams({ status: status.value, borrower: borrower.value, template: template.value });
    location.hash = lenderHref("loans", null, queryOf(filtersOf(query), 1));
  };
  status.addEventListener("change", apply);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });
  return form;
}

/**
 * @example
 * section.append(await loanListPage(context, lenderRouteOf(["loans?status=Late"])));
 */
export async function loanListPage(context: ViewContext, route: LenderRoute): Promise<HTMLElement> {
  const { t } = context;
  const filters = filtersOf(route.query);
  const page = Math.max(1, Number.parseInt(route.query.get("page") ?? "1", 10) || 1);
  const offset = (page - 1) * LOAN_LIST_PAGE_SIZE;
  const result = await listLoans({
    ...queryOf(filters, 1),
    limit: String(LOAN_LIST_PAGE_SIZE),
    offset: String(offset),
  });

  const table = dataTable<LoanJson>(
    [
      { header: t("loan"), cell: (loan) => h("a", { href: lenderHref("loans", loan.id) }, `#${loan.id}`) },
      { header: t("borrower"), cell: (loan) => h("code", { title: loan.borrower }, shortHex(loan.borrower)) },
      {
        header: t("status"),
        cell: (loan) => h("span", { class: "status", "data-status": loan.status }, statusLabel(t, loan.status)),
      },
      { header: t("template"), cell: (loan) => `#${loan.templateId}`, numeric: true },
      { header: t("principal"), cell: (loan) => formatAmount(context, loan.principal), numeric: true },
      {
        header: t("nextDue"),
        cell: (loan) => (loan.nextDueTime === null ? "—" : formatDate(context, loan.nextDueTime)),
      },
    ],
    result.loans,
    { "data-testid": "loan-list" },
    (loan) => ({ "data-loan-id": loan.id, "data-status": loan.status }),
  );

  const last = Math.min(offset + result.loans.length, result.total);
  const pageLink = (to: number, label: string) =>
    h("a", { href: lenderHref("loans", null, queryOf(filters, to)) }, label);
  const pager = h("p", { class: "pager" });
  if (page > 1) pager.append(pageLink(page - 1, t("previousPage")));
  pager.append(
    h(
      "span",
      { "data-testid": "loan-count" },
      result.total === 0 ? t("noLoansFound") : `${offset + 1}–${last} / ${result.total}`,
    ),
  );
  if (last < result.total) pager.append(pageLink(page + 1, t("nextPage")));

  return h(
    "div",
    { "data-page": "loans" },
    filterForm(context, filters),
    result.loans.length === 0 ? h("p", { class: "notice" }, t("noLoansFound")) : table,
    pager,
  );
}

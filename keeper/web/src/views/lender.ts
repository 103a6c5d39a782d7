/** `#/lender`: the portfolio at a glance, loans by status as a bar chart. */
import { listLoans } from "../api.ts";
import { barChart } from "../barChart.ts";
import { h } from "../dom.ts";
import { statusLabel, type View } from "./context.ts";

/** The page reads up to this many loans (the API's maximum page is larger; a summary route will replace it). */
export const LENDER_PAGE_SIZE = 100;

export const lenderView: View = async (context) => {
  const { t } = context;
  const page = await listLoans({ limit: String(LENDER_PAGE_SIZE) });
  const counts = new Map<string, number>();
  for (const loan of page.loans) counts.set(loan.status, (counts.get(loan.status) ?? 0) + 1);
  const data = [...counts].map(([status, value]) => ({ label: statusLabel(t, status), value }));
  return h(
    "section",
    { "data-view": "lender" },
    h("h2", {}, t("lenderTitle")),
    h("p", { class: "notice" }, t("lenderIntro")),
    h("p", {}, `${t("totalLoans")}: `, h("strong", { "data-testid": "total-loans" }, String(page.total))),
    h("h3", {}, t("loansByStatus")),
    barChart(data, { title: t("loansByStatus") }),
  );
};

/** `#/borrower`: the connected address's loans, each with what it owes next. */
import { listLoans, loanDetail, nextDue, type LoanJson } from "../api.ts";
import { h } from "../dom.ts";
import { formatAmount, formatDate, statusLabel, type View, type ViewContext } from "./context.ts";

async function loanCard(context: ViewContext, loan: LoanJson): Promise<HTMLElement> {
  const { t } = context;
  const detail = await loanDetail(loan.id);
  const due = nextDue(detail.installments);
  const rows: [string, string][] = [
    [t("principal"), formatAmount(context, loan.principal)],
    [t("nextDue"), due === null ? t("nothingDue") : formatDate(context, due.dueTime)],
    [t("amountDue"), due === null ? "—" : formatAmount(context, due.amount)],
  ];
  return h(
    "li",
    { class: "card", "data-loan-id": loan.id },
    h(
      "strong",
      {},
      `${t("loan")} #${loan.id} `,
      h("span", { class: "status", "data-status": loan.status }, statusLabel(t, loan.status)),
    ),
    h("dl", {}, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
  );
}

export const borrowerView: View = async (context) => {
  const { t, wallet } = context;
  const section = h("section", { "data-view": "borrower" }, h("h2", {}, t("borrowerTitle")));
  const { address } = wallet.state();
  if (address === null) {
    section.append(h("p", { class: "notice" }, t("connectFirst")));
    return section;
  }
  const page = await listLoans({ borrower: address });
  if (page.loans.length === 0) {
    section.append(h("p", { class: "notice" }, t("noLoans")));
    return section;
  }
  const cards = await Promise.all(page.loans.map((loan) => loanCard(context, loan)));
  section.append(h("ul", { class: "cards", "data-testid": "borrower-loans" }, ...cards));
  return section;
};

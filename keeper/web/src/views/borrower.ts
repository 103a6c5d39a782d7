/**
 * `#/borrower`: the loan offers waiting for the signed-in borrower's signature, then its loans (`/api/me/loans`: its
 * own only), each with what is due and when, and what it can do now in its wallet: pay while the loan runs; after a
 * default, propose a repayment plan or object.
 */
import { myLoanDetail, myLoans, nextDue, type LoanDetailJson, type LoanJson } from "../api.ts";
import { bookChain, loanBookAbi, type BookChain } from "../chain.ts";
import { nextCommitmentInstallment, type CommitmentEntry } from "../commitmentPlan.ts";
import { h } from "../dom.ts";
import { commitmentPanel } from "./borrower/commitmentPanel.ts";
import { borrowerOffers } from "./borrower/offers.ts";
import { objectionPanel } from "./borrower/objectionPanel.ts";
import { payPanel } from "./borrower/payPanel.ts";
import { formatAmount, formatDate, statusLabel, type View, type ViewContext } from "./context.ts";

/** The statuses in which the borrower pays the schedule (or, committed, its plan). */
const PAYING = new Set(["Active", "Late", "Committed"]);
/** The statuses of a default the borrower may answer with a plan or an objection. */
const IN_DEFAULT = new Set(["Defaulted", "Certified"]);

/** What is due next (a null time: now): the schedule's installment, the whole debt of a loan in default, or a
 * committed loan's next plan installment; the last two read on chain. */
async function dueNext(
  book: BookChain | null,
  loan: LoanJson,
  installments: LoanDetailJson["installments"],
): Promise<{ dueTime: bigint | null; amount: bigint } | null> {
  if (book === null || !(loan.status === "Committed" || IN_DEFAULT.has(loan.status))) return nextDue(installments);
  const loanId = BigInt(loan.id);
  if (IN_DEFAULT.has(loan.status)) {
    const debt = (await book.read({ abi: loanBookAbi, functionName: "payoffAmount", args: [loanId] })) as bigint;
    return { dueTime: null, amount: debt };
  }
  const [entries, debtLeft] = await Promise.all([
    book.read({ abi: loanBookAbi, functionName: "commitmentOf", args: [loanId] }) as Promise<CommitmentEntry[]>,
    book.read({ abi: loanBookAbi, functionName: "payoffAmount", args: [loanId] }) as Promise<bigint>,
  ]);
  return nextCommitmentInstallment(entries, debtLeft);
}

async function actionsFor(
  context: ViewContext,
  book: BookChain | null,
  loan: LoanJson,
  due: { amount: bigint } | null,
): Promise<HTMLElement[]> {
  if (book === null) return [];
  if (PAYING.has(loan.status))
    return [await payPanel(context, book, loan, loan.status === "Committed" ? (due?.amount ?? 0n) : undefined)];
  if (IN_DEFAULT.has(loan.status))
    return [await commitmentPanel(context, book, loan), objectionPanel(context, book, loan)];
  return [];
}

/** When the next payment is due, in words. */
function dueWhen(context: ViewContext, due: { dueTime: bigint | null } | null): string {
  if (due === null) return context.t("nothingDue");
  return due.dueTime === null ? context.t("dueNowInDefault") : formatDate(context, due.dueTime);
}

async function loanCard(context: ViewContext, book: BookChain | null, loan: LoanJson): Promise<HTMLElement> {
  const { t } = context;
  const detail = await myLoanDetail(loan.id);
  const due = await dueNext(book, loan, detail.installments);
  const rows: [string, string][] = [
    [t("principal"), formatAmount(context, loan.principal)],
    [t("nextDue"), dueWhen(context, due)],
    [t("amountDue"), due === null ? "—" : formatAmount(context, due.amount)],
  ];
  return h(
    "li",
    { class: "card", "data-loan-id": loan.id, "data-status": loan.status },
    h(
      "strong",
      {},
      `${t("loan")} #${loan.id} `,
      h("span", { class: "status", "data-status": loan.status }, statusLabel(t, loan.status)),
    ),
    h("dl", {}, ...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    ...(await actionsFor(context, book, loan, due)),
  );
}

export const borrowerView: View = async (context) => {
  const { t, wallet, session } = context;
  const section = h("section", { "data-view": "borrower" }, h("h2", {}, t("borrowerTitle")));
  if (wallet.state().address === null) {
    section.append(h("p", { class: "notice" }, t("connectFirst")));
    return section;
  }
  if (session === null) {
    section.append(h("p", { class: "notice", "data-testid": "sign-in-first" }, t("signInFirst")));
    return section;
  }
  const book = bookChain(wallet.provider, context.display);
  const [offers, page] = await Promise.all([borrowerOffers(context, book), myLoans()]);
  if (offers !== null) section.append(offers);
  if (page.loans.length === 0) {
    section.append(h("p", { class: "notice" }, t("noLoans")));
    return section;
  }
  const cards = await Promise.all(page.loans.map((loan) => loanCard(context, book, loan)));
  section.append(h("ul", { class: "cards wide", "data-testid": "borrower-loans" }, ...cards));
  return section;
};

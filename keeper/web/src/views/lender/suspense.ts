/**
 * `#/lender/suspense`: the bank payments that matched no loan (no reference, an unknown loan, several), each with why,
 * and a form to assign it to a loan on the lender's word (`POST /bank/records/:id/assign`); the keeper then relays
 * it on chain like any other and records who assigned it.
 */
import { ApiError } from "../../api.ts";
import { h } from "../../dom.ts";
import { assignBankRecord, listBankRecords, type BankRecordJson } from "../../lenderApi.ts";
import { formatAmount, formatDate, type ViewContext } from "../context.ts";
import { dataTable } from "./table.ts";

/** The most suspense records one page shows (the oldest wait on the next ones being resolved). */
export const SUSPENSE_PAGE_SIZE = 100;

/** The form that assigns `record` to a loan; on success the page is drawn again. */
function assignForm(context: ViewContext, record: BankRecordJson): HTMLFormElement {
  const { t } = context;
  const input = h("input", {
    type: "text",
    inputmode: "numeric",
    pattern: "[0-9]+",
    required: "",
    size: "6",
    "aria-label": t("loanId"),
    placeholder: t("loanId"),
    "data-testid": `assign-loan-${record.id}`,
  });
  const button = h("button", { type: "submit", class: "primary" }, t("assign"));
  const message = h("span", { class: "form-message", role: "status" });
  const form = h("form", { class: "inline", "data-testid": `assign-${record.id}` }, input, button, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    message.className = "form-message";
    message.textContent = t("assigning");
    try {
      await assignBankRecord(record.id, input.value.trim());
      context.refresh();
    } catch (error) {
      message.className = "form-message error";
      message.textContent =
        error instanceof ApiError
          ? `${t("assignFailed")}: ${error.code ?? error.status} — ${error.message}`
          : String(error);
      button.disabled = false;
    }
  });
  return form;
}

/**
 * @example
 * section.append(await suspensePage(context));
 */
export async function suspensePage(context: ViewContext): Promise<HTMLElement> {
  const { t } = context;
  const { records, total } = await listBankRecords("suspense", SUSPENSE_PAGE_SIZE);
  const table = dataTable<BankRecordJson>(
    [
      { header: t("paidAt"), cell: (record) => formatDate(context, record.paidAt) },
      { header: t("amount"), cell: (record) => formatAmount(context, record.amount), numeric: true },
      { header: t("bankReference"), cell: (record) => h("code", {}, `${record.source} · ${record.bankReference}`) },
      { header: t("payerReference"), cell: (record) => record.loanReference || "—" },
      { header: t("reason"), cell: (record) => record.reason ?? "—" },
      { header: t("assignToLoan"), cell: (record) => assignForm(context, record) },
    ],
    records,
    { "data-testid": "suspense" },
    (record) => ({ "data-record-id": String(record.id) }),
  );
  return h(
    "div",
    { "data-page": "suspense" },
    h("p", { class: "notice" }, t("suspenseIntro")),
    records.length === 0 ? h("p", { class: "notice", "data-testid": "suspense-empty" }, t("suspenseEmpty")) : table,
    h("p", { class: "notice", "data-testid": "suspense-total" }, `${t("inSuspense")}: ${total}`),
  );
}

/**
 * `#/lender/contacts?loanId=7`: the contact log of a loan, every message that went to its borrower (when, why, through
 * which channel, the hashes of its content and recipient) and, once its batch is anchored on chain, a link to the
 * entry's Merkle proof (`GET /api/contacts/log/:id/proof`).
 */
import { h } from "../../dom.ts";
import type { MessageKey } from "../../i18n/index.ts";
import { getContactLog, type ContactLogEntryJson } from "../../lenderApi.ts";
import { formatDate, type ViewContext } from "../context.ts";
import { shortHex } from "./format.ts";
import { lenderHref, type LenderRoute } from "./route.ts";
import { dataTable } from "./table.ts";

const KIND_LABELS: Readonly<Record<string, MessageKey>> = {
  remindBeforeDue: "remindBeforeDue",
  remindDueToday: "remindDueToday",
  remindLate1: "remindLate1",
  remindLate7: "remindLate7",
};

const LOAN_ID = /^[0-9]+$/;

/**
 * @example
 * section.append(await contactLogPage(context, lenderRouteOf(["contacts?loanId=7"])));
 */
export async function contactLogPage(context: ViewContext, route: LenderRoute): Promise<HTMLElement> {
  const { t } = context;
  const loanId = route.query.get("loanId") ?? "";
  const input = h("input", {
    id: "contact-loan",
    type: "text",
    inputmode: "numeric",
    pattern: "[0-9]+",
    required: "",
    size: "6",
    value: loanId,
    "data-testid": "contact-loan",
  });
  const form = h(
    "form",
    { class: "inline" },
    h("label", { for: "contact-loan" }, `${t("loanId")} `),
    input,
    h("button", { type: "submit", class: "primary" }, t("show")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = lenderHref("contacts", null, { loanId: input.value.trim() });
  });
  const page = h("div", { "data-page": "contacts" }, h("p", { class: "notice" }, t("contactLogIntro")), form);
  if (!LOAN_ID.test(loanId)) return page;

  const { entries } = await getContactLog(loanId);
  if (entries.length === 0) {
    page.append(h("p", { class: "notice", "data-testid": "contact-log-empty" }, t("contactLogEmpty")));
    return page;
  }
  page.append(
    dataTable<ContactLogEntryJson>(
      [
        { header: t("sentAt"), cell: (entry) => formatDate(context, entry.sentAt) },
        {
          header: t("message"),
          cell: (entry) => (KIND_LABELS[entry.kind] === undefined ? entry.kind : t(KIND_LABELS[entry.kind]!)),
        },
        { header: t("channel"), cell: (entry) => entry.channel },
        {
          header: t("contentHash"),
          cell: (entry) => h("code", { title: entry.contentHash }, shortHex(entry.contentHash)),
        },
        {
          header: t("proof"),
          cell: (entry) =>
            entry.anchorId === null
              ? t("notAnchoredYet")
              : h(
                  "a",
                  { href: `/api/contacts/log/${entry.id}/proof`, download: `contact-${entry.id}-proof.json` },
                  t("downloadProof"),
                ),
        },
      ],
      entries,
      { "data-testid": "contact-log" },
      (entry) => ({ "data-entry-id": String(entry.id) }),
    ),
  );
  return page;
}

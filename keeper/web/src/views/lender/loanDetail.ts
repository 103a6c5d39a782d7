/**
 * `#/lender/loans/7`: one loan as the keeper holds it, from its evidence (`GET /api/loans/:id/evidence`): the terms,
 * the schedule with what was paid, the payments, and the timeline of every on-chain event with its block, time and
 * transaction; a transaction's link (`?tx=0x…`) marks its events. "Download evidence" saves the same JSON; "Court
 * evidence package" downloads the package read from the chain (`.tar.gz`, what `loanbook evidence export` writes).
 */
import { h } from "../../dom.ts";
import {
  evidencePackagePath,
  evidencePath,
  getLoanEvidence,
  type LoanBankRecordJson,
  type LoanEventJson,
  type PaymentJson,
} from "../../lenderApi.ts";
import type { MessageKey } from "../../i18n/index.ts";
import { eventLabel, formatAmount, formatDate, statusLabel, type ViewContext } from "../context.ts";
import { shortHex } from "./format.ts";
import { loanSchedule, type ScheduleRow } from "./loanSchedule.ts";
import { lenderHref, type LenderRoute } from "./route.ts";
import { dataTable } from "./table.ts";

const BANK_STATES: Readonly<Record<string, MessageKey>> = {
  received: "bankStateReceived",
  matched: "bankStateMatched",
  suspense: "bankStateSuspense",
  relayed: "bankStateRelayed",
};

/** An event's arguments as `name: value` pairs (the loan id, said by the page already, left out). */
const argsText = (args: Readonly<Record<string, unknown>>): string =>
  Object.entries(args)
    .filter(([name]) => name !== "loanId")
    .map(([name, value]) => `${name}: ${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(", ");

/**
 * @example
 * section.append(await loanDetailPage(context, lenderRouteOf(["loans", "7"])));
 */
export async function loanDetailPage(context: ViewContext, route: LenderRoute): Promise<HTMLElement> {
  const { t } = context;
  const id = route.id!;
  const evidence = await getLoanEvidence(id);
  const { loan } = evidence;
  const money = (units: string | bigint) => formatAmount(context, units);
  const selectedTx = route.query.get("tx")?.toLowerCase() ?? null;
  const txLink = (hash: string) =>
    h("a", { href: lenderHref("loans", id, { tx: hash }), title: hash, "data-tx": hash }, shortHex(hash));

  const terms: [string, Node | string][] = [
    [t("status"), h("span", { class: "status", "data-status": loan.status }, statusLabel(t, loan.status))],
    [t("borrower"), h("code", { title: loan.borrower }, loan.borrower)],
    [t("claimHolder"), h("code", { title: loan.claimHolder }, loan.claimHolder)],
    [t("template"), `#${loan.templateId}`],
    [t("principal"), money(loan.principal)],
    [t("nextDue"), loan.nextDueTime === null ? t("nothingDue") : formatDate(context, loan.nextDueTime)],
    [t("portfolioAsOf"), formatDate(context, evidence.asOf)],
  ];

  const { source, rows } = await loanSchedule(context, evidence);
  const schedule = dataTable<ScheduleRow>(
    [
      { header: "#", cell: (row) => String(row.number), numeric: true },
      { header: t("dueDate"), cell: (row) => formatDate(context, row.dueTime) },
      { header: t("principal"), cell: (row) => money(row.principal), numeric: true },
      { header: t("interest"), cell: (row) => money(row.interest), numeric: true },
      { header: t("paid"), cell: (row) => (row.paid === null ? "—" : money(row.paid)), numeric: true },
      {
        header: t("left"),
        cell: (row) => (row.paid === null ? "—" : money(row.principal + row.interest - row.paid)),
        numeric: true,
      },
    ],
    rows,
    { "data-testid": "schedule", "data-source": source },
  );

  const timeOf = new Map(evidence.events.map((event) => [`${event.txHash}:${event.logIndex}`, event.timestamp]));
  const payments = dataTable<PaymentJson>(
    [
      {
        header: t("time"),
        cell: (row) => {
          const time = timeOf.get(`${row.txHash}:${row.logIndex}`);
          return time === undefined || time === null ? `${t("block")} ${row.blockNumber}` : formatDate(context, time);
        },
      },
      { header: t("transaction"), cell: (row) => txLink(row.txHash) },
      { header: t("amount"), cell: (row) => money(row.amount), numeric: true },
      { header: t("principal"), cell: (row) => money(BigInt(row.principalPaid) + BigInt(row.prepaid)), numeric: true },
      { header: t("interest"), cell: (row) => money(row.interestPaid), numeric: true },
      { header: t("penalty"), cell: (row) => money(row.penaltyPaid), numeric: true },
    ],
    evidence.payments,
    { "data-testid": "payments" },
    (row) => ({ "data-tx-hash": row.txHash }),
  );

  const bankRecords = dataTable<LoanBankRecordJson>(
    [
      { header: t("paidAt"), cell: (row) => formatDate(context, row.paidAt) },
      { header: t("amount"), cell: (row) => money(row.amount), numeric: true },
      { header: t("bankReference"), cell: (row) => h("code", {}, `${row.source} · ${row.bankReference}`) },
      {
        header: t("status"),
        cell: (row) => (BANK_STATES[row.state] === undefined ? row.state : t(BANK_STATES[row.state]!)),
      },
      { header: t("transaction"), cell: (row) => (row.relayTx === null ? "—" : txLink(row.relayTx)) },
    ],
    evidence.bankRecords,
    { "data-testid": "bank-records" },
  );

  const timelineEntry = (event: LoanEventJson) =>
    h(
      "li",
      {
        "data-tx-hash": event.txHash,
        "data-block-hash": event.blockHash,
        "data-log-index": String(event.logIndex),
        "data-event": event.name,
        ...(event.txHash.toLowerCase() === selectedTx ? { class: "selected" } : {}),
      },
      h("strong", { title: event.name }, eventLabel(t, event.name)),
      " ",
      h(
        "span",
        { class: "notice" },
        event.timestamp === null ? "" : `${formatDate(context, event.timestamp)} · `,
        `${t("block")} ${event.blockNumber} · ${t("logIndex")} ${event.logIndex} · `,
      ),
      txLink(event.txHash),
      argsText(event.args) === "" ? "" : h("div", { class: "args" }, argsText(event.args)),
    );

  const section = (title: string, content: HTMLElement, empty: boolean) =>
    h("section", {}, h("h3", {}, title), empty ? h("p", { class: "notice" }, t("nothingYet")) : content);

  const page = h(
    "div",
    { "data-page": "loan", "data-loan-id": loan.id },
    h("h3", {}, `${t("loan")} #${loan.id}`),
    h("dl", { class: "terms" }, ...terms.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    h(
      "p",
      { class: "actions" },
      h(
        "a",
        {
          class: "button",
          href: evidencePath(loan.id),
          download: `loan-${loan.id}-evidence.json`,
          "data-testid": "evidence-download",
        },
        t("downloadEvidence"),
      ),
      h(
        "a",
        {
          class: "button",
          href: evidencePackagePath(loan.id),
          download: `loan-${loan.id}-evidence.tar.gz`,
          "data-testid": "evidence-package-download",
        },
        t("downloadEvidencePackage"),
      ),
      h("a", { class: "button", href: lenderHref("contacts", null, { loanId: loan.id }) }, t("contactLog")),
    ),
    section(t(source === "chain" ? "scheduleAtOrigination" : "scheduleHeld"), schedule, rows.length === 0),
    section(t("payments"), payments, evidence.payments.length === 0),
    section(t("bankPayments"), bankRecords, evidence.bankRecords.length === 0),
    section(
      t("timeline"),
      h("ol", { class: "timeline", "data-testid": "timeline" }, ...evidence.events.map(timelineEntry)),
      evidence.events.length === 0,
    ),
  );
  return page;
}

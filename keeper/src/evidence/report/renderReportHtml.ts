/**
 * `renderReportHtml`: the evidence package's human-readable report, from its manifest alone (pure, no I/O). One
 * self-contained HTML document (inline CSS and SVG, no script, nothing fetched): the loan, its contracts and parties,
 * its terms, a timeline figure, a table of every event, the documents, the signatures, and how to verify. Every text
 * from the manifest is escaped: the manifest is untrusted input to the page.
 */
import type { EvidenceManifest, ManifestEvent } from "../manifest.ts";
import { escapeHtml } from "./escapeHtml.ts";
import { argumentPairs, formatUtc, formatValue } from "./formatValues.ts";
import { eventLabel, REPORT_TEXT, type ReportLocale, type ReportText } from "./i18n.ts";
import { REPORT_CSS } from "./reportStyle.ts";
import { timelineSvg } from "./timelineSvg.ts";

/** `report.<locale>.html` / `.pdf`: the report's files at the package's root. */
export const reportHtmlPath = (locale: ReportLocale) => `report.${locale}.html`;
export const reportPdfPath = (locale: ReportLocale) => `report.${locale}.pdf`;

/**
 * @example
 * const html = renderReportHtml(manifest, "zh"); // "<!DOCTYPE html><html lang=\"zh-CN\">..."
 */
export function renderReportHtml(manifest: EvidenceManifest, locale: ReportLocale): string {
  const text = REPORT_TEXT[locale];
  const title = text.title(manifest.loanId);
  return [
    "<!DOCTYPE html>",
    `<html lang="${text.htmlLang}"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>${escapeHtml(title)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<h1>${escapeHtml(title)}</h1>`,
    summarySection(manifest, text),
    termsSection(manifest, text),
    `<h2>${escapeHtml(text.timeline)}</h2>${timelineSvg(manifest.events, text)}`,
    `<p class="muted">${escapeHtml(text.timelineCaption)}</p>`,
    eventsSection(manifest.events, text),
    documentsSection(manifest, text),
    signaturesSection(manifest, text),
    `<h2>${escapeHtml(text.howToVerify)}</h2><p>${escapeHtml(text.howToVerifyText)}</p>`,
    "</body></html>",
    "",
  ].join("\n");
}

/** A table of `[label, value]` rows, each escaped; `code` values are set in the monospace font. */
function keyValueTable(rows: readonly (readonly [string, string, "code"?])[]): string {
  const cells = rows.map(
    ([label, value, style]) =>
      `<tr><th>${escapeHtml(label)}</th><td${style === "code" ? ' class="hash"' : ""}>${escapeHtml(value)}</td></tr>`,
  );
  return `<table>${cells.join("")}</table>`;
}

function summarySection(manifest: EvidenceManifest, text: ReportText): string {
  const { contracts, parties, readAt } = manifest;
  return (
    `<h2>${escapeHtml(text.summary)}</h2>` +
    keyValueTable([
      [text.chainId, String(manifest.chainId)],
      [text.loanBook, contracts.loanBook, "code"],
      [text.enforcementModule, contracts.enforcementModule, "code"],
      [text.token, contracts.token, "code"],
      [text.lender, parties.lender, "code"],
      [text.borrower, parties.borrower, "code"],
      [text.notary, parties.notary, "code"],
      [text.claimHolder, parties.claimHolder, "code"],
      [text.readAt, `${readAt.blockNumber} (${readAt.blockHash})`, "code"],
      [text.logsFrom, manifest.fromBlock],
    ])
  );
}

/** The loan book's views, each a small block of `field value` lines, set in two columns. */
function termsSection(manifest: EvidenceManifest, text: ReportText): string {
  const views = Object.entries(manifest.terms).map(([view, value]) => {
    const fields =
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? Object.entries(value).map(([field, fieldValue]) => [field, formatValue(fieldValue)])
        : [[text.value, formatValue(value)]];
    const lines = fields.map(
      ([field, fieldValue]) => `<dt>${escapeHtml(field)}</dt><dd>${escapeHtml(fieldValue)}</dd>`,
    );
    return `<div class="view"><h3>${escapeHtml(view)}</h3><dl>${lines.join("")}</dl></div>`;
  });
  return `<h2>${escapeHtml(text.terms)}</h2><div class="terms">${views.join("")}</div>`;
}

/** Two rows per event: its time, name, block and log index; then its transaction hash and arguments. */
function eventsSection(events: readonly ManifestEvent[], text: ReportText): string {
  const rows = events.map((event) => {
    const args = argumentPairs(event.args)
      .map(([name, value]) => `${escapeHtml(name)}: ${escapeHtml(value)}`)
      .join("<br>");
    return (
      `<tbody class="event" data-event="${event.index}"><tr class="event-head"><td>${event.index}</td>` +
      `<td>${escapeHtml(formatUtc(event.timestamp))}</td>` +
      `<td>${escapeHtml(eventLabel(text, event.name))} <span class="solidity">${escapeHtml(event.name)}</span></td>` +
      `<td>${escapeHtml(event.blockNumber)}</td><td>${escapeHtml(event.logIndex)}</td></tr>` +
      `<tr><td></td><td colspan="4">${escapeHtml(text.transaction)}: <span class="hash">${escapeHtml(event.transactionHash)}</span>` +
      `<div class="wrap">${args}</div></td></tr></tbody>`
    );
  });
  return (
    `<h2>${escapeHtml(text.events)}</h2><p>${escapeHtml(text.eventCount(events.length))}</p>` +
    `<table class="events"><thead><tr><th>#</th><th>${escapeHtml(text.time)}</th><th>${escapeHtml(text.event)}</th>` +
    `<th>${escapeHtml(text.block)}</th><th>${escapeHtml(text.logIndex)}</th></tr></thead>${rows.join("")}</table>`
  );
}

function documentsSection(manifest: EvidenceManifest, text: ReportText): string {
  if (manifest.documents.length === 0) return `<h2>${escapeHtml(text.documents)}</h2><p>${escapeHtml(text.none)}</p>`;
  const rows = manifest.documents.map((document) => {
    const event = manifest.events.find((candidate) => candidate.index === document.eventIndex);
    const namedBy =
      event === undefined ? String(document.eventIndex) : `#${event.index} ${eventLabel(text, event.name)}`;
    return (
      `<tr><td>${escapeHtml(document.role)}</td><td class="hash">${escapeHtml(document.hash)}</td>` +
      `<td>${escapeHtml(namedBy)}</td></tr>`
    );
  });
  return (
    `<h2>${escapeHtml(text.documents)}</h2><table><tr><th>${escapeHtml(text.role)}</th><th>${escapeHtml(text.hash)}</th>` +
    `<th>${escapeHtml(text.namedBy)}</th></tr>${rows.join("")}</table>`
  );
}

function signaturesSection(manifest: EvidenceManifest, text: ReportText): string {
  if (manifest.signatures.length === 0) return `<h2>${escapeHtml(text.signatures)}</h2><p>${escapeHtml(text.none)}</p>`;
  const rows = manifest.signatures.map((signature) => {
    const kind = Object.hasOwn(text.signatureKinds, signature.kind)
      ? text.signatureKinds[signature.kind]
      : signature.kind;
    const approval = signature.ownTransaction ? text.ownTransaction : text.signedTypedData;
    return (
      `<tr><td>${escapeHtml(kind)} <span class="solidity">${escapeHtml(signature.kind)}</span><br>${escapeHtml(approval)}</td>` +
      `<td><span class="hash">${escapeHtml(signature.signer)}</span><br>` +
      `<span class="hash">${escapeHtml(signature.transactionHash)}</span></td></tr>`
    );
  });
  return (
    `<h2>${escapeHtml(text.signatures)}</h2><table><tr><th>${escapeHtml(text.kind)} / ${escapeHtml(text.approval)}</th>` +
    `<th>${escapeHtml(text.signer)} / ${escapeHtml(text.transaction)}</th></tr>${rows.join("")}</table>`
  );
}

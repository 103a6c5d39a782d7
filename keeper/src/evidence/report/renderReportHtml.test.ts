import { describe, it } from "node:test";
import { expect } from "chai";
import type { Hex } from "viem";
import { MANIFEST_FORMAT, type EvidenceManifest, type ManifestEvent } from "../manifest.ts";
import { escapeHtml } from "./escapeHtml.ts";
import { eventLabel, REPORT_LOCALES, REPORT_TEXT } from "./i18n.ts";
import { renderReportHtml } from "./renderReportHtml.ts";

const ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const HOSTILE = `<script>alert("x")</script><img src=x onerror='alert(1)'>&`;
const ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;";
const DAY = 86_400;
const START = 1_767_225_600; // 2026-01-01 00:00:00 UTC

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;

/** A loan's life in events: the day each happens, its name, its arguments besides the loan id. */
const LIFE: [number, string, Record<string, string>][] = [
  [0, "LoanOriginated", { principal: "1000000000", documentHash: hash(0xd0c) }],
  [0, "Transfer", { from: ADDRESS, to: ADDRESS }],
  [10, "RepaymentMade", { payer: ADDRESS, principalPaid: "10000000" }],
  [11, "BankPaymentRecorded", { signer: ADDRESS, amount: "10000000" }],
  [215, "LoanDefaulted", { missedInstallments: "3" }],
  [216, "DefaultCertified", { notary: ADDRESS, defaultProofHash: hash(0xdef) }],
  [217, "CommitmentAccepted", { total: "990000000" }],
  [218, "DebtRepaid", { amount: "330000000" }],
  [260, "CommitmentBreached", { installment: "1" }],
  [270, "RecoveryStageAdvanced", { stage: "2", noticeHash: hash(0x11) }],
  [280, "LoanWrittenOff", { amount: "660000000", reasonHash: hash(0x12) }],
  [281, "SomeFutureEvent", { note: HOSTILE }],
];

function manifestOf(life = LIFE): EvidenceManifest {
  const events: ManifestEvent[] = life.map(([day, name, args], index) => ({
    index,
    name,
    args: { loanId: "7", ...args },
    address: ADDRESS,
    topics: [],
    data: "0x",
    blockNumber: String(100 + index),
    blockHash: hash(0xb000 + index),
    timestamp: String(START + day * DAY),
    transactionHash: hash(0xa000 + index),
    transactionIndex: 0,
    logIndex: index % 3,
  }));
  return {
    format: MANIFEST_FORMAT,
    chainId: 31337,
    contracts: { loanBook: ADDRESS, enforcementModule: ADDRESS, token: ADDRESS },
    loanId: "7",
    readAt: { blockNumber: "200", blockHash: hash(0xbbbb) },
    fromBlock: "0",
    parties: { lender: ADDRESS, borrower: ADDRESS, notary: ADDRESS, claimHolder: ADDRESS },
    terms: { loanOf: { principal: "1000000000", memo: HOSTILE }, statusOf: "4" },
    documents: [
      { role: "documentHash", hash: hash(0xd0c), eventIndex: 0 },
      { role: HOSTILE, hash: hash(0xdef), eventIndex: 5 },
    ],
    events,
    signatures: [
      {
        kind: "LoanAcceptance",
        transactionHash: hash(0xa000),
        signer: ADDRESS,
        ownTransaction: false,
        signature: "0x12",
        typedData: null,
      },
    ],
  };
}

/** The part of `html` from the element that carries `data-event="<index>"` to its closing `tag`. */
function eventElement(html: string, tag: string, index: number): string {
  const start = html.indexOf(`<${tag} `, html.lastIndexOf(`data-event="${index}"`) - 60);
  const at = html.indexOf(`data-event="${index}"`, start);
  expect(at, `${tag} of event ${index}`).to.be.greaterThan(-1);
  return html.slice(html.lastIndexOf(`<${tag} `, at), html.indexOf(`</${tag}>`, at));
}

describe("renderReportHtml", () => {
  for (const locale of REPORT_LOCALES) {
    const text = REPORT_TEXT[locale];

    it(`shows every event in the table and in the figure (${locale})`, () => {
      const manifest = manifestOf();
      const html = renderReportHtml(manifest, locale);
      const [table, figure] = [
        html.slice(html.indexOf('<table class="events">')),
        html.slice(0, html.indexOf("</svg>")),
      ];
      for (const event of manifest.events) {
        const row = eventElement(table, "tbody", event.index);
        expect(row).to.include(event.transactionHash).and.include(`<td>${event.blockNumber}</td>`);
        expect(row).to.include(event.name === "SomeFutureEvent" ? event.name : eventLabel(text, event.name));
        const mark = eventElement(figure, "g", event.index);
        expect(mark).to.include("<circle").and.include(`>${event.index}</text>`);
      }
      expect(html.match(/<tbody class="event"/g)).to.have.length(manifest.events.length);
      expect(html.match(/<g class="mark /g)).to.have.length(manifest.events.length);
      expect(html).to.include(`<html lang="${text.htmlLang}">`).and.include(text.title("7"));
    });

    it(`lists the header, terms, documents, signatures and how to verify (${locale})`, () => {
      const html = renderReportHtml(manifestOf(), locale);
      for (const expected of [
        text.chainId,
        "31337",
        ADDRESS,
        hash(0xbbbb),
        text.terms,
        "1000000000",
        hash(0xd0c),
        hash(0xdef),
        text.signatureKinds.LoanAcceptance,
        "SHA256SUMS",
        "evidence verify",
        ...Object.values(text.stages),
      ]) {
        expect(html).to.include(escapeHtml(expected));
      }
    });
  }

  it("escapes every text of the manifest, and loads nothing", () => {
    const manifest = { ...manifestOf(), loanId: HOSTILE };
    for (const locale of REPORT_LOCALES) {
      const html = renderReportHtml(manifest, locale);
      expect(html).not.to.match(/<(script|img|link|iframe|object|embed)\b/i);
      // The page's <title> and <h1>, the terms, a document's role, an event's arguments.
      expect(html.split(ESCAPED).length - 1).to.equal(5);
      expect(html.replaceAll(ESCAPED, "")).not.to.match(/\son\w+=|src=|href=|url\(|@import/i);
    }
  });

  it("is a pure function of the manifest", () => {
    expect(renderReportHtml(manifestOf(), "zh")).to.equal(renderReportHtml(manifestOf(), "zh"));
    expect(renderReportHtml(manifestOf(LIFE.slice(0, 1)), "en")).to.include("<circle");
    expect(renderReportHtml(manifestOf([]), "en")).to.include(REPORT_TEXT.en.eventCount(0));
  });
});

import { after, describe, it } from "node:test";
import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MANIFEST_FORMAT, type EvidenceManifest } from "../manifest.ts";
import { renderReportHtml } from "./renderReportHtml.ts";
import { writeReport } from "./writeReport.ts";

const ZERO = "0x0000000000000000000000000000000000000000";
const root = mkdtempSync(join(tmpdir(), "evidence-report-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** A manifest whose keys are not in canonical (sorted) order. */
const manifest: EvidenceManifest = {
  format: MANIFEST_FORMAT,
  chainId: 1,
  contracts: { loanBook: ZERO, enforcementModule: ZERO, token: ZERO },
  loanId: "3",
  readAt: { blockNumber: "9", blockHash: `0x${"9".repeat(64)}` },
  fromBlock: "0",
  parties: { lender: ZERO, borrower: ZERO, notary: ZERO, claimHolder: ZERO },
  terms: { statusOf: "1", loanOf: { principal: "5", borrower: ZERO } },
  documents: [],
  events: [],
  signatures: [],
};

describe("writeReport", () => {
  it("writes the HTML in both languages without PDFs, rendered from the stored (sorted) manifest", async () => {
    const outDir = join(root, "html-only");
    const { files, pdfSkipped } = await writeReport({ manifest, outDir, pdf: false });
    expect(pdfSkipped).to.equal(null);
    expect([...files.keys()]).to.deep.equal(["report.en.html", "report.zh.html"]);
    expect(readdirSync(outDir).sort()).to.deep.equal(["report.en.html", "report.zh.html"]);
    const html = readFileSync(join(outDir, "report.zh.html"), "utf8");
    expect(html).to.equal(files.get("report.zh.html"));
    expect(html).not.to.equal(renderReportHtml(manifest, "zh"));
    expect(html.indexOf("loanOf")).to.be.lessThan(html.indexOf("statusOf"));
    expect(html.indexOf(">borrower<")).to.be.lessThan(html.indexOf(">principal<"));
  });
});

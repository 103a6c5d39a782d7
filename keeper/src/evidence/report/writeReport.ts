/**
 * `writeReport`: the package's report files, written beside the manifest: `report.en.html` and `report.zh.html`
 * always, `report.en.pdf` and `report.zh.pdf` when asked and Chromium can print them. It returns every file's bytes,
 * for `SHA256SUMS`. The HTML is rendered from the manifest as `manifest.json` holds it (canonical JSON, keys sorted),
 * so that anyone re-renders the same bytes from the file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson } from "../canonicalJson.ts";
import type { EvidenceManifest } from "../manifest.ts";
import { REPORT_LOCALES } from "./i18n.ts";
import { renderReportHtml, reportHtmlPath, reportPdfPath } from "./renderReportHtml.ts";
import { renderReportPdf, reportPdfUnavailable } from "./renderReportPdf.ts";

export interface WriteReportParameters {
  readonly manifest: EvidenceManifest;
  readonly outDir: string;
  /** Print the PDFs too (when Chromium is installed). */
  readonly pdf: boolean;
}

export interface WriteReportReturnType {
  /** Each file written, relative to `outDir`, with its bytes. */
  readonly files: ReadonlyMap<string, string | Uint8Array>;
  /** Why the PDFs were asked for but not written (no Chromium, or it failed); null otherwise. */
  readonly pdfSkipped: string | null;
}

/**
 * @example
 * const { files, pdfSkipped } = await writeReport({ manifest, outDir: "evidence/loan-7", pdf: true });
 */
export async function writeReport({ manifest, outDir, pdf }: WriteReportParameters): Promise<WriteReportReturnType> {
  mkdirSync(outDir, { recursive: true });
  const files = new Map<string, string | Uint8Array>();
  const stored = JSON.parse(canonicalJson(manifest)) as EvidenceManifest;
  const pages = REPORT_LOCALES.map((locale) => ({ locale, html: renderReportHtml(stored, locale) }));
  for (const { locale, html } of pages) {
    writeFileSync(join(outDir, reportHtmlPath(locale)), html);
    files.set(reportHtmlPath(locale), html);
  }
  let pdfSkipped = pdf ? reportPdfUnavailable() : null;
  if (pdf && pdfSkipped === null) {
    try {
      for (const { locale, html } of pages) {
        files.set(reportPdfPath(locale), await renderReportPdf(html, join(outDir, reportPdfPath(locale))));
      }
    } catch (error) {
      pdfSkipped = `chromium failed to print the report (${(error as Error).message.split("\n")[0]})`;
    }
  }
  return { files, pdfSkipped };
}

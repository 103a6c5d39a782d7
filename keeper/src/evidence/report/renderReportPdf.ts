/**
 * `renderReportPdf`: prints a report's HTML to PDF (A4, backgrounds printed) with the system's Chromium (Debian's
 * `chromium`), driven by playwright-core, which downloads no browser. Nothing reaches outside the machine: the page
 * loads no resource (`renderReportHtml` writes none) and the browser runs without background networking.
 */
import { writeFileSync } from "node:fs";
import { CHROMIUM_ARGS, CHROMIUM_INSTALL, findChromium } from "../../adapters/chromium.ts";

/** Why no PDF can be printed here, or null when it can. */
export function reportPdfUnavailable(): string | null {
  return findChromium() === null ? `chromium is not installed (${CHROMIUM_INSTALL})` : null;
}

/**
 * Prints `html` to the PDF file `outPath` and returns its bytes; throws when Chromium is missing or fails.
 *
 * @example
 * const bytes = await renderReportPdf(renderReportHtml(manifest, "en"), "evidence/loan-7/report.en.pdf");
 */
export async function renderReportPdf(html: string, outPath: string): Promise<Uint8Array> {
  const executablePath = findChromium();
  if (executablePath === null) throw new Error(reportPdfUnavailable()!);
  // playwright-core is loaded only when a PDF is printed: an install without it still writes the HTML.
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  try {
    const page = await browser.newPage({ javaScriptEnabled: false });
    await page.setContent(html, { waitUntil: "load" });
    const pdf = await page.pdf({ format: "A4", printBackground: true, preferCSSPageSize: true });
    writeFileSync(outPath, pdf);
    return pdf;
  } finally {
    await browser.close();
  }
}

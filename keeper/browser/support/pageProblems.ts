/**
 * What went wrong in a page, as a test should see it: its console errors and uncaught exceptions, except Chromium's
 * line for a 401 or 403 response, an answer the app expects and handles (nobody signed in yet, a borrower on the
 * lender's page).
 */
import type { Page } from "playwright-core";

const EXPECTED_REFUSAL = /^Failed to load resource: the server responded with a status of 40[13] /;

/** Starts collecting `page`'s problems; the array fills as they happen. */
export function collectPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" && !EXPECTED_REFUSAL.test(message.text()))
      problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

/**
 * Headless Chromium for the browser tests: the system's (Debian's `chromium`, which `.ci/run` installs), driven by
 * playwright-core, in a fresh profile that is deleted on close. Nothing reaches outside the machine: no background
 * networking, component updates, sync or QUIC.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { CHROMIUM_ARGS, CHROMIUM_INSTALL, findChromium } from "../../src/adapters/chromium.ts";

export interface LaunchChromiumParameters {
  /** CSS pixels; a desktop's by default. */
  readonly viewport?: { width: number; height: number };
  readonly locale?: string;
}

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** The system Chromium's path (`which chromium`), with a hint to install it when it is missing. */
export function chromiumPath(): string {
  const path = findChromium();
  if (path === null) throw new Error(`chromium is not installed: ${CHROMIUM_INSTALL}`);
  return path;
}

/**
 * Why the browser tests cannot run here, or false when they can: on a developer's machine without Debian's chromium
 * they are skipped with the command that installs it; under CI (`CI` set) they always run, and fail without it.
 *
 * @example
 * describe("the web app in Chromium", { skip: browserSkipReason() }, () => { ... });
 */
export function browserSkipReason(env: Readonly<Record<string, string | undefined>> = process.env): string | false {
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "false") return false;
  try {
    chromiumPath();
    return false;
  } catch {
    return `Debian's chromium is not installed (${CHROMIUM_INSTALL}); CI installs it and runs these tests`;
  }
}

/**
 * @example
 * const browser = await launchChromium();
 * const page = await browser.context.newPage();
 */
export async function launchChromium(parameters: LaunchChromiumParameters = {}): Promise<Chromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), "keeper-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: parameters.viewport ?? { width: 1280, height: 800 },
    locale: parameters.locale ?? "en-US",
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

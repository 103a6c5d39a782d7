/**
 * The system's Chromium (Debian's `chromium`, which `.ci/run` installs), as the report printer and the browser tests
 * run it with playwright-core: headless, and reaching nothing outside the machine (no background networking,
 * component updates, sync or QUIC). playwright-core never downloads a browser here.
 */
import { execFileSync } from "node:child_process";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** How to install it. */
export const CHROMIUM_INSTALL = "apt-get install -y --no-install-recommends chromium fonts-wqy-microhei";

/**
 * The system Chromium's path (`which chromium`), or null when it is not installed.
 *
 * @example
 * findChromium(); // "/usr/bin/chromium"
 */
export function findChromium(): string | null {
  try {
    return execFileSync("which", ["chromium"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

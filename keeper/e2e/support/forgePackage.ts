/**
 * For the evidence tamper tests: what a forger does after changing a package's files, `SHA256SUMS` rewritten for the
 * files as they are now, so that only the deeper checks can catch the change.
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { formatSha256Sums, SHA256SUMS_FILE } from "../../src/evidence/sha256Sums.ts";

export function rewriteSums(dir: string): void {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === SHA256SUMS_FILE) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), readFileSync(path));
  }
  writeFileSync(join(dir, SHA256SUMS_FILE), formatSha256Sums(files));
}

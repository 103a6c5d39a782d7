/**
 * For the evidence end-to-end tests: the `loanbook evidence` command run in-process, and what a forger does after
 * changing a package's files (`SHA256SUMS` rewritten for the files as they are now, so that only the deeper checks
 * can catch the change).
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { CliIo } from "../../src/cli/command.ts";
import { createEvidenceCommand } from "../../src/cli/commands/evidence.ts";
import { runCli } from "../../src/cli/runCli.ts";
import { formatSha256Sums, SHA256SUMS_FILE } from "../../src/evidence/sha256Sums.ts";

/** Runs `loanbook evidence <argv>` in-process, through the dispatcher (which turns usage errors into exit 2). */
export async function evidenceCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  };
  const code = await runCli(["evidence", ...argv], io, [createEvidenceCommand({ env: {} })]);
  return { code, stdout, stderr };
}

/** Rewrites `dir`'s `SHA256SUMS` for its files as they are now. */
export function rewriteSums(dir: string): void {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name === SHA256SUMS_FILE) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(relative(dir, path), readFileSync(path));
  }
  writeFileSync(join(dir, SHA256SUMS_FILE), formatSha256Sums(files));
}

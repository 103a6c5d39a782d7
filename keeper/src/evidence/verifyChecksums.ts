/**
 * The first check of a package, the one `sha256sum -c SHA256SUMS` makes: every listed file has its digest, and no
 * file of the package is left out of the list.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseSha256Sums, sha256Hex, SHA256SUMS_FILE } from "./sha256Sums.ts";
import { fail, pass, type Verdict } from "./verdict.ts";

/**
 * One verdict per file of the package at `dir`.
 *
 * @example
 * verifyChecksums("evidence/loan-7").filter((v) => !v.ok); // [] for an untouched package
 */
export function verifyChecksums(dir: string): Verdict[] {
  const sumsFile = join(dir, SHA256SUMS_FILE);
  if (!existsSync(sumsFile)) return [fail(`sha256 ${SHA256SUMS_FILE}`, `${SHA256SUMS_FILE} is missing`)];
  let lines;
  try {
    lines = parseSha256Sums(readFileSync(sumsFile, "utf8"));
  } catch (error) {
    return [fail(`sha256 ${SHA256SUMS_FILE}`, (error as Error).message)];
  }
  const verdicts: Verdict[] = lines.map(({ digest, path }) => {
    const item = `sha256 ${path}`;
    const file = join(dir, path);
    if (!existsSync(file)) return fail(item, `${path} is listed in ${SHA256SUMS_FILE} but missing`);
    const actual = sha256Hex(readFileSync(file));
    return actual === digest
      ? pass(item, digest)
      : fail(item, `${path} has SHA-256 ${actual}, ${SHA256SUMS_FILE} says ${digest}: the file was changed`);
  });
  const listed = new Set(lines.map((line) => line.path));
  for (const path of filesUnder(dir)) {
    if (path !== SHA256SUMS_FILE && !listed.has(path)) {
      verdicts.push(fail(`sha256 ${path}`, `${path} is in the package but not in ${SHA256SUMS_FILE}`));
    }
  }
  return verdicts;
}

/** Every file under `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"));
}

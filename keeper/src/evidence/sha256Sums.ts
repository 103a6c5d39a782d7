/**
 * The package's `SHA256SUMS`, in the format `sha256sum -c` reads: one line per file, the hex digest, two spaces
 * (text mode) and the path relative to the package, sorted by path.
 */
import { createHash } from "node:crypto";

/** The name of the checksum file at the package's root. */
export const SHA256SUMS_FILE = "SHA256SUMS";

/** The hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The `SHA256SUMS` text for `files` (relative path to content).
 *
 * @example
 * formatSha256Sums(new Map([["manifest.json", "{}\n"]])); // "ca3d...  manifest.json\n"
 */
export function formatSha256Sums(files: ReadonlyMap<string, Uint8Array | string>): string {
  const paths = [...files.keys()].sort();
  return paths.map((path) => `${sha256Hex(files.get(path)!)}  ${path}\n`).join("");
}

/** One line of `SHA256SUMS`. */
export interface Sha256Line {
  readonly digest: string;
  readonly path: string;
}

/**
 * The lines of a `SHA256SUMS` text; throws on a line `sha256sum -c` would not read, naming its number.
 *
 * @example
 * parseSha256Sums("ab...  manifest.json\n"); // [{ digest: "ab...", path: "manifest.json" }]
 */
export function parseSha256Sums(text: string): Sha256Line[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line, i) => {
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (match === null) throw new Error(`${SHA256SUMS_FILE} line ${i + 1} is not "<sha256>  <path>": ${line}`);
    return { digest: match[1], path: match[2] };
  });
}

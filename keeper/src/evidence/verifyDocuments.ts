/**
 * Supplied documents against the package: each file in the folder must hash (keccak256 of its bytes, the loan
 * book's convention) to a document hash the manifest's events name.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { documentFileHash } from "./documentHashes.ts";
import type { EvidenceManifest } from "./manifest.ts";
import { fail, pass, type Verdict } from "./verdict.ts";

/**
 * One verdict per file in `docsDir` (its subfolders are not read).
 *
 * @example
 * verifyDocuments({ manifest, docsDir: "documents/loan-7" }); // [{ item: "document contract.pdf", ok: true, ... }]
 */
export function verifyDocuments({ manifest, docsDir }: { manifest: EvidenceManifest; docsDir: string }): Verdict[] {
  const files = readdirSync(docsDir, { withFileTypes: true }).filter((entry) => entry.isFile());
  if (files.length === 0) return [fail("documents", `${docsDir} holds no files`)];
  return files
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const hash = documentFileHash(readFileSync(join(docsDir, name)));
      const named = manifest.documents.filter((document) => document.hash.toLowerCase() === hash);
      return named.length > 0
        ? pass(
            `document ${name}`,
            `keccak256 ${hash} is the ${named.map((d) => `${d.role} of event ${d.eventIndex}`).join(", ")}`,
          )
        : fail(`document ${name}`, `keccak256 ${hash} is none of the manifest's document hashes`);
    });
}

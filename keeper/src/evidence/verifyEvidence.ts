/**
 * `verifyEvidence`: re-checks an evidence package against any JSON-RPC node and returns a verdict per item: the
 * files' SHA-256 sums, the chain id, the block headers, receipts and transactions, each event, their order and
 * completeness, each signature, the loan's terms and parties, each contact log entry's Merkle proof and anchor, and
 * (with `docsDir`) the supplied documents. The
 * package holds only when every verdict does. The deeper checks never trust `SHA256SUMS`: a package whose sums were
 * rewritten after a change still fails where the change is.
 */
import type { PublicClient } from "viem";
import { openEvidencePackage } from "./evidencePackage.ts";
import { verifyChainData } from "./verifyChainData.ts";
import { verifyChecksums } from "./verifyChecksums.ts";
import { verifyContacts } from "./verifyContacts.ts";
import { verifyDocuments } from "./verifyDocuments.ts";
import { verifyEvents } from "./verifyEvents.ts";
import { verifySignatures } from "./verifySignatures.ts";
import { verifyTerms } from "./verifyTerms.ts";
import { fail, guarded, type Verdict } from "./verdict.ts";

export interface VerifyEvidenceParameters {
  /** The package folder. */
  readonly dir: string;
  readonly client: PublicClient;
  /** A folder of the loan's documents, to match against the manifest's hashes. */
  readonly docsDir?: string;
}

/**
 * @example
 * const verdicts = await verifyEvidence({ dir: "evidence/loan-7", client });
 * const holds = verdicts.every((verdict) => verdict.ok);
 */
export async function verifyEvidence({ dir, client, docsDir }: VerifyEvidenceParameters): Promise<Verdict[]> {
  const verdicts = verifyChecksums(dir);
  let evidence;
  try {
    evidence = openEvidencePackage(dir);
  } catch (error) {
    return [...verdicts, fail("manifest", (error as Error).message)];
  }
  const parameters = { evidence, client };
  verdicts.push(
    ...(await guarded("chain id and terms", () => verifyTerms(parameters))),
    ...(await guarded("chain data", () => verifyChainData(parameters))),
    ...(await guarded("events", () => verifyEvents(parameters))),
    ...(await guarded("signatures", () => verifySignatures(parameters))),
    ...(await guarded("contacts", () => verifyContacts(parameters))),
  );
  if (docsDir !== undefined) {
    verdicts.push(...(await guarded("documents", () => verifyDocuments({ manifest: evidence.manifest, docsDir }))));
  }
  return verdicts;
}

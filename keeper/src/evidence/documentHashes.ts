/**
 * The documents a loan's events commit to by hash, and how a supplied file is matched to them: the contract's
 * convention (scripts/demo/createWorld.ts) is the keccak256 of the document's bytes.
 */
import { keccak256, type Hex } from "viem";
import type { ManifestDocument, ManifestEvent } from "./manifest.ts";

/** The arguments of each event that are the hash of a document (not of on-chain facts). */
export const DOCUMENT_ARGS: Readonly<Record<string, readonly string[]>> = {
  LoanOriginated: ["documentHash"],
  DefaultCertified: ["debtInstrumentHash", "defaultProofHash", "identityProofHash"],
  ObjectionFiled: ["evidenceHash"],
  ObjectionResolved: ["decisionHash"],
  RecoveryStageAdvanced: ["noticeHash"],
  CollateralEnforced: ["valuationHash"],
  LoanWrittenOff: ["reasonHash"],
};

/**
 * The document hashes named by `events`, in event order.
 *
 * @example
 * documentsOf(events); // [{ role: "documentHash", hash: "0x...", eventIndex: 0 }, ...]
 */
export function documentsOf(events: readonly Pick<ManifestEvent, "index" | "name" | "args">[]): ManifestDocument[] {
  return events.flatMap((event) =>
    (DOCUMENT_ARGS[event.name] ?? []).map((role) => ({
      role,
      hash: (event.args as Record<string, Hex>)[role],
      eventIndex: event.index,
    })),
  );
}

/** A document file's hash as the loan book records it. */
export function documentFileHash(bytes: Uint8Array): Hex {
  return keccak256(bytes);
}

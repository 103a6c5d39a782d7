/**
 * A contact log entry's proof as the keeper states it: its leaf, its Merkle proof in its batch, the batch's root and
 * the anchoring action (`GET /api/contacts/log/:id/proof` answers it; the loan page's evidence package reads it
 * straight from the store through `storeContactSource`, with the same answers).
 */
import type { Address } from "viem";
import { contactLeafHash, loadContactTree } from "../core/contactMerkle.ts";
import type { ContactLogEntry } from "../adapters/store/contacts.ts";
import type { Store } from "../adapters/store/openStore.ts";
import { contactEntryOfLog } from "../runtime/contactDesk.ts";
import type { ContactLogSource } from "../evidence/contactEvidence.ts";

/**
 * The proof of an entry whose batch is closed, or null while it is open (not anchored yet).
 *
 * @example
 * const answer = contactProofOf(store, entry, evidenceAnchor); // answer?.anchor.txHash: the anchoring transaction
 */
export function contactProofOf(
  store: Pick<Store, "contacts" | "getActionByKey">,
  entry: ContactLogEntry,
  evidenceAnchor: Address | null,
) {
  if (entry.anchorId === null) return null;
  const anchor = store.contacts.getContactAnchor(entry.anchorId)!;
  const tree = loadContactTree(JSON.parse(anchor.tree));
  const leafEntry = contactEntryOfLog(entry);
  const action = store.getActionByKey(anchor.actionKey);
  return {
    entry,
    leafValues: leafEntry,
    leaf: contactLeafHash(leafEntry),
    proof: tree.proofOf(leafEntry.entryId),
    root: anchor.root,
    batch: { firstEntry: anchor.firstEntry, lastEntry: anchor.lastEntry, count: anchor.count },
    anchor: {
      contract: evidenceAnchor,
      state: action?.state ?? "unknown",
      txHash: action?.txHash ?? null,
      block: action?.doneBlock ?? null,
    },
  };
}

/**
 * The keeper's own contact log as an evidence package's source, read from its store.
 *
 * @example
 * await exportEvidence({ ..., contactLog: storeContactSource(store, evidenceAnchor, "http://keeper:8080") });
 */
export function storeContactSource(
  store: Pick<Store, "contacts" | "getActionByKey">,
  evidenceAnchor: Address | null,
  origin: string,
): ContactLogSource {
  return {
    origin,
    entriesOf: async (loanId) =>
      store.contacts
        .contactLogOfLoan(loanId)
        .map((entry) => ({ ...entry, loanId: entry.loanId.toString(), sentAt: entry.sentAt.toString() })),
    proofOf: async (entryId) => {
      const entry = store.contacts.getContactLogEntry(entryId);
      return entry === undefined ? null : contactProofOf(store, entry, evidenceAnchor);
    },
  };
}

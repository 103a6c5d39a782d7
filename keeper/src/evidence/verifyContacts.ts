/**
 * The package's contact log entries (`contacts` in the manifest, `contactEvidence.ts`), each on its own: the leaf
 * recomputed from its values is the stated leaf, the Merkle proof leads from it to the stated root (OpenZeppelin's
 * `processProof`: sorted pairs, keccak256), the anchoring receipt has the `ContactLogAnchored` log of that root by the
 * stated account over a range that holds the entry, and `EvidenceAnchor.verify(anchoredBy, root, proof, leaf)`
 * answers true on the node. An entry whose batch was not anchored when exported fails: it is the keeper's word only.
 * (The receipts and blocks themselves are checked against the node by `verifyChainData.ts`.)
 */
import { concat, getAddress, hexToBigInt, isHex, keccak256, type Hex, type RpcLog } from "viem";
import { evidenceAnchorAbi } from "../abi/evidenceAnchor.ts";
import { contactLeafHash } from "../core/contactMerkle.ts";
import { anchoredLogOf, contactEntryOfLeaf } from "./contactEvidence.ts";
import type { CheckParameters } from "./evidencePackage.ts";
import { receiptPath, type ManifestContact } from "./manifest.ts";
import { fail, pass, type Verdict } from "./verdict.ts";

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** The fields of an anchoring transaction's raw receipt (`receipts/<txHash>.json`) the checks read. */
export interface AnchoringReceipt {
  readonly logs: readonly RpcLog[];
  readonly status: Hex | null;
  readonly blockNumber: Hex;
  readonly blockHash: Hex;
}

/**
 * The root `proof` leads to from `leaf`, as OpenZeppelin's `MerkleProof.processProof` computes it: each step hashes
 * the pair in ascending order.
 *
 * @example
 * processProof(leaf, proof) === root; // the leaf is in the tree of root
 */
export function processProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, sibling) => {
    const [a, b] = hexToBigInt(node) < hexToBigInt(sibling) ? [node, sibling] : [sibling, node];
    return keccak256(concat([a, b]));
  }, leaf);
}

/**
 * What is wrong with `contact` against the package's anchoring receipt (empty: nothing), all but the node's answer.
 *
 * @example
 * contactProblems(contact, "7", receipt); // ["the proof leads to 0x12..., not the stated root 0xab..."]
 */
export function contactProblems(
  contact: ManifestContact,
  loanId: string,
  receipt: AnchoringReceipt | undefined,
): string[] {
  const problems: string[] = [];
  const values = contact.leafValues;
  if (values.entryId !== contact.entryId) problems.push(`its leaf is of entry ${values.entryId}`);
  if (values.loanId !== loanId) problems.push(`its leaf is of loan ${values.loanId}, not loan ${loanId}`);
  let leaf: Hex;
  try {
    leaf = contactLeafHash(contactEntryOfLeaf(values));
  } catch (error) {
    return [...problems, `its leaf values do not encode: ${(error as Error).message}`];
  }
  if (leaf !== contact.leaf?.toLowerCase()) {
    problems.push(`its leaf values hash to ${leaf}, not the stated leaf ${contact.leaf}: an entry field was changed`);
  }
  if (!contact.anchored) return problems;
  const { proof, root, anchor } = contact;
  if (proof === null || root === null || anchor === null)
    return [...problems, "it is anchored without proof, root or anchor"];
  if (!BYTES32.test(root) || !proof.every((node) => BYTES32.test(node))) {
    return [...problems, "its root or a proof element is not 32 bytes of hex"];
  }
  const reached = processProof(leaf, proof);
  if (reached !== root.toLowerCase()) problems.push(`the proof leads to ${reached}, not the stated root ${root}`);
  if (receipt === undefined) return [...problems, `${receiptPath(anchor.transactionHash)} is missing`];
  if (receipt.status !== "0x1") problems.push(`the anchoring transaction ${anchor.transactionHash} reverted`);
  if (BigInt(receipt.blockNumber) !== BigInt(anchor.blockNumber) || receipt.blockHash !== anchor.blockHash) {
    problems.push(`the anchoring transaction is in block ${BigInt(receipt.blockNumber)} ${receipt.blockHash}`);
  }
  const anchored = anchoredLogOf(receipt, anchor.contract, root);
  if (anchored === undefined) {
    return [...problems, `transaction ${anchor.transactionHash} anchors no root ${root} at ${anchor.contract}`];
  }
  const { anchoredBy, firstEntry, lastEntry } = anchored.args;
  if (getAddress(anchoredBy) !== getAddress(anchor.anchoredBy)) {
    problems.push(`the root was anchored by ${getAddress(anchoredBy)}, not the stated ${anchor.anchoredBy}`);
  }
  if (Number(anchored.log.logIndex) !== anchor.logIndex)
    problems.push(`the anchor is log ${Number(anchored.log.logIndex)}`);
  const entryId = BigInt(values.entryId);
  if (entryId < firstEntry || entryId > lastEntry) {
    problems.push(`the anchored batch holds entries ${firstEntry} to ${lastEntry}, not ${entryId}`);
  }
  return problems;
}

/**
 * The verdicts on the manifest's contacts: one `contact <entryId>` per entry, or one `contacts` verdict saying the
 * package has none (exported without `--keeper`).
 *
 * @example
 * const verdicts = await verifyContacts({ evidence, client });
 */
export async function verifyContacts({ evidence, client }: CheckParameters): Promise<Verdict[]> {
  const { manifest } = evidence;
  if (manifest.contacts === undefined || manifest.contacts === null) {
    return [pass("contacts", "none in the package (exported without --keeper): nothing to check")];
  }
  const verdicts: Verdict[] = [];
  for (const contact of manifest.contacts.entries) {
    const item = `contact ${contact.entryId}`;
    try {
      const anchor = contact.anchor;
      const receipt =
        contact.anchored && anchor !== null
          ? (evidence.readJson(receiptPath(anchor.transactionHash)) as unknown as AnchoringReceipt)
          : undefined;
      const problems = contactProblems(contact, manifest.loanId, receipt);
      if (!contact.anchored) {
        verdicts.push(
          fail(
            item,
            "its batch was not anchored when the package was exported: it is the keeper's word only, not proven " +
              `on chain (export again once it is anchored)${problems.length > 0 ? `; ${problems.join("; ")}` : ""}`,
          ),
        );
        continue;
      }
      if (problems.length === 0 && anchor !== null && isHex(contact.root)) {
        const holds = await client.readContract({
          address: getAddress(anchor.contract),
          abi: evidenceAnchorAbi,
          functionName: "verify",
          args: [getAddress(anchor.anchoredBy), contact.root, [...contact.proof!], contact.leaf],
        });
        if (!holds) problems.push(`EvidenceAnchor.verify at ${anchor.contract} answers false on the node`);
      }
      verdicts.push(
        problems.length === 0
          ? pass(
              item,
              `leaf ${contact.leaf} is in root ${contact.root}, anchored by ${anchor!.anchoredBy} in tx ` +
                `${anchor!.transactionHash} (block ${anchor!.blockNumber}); EvidenceAnchor.verify holds on the node`,
            )
          : fail(item, problems.join("; ")),
      );
    } catch (error) {
      verdicts.push(fail(item, `could not be checked: ${(error as Error).message.split("\n")[0]}`));
    }
  }
  return verdicts;
}

/**
 * The contacts section of an evidence package: the keeper's contact log of one loan (`GET /api/contacts/log`), each
 * entry's Merkle proof and anchoring transaction (`GET /api/contacts/log/:id/proof`; inside the keeper, the same
 * answers from its store: `http/contactProof.ts`), and where the anchoring
 * transaction put the root on chain (its `ContactLogAnchored` log, read from the node's receipt). Only the leaf's
 * values go into the package: hashes, ids and times, no personal data. The keeper's word is what this reads; the
 * verifier proves each entry on chain (`verifyContacts.ts`).
 */
import { decodeEventLog, getAddress, type Address, type Hex, type RpcLog, type RpcTransactionReceipt } from "viem";
import { evidenceAnchorAbi } from "../abi/evidenceAnchor.ts";
import { contactLeafHash, type ContactEntry } from "../core/contactMerkle.ts";
import { channelHashOf } from "../runtime/contactDesk.ts";
import { EvidenceError } from "./evidenceError.ts";
import type { ManifestContact, ManifestContactLeaf } from "./manifest.ts";

/** A contact log entry as the keeper's API returns it (bigints as strings). */
export interface ContactLogEntryAnswer {
  readonly id: number;
  readonly loanId: string;
  readonly channel: string;
  readonly recipientHash: Hex;
  readonly contentHash: Hex;
  readonly sentAt: string | number;
}

/** An anchored entry's proof as the keeper's API returns it (`GET /api/contacts/log/:id/proof`, trimmed). */
export interface ContactProofAnswer {
  readonly leaf: Hex;
  readonly proof: readonly Hex[];
  readonly root: Hex;
  readonly anchor: {
    readonly contract: Address | null;
    /** The anchoring action's state: "done" once its transaction is mined. */
    readonly state: string;
    readonly txHash: Hex | null;
  };
}

/** Where a loan's contact log and its proofs are read: the keeper's API, or its store from inside the keeper. */
export interface ContactLogSource {
  /** What the manifest names as the log's keeper (its URL). */
  readonly origin: string;
  entriesOf(loanId: bigint): Promise<readonly ContactLogEntryAnswer[]>;
  /** The entry's proof, or null while its batch is not closed (not anchored). */
  proofOf(entryId: number): Promise<ContactProofAnswer | null>;
}

/**
 * The keeper's contact routes as a source, with an operator token or a lender's API key.
 *
 * @example
 * const contacts = keeperApiContactSource({ keeperUrl: "http://127.0.0.1:8080", token });
 */
export function keeperApiContactSource({
  keeperUrl,
  token,
  fetch: get = fetch,
}: {
  /** The keeper's base URL, e.g. `http://127.0.0.1:8080`. */
  keeperUrl: string;
  /** An operator token or a lender's API key, sent as `Authorization: Bearer`. */
  token: string;
  fetch?: typeof fetch;
}): ContactLogSource {
  const base = keeperUrl.replace(/\/+$/, "");
  const ask = async (path: string): Promise<{ status: number; body: any }> => {
    let response: Response;
    try {
      response = await get(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    } catch (error) {
      throw new EvidenceError(`the keeper at ${base} cannot be reached: ${(error as Error).message}`);
    }
    const body = (await response.json().catch(() => null)) as any;
    if (response.status === 200 || response.status === 409) return { status: response.status, body };
    const why = body?.error?.message ?? response.statusText;
    throw new EvidenceError(`the keeper at ${base} answered ${response.status} to GET ${path}: ${why}`);
  };
  return {
    origin: keeperUrl,
    entriesOf: async (loanId) => ((await ask(`/api/contacts/log?loanId=${loanId}`)).body as any).entries,
    proofOf: async (entryId) => {
      const answer = await ask(`/api/contacts/log/${entryId}/proof`);
      return answer.status === 409 ? null : answer.body;
    },
  };
}

export interface ReadContactEvidenceParameters {
  readonly source: ContactLogSource;
  readonly loanId: bigint;
  /** The node's receipt of a transaction (`eth_getTransactionReceipt`). */
  readonly receiptOf: (hash: Hex) => Promise<RpcTransactionReceipt>;
}

/**
 * The leaf values in the manifest's form (integers as decimal strings, hashes in lower case).
 *
 * @example
 * manifestLeafOf(entry); // { entryId: "7", loanId: "1", recipientHash: "0x...", sentAt: "1764115200", ... }
 */
export function manifestLeafOf(entry: ContactEntry): ManifestContactLeaf {
  return {
    entryId: entry.entryId.toString(),
    loanId: entry.loanId.toString(),
    recipientHash: entry.recipientHash.toLowerCase() as Hex,
    contentHash: entry.contentHash.toLowerCase() as Hex,
    sentAt: String(entry.sentAt),
    channelHash: entry.channelHash.toLowerCase() as Hex,
  };
}

/**
 * The entry a manifest leaf stands for (the inverse of `manifestLeafOf`; throws on a value that is not an integer).
 *
 * @example
 * contactLeafHash(contactEntryOfLeaf(contact.leafValues)) === contact.leaf; // the stated values make the leaf
 */
export function contactEntryOfLeaf(leaf: ManifestContactLeaf): ContactEntry {
  return {
    entryId: BigInt(leaf.entryId),
    loanId: BigInt(leaf.loanId),
    recipientHash: leaf.recipientHash,
    contentHash: leaf.contentHash,
    sentAt: Number(leaf.sentAt),
    channelHash: leaf.channelHash,
  };
}

/**
 * The `ContactLogAnchored` log of `receipt` from `contract` that names `root`, or undefined.
 *
 * @example
 * anchoredLogOf(receipt, anchorAddress, root)?.args.anchoredBy; // the account that anchored the root
 */
export function anchoredLogOf(receipt: { logs: readonly RpcLog[] }, contract: Address, root: Hex) {
  for (const log of receipt.logs ?? []) {
    if (log.address.toLowerCase() !== contract.toLowerCase()) continue;
    try {
      const { args } = decodeEventLog({
        abi: evidenceAnchorAbi,
        eventName: "ContactLogAnchored",
        data: log.data,
        topics: log.topics as [Hex],
        strict: true,
      });
      if (args !== undefined && args.root.toLowerCase() === root.toLowerCase()) return { log, args };
    } catch {
      // Another event of the contract.
    }
  }
  return undefined;
}

/**
 * Every contact log entry of loan `loanId` from the keeper, with its proof and anchor where its batch is anchored
 * (and the anchoring transaction mined); in entry id order.
 *
 * @example
 * const contacts = await readContactEvidence({ keeperUrl, token, loanId: 7n, receiptOf });
 * contacts.filter((contact) => !contact.anchored); // the entries whose batch is still open
 */
export async function readContactEvidence({
  source,
  loanId,
  receiptOf,
}: ReadContactEvidenceParameters): Promise<ManifestContact[]> {
  const contacts: ManifestContact[] = [];
  for (const entry of [...(await source.entriesOf(loanId))].sort((a, b) => a.id - b.id)) {
    const leafEntry: ContactEntry = {
      entryId: BigInt(entry.id),
      loanId: BigInt(entry.loanId),
      recipientHash: entry.recipientHash,
      contentHash: entry.contentHash,
      sentAt: Number(entry.sentAt),
      channelHash: channelHashOf(entry.channel),
    };
    const unanchored: ManifestContact = {
      entryId: String(entry.id),
      leafValues: manifestLeafOf(leafEntry),
      leaf: contactLeafHash(leafEntry),
      anchored: false,
      proof: null,
      root: null,
      anchor: null,
    };
    const answer = await source.proofOf(entry.id);
    const txHash = answer?.anchor.txHash;
    if (answer === null || answer.anchor.state !== "done" || !txHash || answer.anchor.contract === null) {
      contacts.push(unanchored);
      continue;
    }
    const contract = getAddress(answer.anchor.contract);
    const receipt = await receiptOf(txHash);
    const anchored = receipt === null ? undefined : anchoredLogOf(receipt, contract, answer.root);
    if (anchored === undefined) {
      throw new EvidenceError(
        `the keeper says contact ${entry.id}'s root is anchored in ${txHash}, whose receipt has no such log`,
      );
    }
    contacts.push({
      ...unanchored,
      leaf: answer.leaf,
      anchored: true,
      proof: answer.proof,
      root: answer.root,
      anchor: {
        contract,
        anchoredBy: getAddress(anchored.args.anchoredBy),
        transactionHash: txHash,
        blockNumber: BigInt(receipt.blockNumber).toString(),
        blockHash: receipt.blockHash,
        logIndex: Number(anchored.log.logIndex),
      },
    });
  }
  return contacts;
}

/**
 * The borrower contact log as Merkle trees, one per batch anchored on chain (contracts/EvidenceAnchor.sol). A tree is
 * an OpenZeppelin `StandardMerkleTree` over the batch's entries, so each entry has an inclusion proof that
 * `EvidenceAnchor.verify` (OpenZeppelin `MerkleProof`) and `StandardMerkleTree.verify` both accept, and
 * `EvidenceAnchor.leafOf` computes the same leaf hash in Solidity. Only the root goes on chain; the tree (its dump)
 * stays with the keeper, so a court's evidence package can hold one entry, its proof and the anchoring transaction.
 *
 * The leaf is what identifies a contact and what was said, all fixed-size, no personal data in clear:
 * `(uint64 entryId, uint256 loanId, bytes32 recipientHash, bytes32 contentHash, uint40 sentAt, bytes32 channelHash)`.
 * `entryId` is the log's id (unique, so no two leaves are equal and `proofOf` has one answer); `sentAt` is in unix
 * seconds (the log keeps milliseconds: divide, rounding down, before building the entry).
 *
 * Pure: no clock, no I/O. Integers go into the tree as decimal strings, so a dump is plain JSON.
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { encodeAbiParameters, isHex, keccak256, parseAbiParameters, type Hex } from "viem";

/** The ABI types of a leaf's values, in order: entryId, loanId, recipientHash, contentHash, sentAt, channelHash. */
export const CONTACT_LEAF_ENCODING = ["uint64", "uint256", "bytes32", "bytes32", "uint40", "bytes32"] as const;

const LEAF_PARAMETERS = parseAbiParameters(CONTACT_LEAF_ENCODING.join(","));
const MAX_UINT64 = 2n ** 64n - 1n;
const MAX_UINT256 = 2n ** 256n - 1n;
/** The latest time a uint40 holds, in seconds (year 36812). */
const MAX_UINT40 = 2 ** 40 - 1;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** One contact log entry as it goes into a batch's tree. */
export interface ContactEntry {
  /** The contact log's id of the entry. */
  readonly entryId: bigint;
  readonly loanId: bigint;
  /** keccak256 of the recipient's address (e-mail, phone number). */
  readonly recipientHash: Hex;
  /** keccak256 of the content sent. */
  readonly contentHash: Hex;
  /** When it was sent, unix seconds. */
  readonly sentAt: number;
  /** keccak256 of the channel's name ("email", "sms", ...). */
  readonly channelHash: Hex;
}

/** A leaf's values as the tree holds them: integers as decimal strings, hashes as lower-case hex. */
export type ContactLeafValues = [
  entryId: string,
  loanId: string,
  recipientHash: Hex,
  contentHash: Hex,
  sentAt: string,
  channelHash: Hex,
];

/**
 * A batch's tree as stored by the keeper: OpenZeppelin's `standard-v1` dump (`{ format, leafEncoding, tree, values }`),
 * plain JSON. (The package does not export its `StandardMerkleTreeData` type, so it is taken from `dump`.)
 */
export type ContactTreeDump = ReturnType<StandardMerkleTree<ContactLeafValues>["dump"]>;

/** A batch's tree: its root, the `anchor` arguments, and a proof per entry. */
export interface ContactTree {
  /** The Merkle root: what `EvidenceAnchor.anchor` dates. */
  readonly root: Hex;
  /** The smallest entry id of the batch. */
  readonly firstEntry: bigint;
  /** The largest entry id of the batch. */
  readonly lastEntry: bigint;
  /** The number of entries (leaves). */
  readonly count: number;
  /** The batch's entries, in the order given. */
  readonly entries: readonly ContactEntry[];
  /** The inclusion proof of entry `entryId`; throws a `ContactMerkleError` when it is not in the batch. */
  proofOf(entryId: bigint): Hex[];
  /** The dump to store (`JSON.stringify` it); `loadContactTree` reads it back. */
  dump(): ContactTreeDump;
}

/** An entry, a batch or a dump that cannot make a contact tree. */
export class ContactMerkleError extends Error {
  override readonly name = "ContactMerkleError";
}

function bytes32(field: string, value: Hex): Hex {
  if (typeof value !== "string" || !BYTES32.test(value)) {
    throw new ContactMerkleError(`${field} must be 32 bytes of hex, got ${String(value)}`);
  }
  return value.toLowerCase() as Hex;
}

function uint(field: string, value: bigint, max: bigint): string {
  if (typeof value !== "bigint" || value < 0n || value > max) {
    throw new ContactMerkleError(`${field} must be a bigint in [0, ${max}], got ${String(value)}`);
  }
  return value.toString();
}

/**
 * The values of `entry`'s leaf, in `CONTACT_LEAF_ENCODING` order; throws a `ContactMerkleError` when a value does not
 * fit its type.
 *
 * @example
 * contactLeafValues({ entryId: 7n, loanId: 1n, recipientHash, contentHash, sentAt: 1764115200, channelHash });
 * // ["7", "1", "0x...", "0x...", "1764115200", "0x..."]
 */
export function contactLeafValues(entry: ContactEntry): ContactLeafValues {
  if (!Number.isSafeInteger(entry.sentAt) || entry.sentAt < 0 || entry.sentAt > MAX_UINT40) {
    throw new ContactMerkleError(`sentAt must be unix seconds in [0, ${MAX_UINT40}], got ${String(entry.sentAt)}`);
  }
  return [
    uint("entryId", entry.entryId, MAX_UINT64),
    uint("loanId", entry.loanId, MAX_UINT256),
    bytes32("recipientHash", entry.recipientHash),
    bytes32("contentHash", entry.contentHash),
    String(entry.sentAt),
    bytes32("channelHash", entry.channelHash),
  ];
}

/**
 * The entry a leaf's values stand for (the inverse of `contactLeafValues`).
 *
 * @example
 * contactEntryOf(["7", "1", recipientHash, contentHash, "1764115200", channelHash]).entryId; // 7n
 */
export function contactEntryOf(values: ContactLeafValues): ContactEntry {
  const [entryId, loanId, recipientHash, contentHash, sentAt, channelHash] = values;
  const entry = {
    entryId: BigInt(entryId),
    loanId: BigInt(loanId),
    recipientHash,
    contentHash,
    sentAt: Number(sentAt),
    channelHash,
  };
  contactLeafValues(entry);
  return entry;
}

/**
 * The tree's leaf hash of `entry`, as `EvidenceAnchor.leafOf` computes it on chain:
 * `keccak256(keccak256(abi.encode(entryId, loanId, recipientHash, contentHash, sentAt, channelHash)))`.
 *
 * @example
 * const leaf = contactLeafHash(entry);
 * // true once `keeperAddress` anchored the root (anchors are per anchorer: pass the keeper's address)
 * await anchor.read.verify([keeperAddress, tree.root, tree.proofOf(entry.entryId), leaf]);
 */
export function contactLeafHash(entry: ContactEntry): Hex {
  const [entryId, loanId, recipientHash, contentHash, sentAt, channelHash] = contactLeafValues(entry);
  const encoded = encodeAbiParameters(LEAF_PARAMETERS, [
    BigInt(entryId),
    BigInt(loanId),
    recipientHash,
    contentHash,
    Number(sentAt),
    channelHash,
  ]);
  return keccak256(keccak256(encoded));
}

function contactTreeOf(tree: StandardMerkleTree<ContactLeafValues>): ContactTree {
  const entries: ContactEntry[] = [];
  const indexOf = new Map<bigint, number>();
  for (const [index, values] of tree.entries()) {
    const entry = contactEntryOf(values);
    if (indexOf.has(entry.entryId)) throw new ContactMerkleError(`entry ${entry.entryId} is twice in the batch`);
    indexOf.set(entry.entryId, index);
    entries.push(entry);
  }
  if (entries.length === 0) throw new ContactMerkleError("a batch needs at least one entry");
  const ids = entries.map((entry) => entry.entryId);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  return {
    root: tree.root as Hex,
    firstEntry: ids.reduce(min),
    lastEntry: ids.reduce(max),
    count: entries.length,
    entries,
    proofOf(entryId) {
      const index = indexOf.get(entryId);
      if (index === undefined) throw new ContactMerkleError(`entry ${entryId} is not in the batch`);
      return tree.getProof(index) as Hex[];
    },
    dump: () => tree.dump(),
  };
}

/**
 * The Merkle tree of a batch of contact log entries (at least one, each entry id once). The leaves are sorted by
 * hash (OpenZeppelin's default), so the root does not depend on the order of `entries`.
 *
 * @example
 * const tree = buildContactTree(entries);
 * await anchor.write.anchor([tree.root, tree.firstEntry, tree.lastEntry, tree.count]);
 * const proof = tree.proofOf(entries[0].entryId);
 * writeFileSync(`batch-${tree.firstEntry}.json`, JSON.stringify(tree.dump()));
 */
export function buildContactTree(entries: readonly ContactEntry[]): ContactTree {
  if (entries.length === 0) throw new ContactMerkleError("a batch needs at least one entry");
  return contactTreeOf(StandardMerkleTree.of(entries.map(contactLeafValues), [...CONTACT_LEAF_ENCODING]));
}

/**
 * A batch's tree from its stored dump (`tree.dump()`, through JSON). Throws a `ContactMerkleError` when the dump is
 * not a contact tree (another leaf encoding) or is inconsistent (a value or a node altered).
 *
 * @example
 * const tree = loadContactTree(JSON.parse(readFileSync("batch-1.json", "utf8")));
 */
export function loadContactTree(dump: ContactTreeDump): ContactTree {
  const encoding = JSON.stringify(dump?.leafEncoding);
  if (encoding !== JSON.stringify(CONTACT_LEAF_ENCODING)) {
    throw new ContactMerkleError(`not a contact tree: leaf encoding ${encoding}`);
  }
  let tree: StandardMerkleTree<ContactLeafValues>;
  try {
    tree = StandardMerkleTree.load(dump);
  } catch (error) {
    throw new ContactMerkleError(`inconsistent contact tree: ${(error as Error).message}`, { cause: error });
  }
  return contactTreeOf(tree);
}

/**
 * Whether `proof` proves that `entry` is in the tree of `root` (what `EvidenceAnchor.verify` checks on chain, minus
 * the anchoring). False for a proof of another entry, or for an entry with any value altered.
 *
 * @example
 * verifyContactProof(tree.root, entry, tree.proofOf(entry.entryId)); // true
 */
export function verifyContactProof(root: Hex, entry: ContactEntry, proof: readonly Hex[]): boolean {
  if (!isHex(root) || !proof.every((node) => isHex(node))) return false;
  return StandardMerkleTree.verify(root, [...CONTACT_LEAF_ENCODING], contactLeafValues(entry), [...proof]);
}

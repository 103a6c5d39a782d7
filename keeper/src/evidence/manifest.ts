/**
 * The evidence package's layout and its `manifest.json`: what the chain says about one loan, with every event's
 * position (block, transaction, log index) and every signature with the typed data it signs. Every value is JSON
 * (bigints as decimal strings, `canonicalJson.ts`). The report (`report/`) is rendered from it; later parts (the
 * contact log's Merkle proofs, a second node's replay) add files and manifest sections without changing these.
 */
import type { Address, Hex } from "viem";
import type { JsonValue } from "./canonicalJson.ts";

/** The manifest format this code writes and reads. */
export const MANIFEST_FORMAT = "loanbook-evidence/1";

/** The package's files and folders. */
export const MANIFEST_FILE = "manifest.json";
export const RECEIPTS_DIR = "receipts";
export const BLOCKS_DIR = "blocks";
export const TRANSACTIONS_DIR = "transactions";

/** `receipts/<txHash>.json`: the raw `eth_getTransactionReceipt` result. */
export const receiptPath = (txHash: Hex) => `${RECEIPTS_DIR}/${txHash.toLowerCase()}.json`;
/** `transactions/<txHash>.json`: the raw `eth_getTransactionByHash` result (its calldata carries the signatures). */
export const transactionPath = (txHash: Hex) => `${TRANSACTIONS_DIR}/${txHash.toLowerCase()}.json`;
/** `blocks/<number>.json`: the raw `eth_getBlockByNumber(number, false)` header. */
export const blockPath = (blockNumber: bigint | string) => `${BLOCKS_DIR}/${BigInt(blockNumber)}.json`;

/** One log of the loan, where it is on chain and what it says. */
export interface ManifestEvent {
  /** Its place in the manifest, from 0, in chain order. */
  readonly index: number;
  readonly name: string;
  /** The decoded arguments (bigints as strings). */
  readonly args: JsonValue;
  /** As the node wrote it in the receipt (lower case), so that the two compare equal as text. */
  readonly address: Address;
  readonly topics: readonly Hex[];
  readonly data: Hex;
  readonly blockNumber: string;
  readonly blockHash: Hex;
  /** The block's timestamp, unix seconds. */
  readonly timestamp: string;
  readonly transactionHash: Hex;
  readonly transactionIndex: number;
  readonly logIndex: number;
}

/** The EIP-712 message types of the loan book (`core/typedData.ts`). */
export type SignatureKind =
  | "LoanAcceptance"
  | "Notarization"
  | "ExecutionCertificate"
  | "RepaymentCommitment"
  | "CommitmentAcceptance"
  | "BankPayment";

/**
 * A party's approval found in a transaction's calldata: a signature over `typedData`, or the party's own transaction
 * (the contract takes `msg.sender` as its approval and reads no signature; `signature` and `typedData` are null).
 */
export interface ManifestSignature {
  readonly kind: SignatureKind;
  readonly transactionHash: Hex;
  /** The stated signer (or sender, for its own transaction). */
  readonly signer: Address;
  readonly ownTransaction: boolean;
  readonly signature: Hex | null;
  /** `{ domain, types, primaryType, message }`, bigints as strings. */
  readonly typedData: JsonValue | null;
}

/** A document the loan's events commit to by hash (the keccak256 of the file's bytes). */
export interface ManifestDocument {
  /** What it is: `documentHash` (the signed contract), `debtInstrumentHash`, `defaultProofHash`, ... */
  readonly role: string;
  readonly hash: Hex;
  /** The manifest event that names it. */
  readonly eventIndex: number;
}

/** `manifest.json`. */
export interface EvidenceManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly chainId: number;
  readonly contracts: { readonly loanBook: Address; readonly enforcementModule: Address; readonly token: Address };
  readonly loanId: string;
  /** The block the views below were read at, and up to which the logs were collected. */
  readonly readAt: { readonly blockNumber: string; readonly blockHash: Hex };
  /** Where the logs were searched from (the loan book's deployment block, or 0). */
  readonly fromBlock: string;
  readonly parties: {
    readonly lender: Address;
    readonly borrower: Address;
    /** Zero when the template needs no notary. */
    readonly notary: Address;
    /** The claim token's owner at `readAt`. */
    readonly claimHolder: Address;
  };
  /** The loan book's views at `readAt`: `loanOf`, `templateOf`, `planOf`, `collateralOf`, `caseOf`, ... */
  readonly terms: { readonly [view: string]: JsonValue };
  readonly documents: readonly ManifestDocument[];
  readonly events: readonly ManifestEvent[];
  readonly signatures: readonly ManifestSignature[];
  /** The keeper's contact log of the loan with its Merkle proofs (`contactEvidence.ts`); null: exported without
   * `--keeper`. Absent in packages written before it existed (read as null). */
  readonly contacts?: ManifestContacts | null;
}

/** A contact log entry's Merkle leaf values (`core/contactMerkle.ts`), integers as decimal strings: hashes only. */
export interface ManifestContactLeaf {
  readonly entryId: string;
  readonly loanId: string;
  /** keccak256 of the recipient's address (e-mail, phone number). */
  readonly recipientHash: Hex;
  /** keccak256 of the content sent. */
  readonly contentHash: Hex;
  /** Unix seconds. */
  readonly sentAt: string;
  /** keccak256 of the channel's name. */
  readonly channelHash: Hex;
}

/** Where a contact batch's root is anchored: the `ContactLogAnchored` log of the `EvidenceAnchor` contract. */
export interface ManifestContactAnchor {
  readonly contract: Address;
  readonly anchoredBy: Address;
  readonly transactionHash: Hex;
  readonly blockNumber: string;
  readonly blockHash: Hex;
  readonly logIndex: number;
}

/** One contact log entry of the loan: its leaf, and (once its batch is anchored) the proof and the anchor. */
export interface ManifestContact {
  readonly entryId: string;
  readonly leafValues: ManifestContactLeaf;
  /** The leaf hash, as `EvidenceAnchor.leafOf` computes it. */
  readonly leaf: Hex;
  readonly anchored: boolean;
  /** Null while the batch is not anchored (as are `root` and `anchor`). */
  readonly proof: readonly Hex[] | null;
  readonly root: Hex | null;
  readonly anchor: ManifestContactAnchor | null;
}

/** The contacts section: where the log was read and its entries, in entry id order. */
export interface ManifestContacts {
  /** The keeper's URL the log was read from (its word, proven entry by entry on chain). */
  readonly keeper: string;
  readonly entries: readonly ManifestContact[];
}

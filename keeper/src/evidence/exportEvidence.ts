/**
 * `exportEvidence`: the court-ready package of one loan, read from the chain through JSON-RPC only (never from the
 * keeper's store): `manifest.json`, each event's raw receipt, transaction and block header as the node returned
 * them, the human-readable report (`report/`: HTML in English and Chinese, and their PDFs when Chromium is
 * installed), and `SHA256SUMS` of every other file (`sha256sum -c SHA256SUMS` checks it).
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { getAddress, numberToHex, zeroAddress, type Address, type Hex, type PublicClient } from "viem";
import { approvalsInCall } from "./approvalsInCall.ts";
import { canonicalJson, toJsonValue } from "./canonicalJson.ts";
import { readContactEvidence, type ContactLogSource } from "./contactEvidence.ts";
import { documentsOf } from "./documentHashes.ts";
import { EvidenceError } from "./evidenceError.ts";
import { readLoanLogs } from "./loanLogs.ts";
import {
  blockPath,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  receiptPath,
  transactionPath,
  type EvidenceManifest,
  type ManifestEvent,
} from "./manifest.ts";
import { readLoanTerms } from "./readLoanTerms.ts";
import { writeReport } from "./report/writeReport.ts";
import { formatSha256Sums, SHA256SUMS_FILE } from "./sha256Sums.ts";

export interface ExportEvidenceParameters {
  readonly client: PublicClient;
  readonly loanBook: Address;
  readonly loanId: bigint;
  /** A folder that does not exist yet or is empty. */
  readonly outDir: string;
  /** Where to search the logs from: the loan book's deployment block (0 by default). */
  readonly fromBlock?: bigint;
  /** Blocks per `eth_getLogs` call; the whole range in one call by default. */
  readonly blockRange?: bigint;
  /** Print the report's PDFs too, when Chromium is installed (true by default). */
  readonly pdf?: boolean;
  /** Where to read the loan's contact log and its Merkle proofs; without it, `contacts` is null. */
  readonly contactLog?: ContactLogSource;
}

export interface ExportEvidenceReturnType {
  readonly manifest: EvidenceManifest;
  /** Every file written, relative to `outDir`, `SHA256SUMS` last. */
  readonly files: readonly string[];
  /** Why the report's PDFs were asked for but not written (no Chromium, or it failed); null otherwise. */
  readonly pdfSkipped: string | null;
}

/** A raw JSON-RPC object, as the node returned it. */
type RawObject = Record<string, unknown>;

/**
 * @example
 * const { manifest } = await exportEvidence({ client, loanBook, loanId: 7n, outDir: "evidence/loan-7" });
 * manifest.events.length; // every event of loan 7, in chain order
 */
export async function exportEvidence(parameters: ExportEvidenceParameters): Promise<ExportEvidenceReturnType> {
  const { client, loanId, outDir, fromBlock = 0n, blockRange, pdf = true, contactLog } = parameters;
  const loanBook = getAddress(parameters.loanBook);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new EvidenceError(`${outDir} is not empty: export into a new folder`);
  }
  const request = (method: string, params: unknown[]) => client.request({ method, params } as never) as Promise<any>;

  const chainId = await client.getChainId();
  const head = await client.getBlockNumber({ cacheTime: 0 });
  const logs = await readLoanLogs({ client, loanBook, loanId, fromBlock, toBlock: head, blockRange });
  if (!logs.some((log) => log.name === "LoanOriginated")) {
    throw new EvidenceError(
      `loan ${loanId} has no LoanOriginated event at ${loanBook} in blocks ${fromBlock} to ${head} of chain ${chainId}`,
    );
  }
  const terms = await readLoanTerms({ client, loanBook, loanId, blockNumber: head });

  const contacts =
    contactLog === undefined
      ? null
      : await readContactEvidence({
          source: contactLog,
          loanId,
          receiptOf: (hash) => request("eth_getTransactionReceipt", [hash]),
        });
  // The anchoring transactions' receipts, transactions and blocks go beside the events', checked the same way.
  const anchors = (contacts ?? []).flatMap((contact) => (contact.anchor === null ? [] : [contact.anchor]));

  const files = new Map<string, string | Uint8Array>();
  const blocks = new Map<bigint, RawObject>();
  const blockNumbers = [
    ...logs.map((log) => BigInt(log.raw.blockNumber!)),
    ...anchors.map((anchor) => BigInt(anchor.blockNumber)),
  ];
  for (const number of [...new Set(blockNumbers), head]) {
    const block = (await request("eth_getBlockByNumber", [numberToHex(number), false])) as RawObject;
    blocks.set(number, block);
    files.set(blockPath(number), canonicalJson(block));
  }
  const transactions = new Map<Hex, RawObject>();
  for (const hash of new Set([
    ...logs.map((log) => log.raw.transactionHash!),
    ...anchors.map((anchor) => anchor.transactionHash),
  ])) {
    const [receipt, transaction] = await Promise.all([
      request("eth_getTransactionReceipt", [hash]),
      request("eth_getTransactionByHash", [hash]),
    ]);
    transactions.set(hash, transaction);
    files.set(receiptPath(hash), canonicalJson(receipt));
    files.set(transactionPath(hash), canonicalJson(transaction));
  }

  const events: ManifestEvent[] = logs.map(({ raw, name, args }, index) => ({
    index,
    name,
    args: toJsonValue(args),
    address: raw.address,
    topics: raw.topics,
    data: raw.data,
    blockNumber: BigInt(raw.blockNumber!).toString(),
    blockHash: raw.blockHash!,
    timestamp: BigInt(blocks.get(BigInt(raw.blockNumber!))!.timestamp as Hex).toString(),
    transactionHash: raw.transactionHash!,
    transactionIndex: Number(raw.transactionIndex),
    logIndex: Number(raw.logIndex),
  }));
  const signatures = [...transactions].flatMap(([hash, transaction]) =>
    typeof transaction.to === "string" && getAddress(transaction.to) === loanBook
      ? approvalsInCall({
          chainId,
          loanBook,
          loanId,
          transactionHash: hash,
          from: getAddress(transaction.from as string),
          input: transaction.input as Hex,
        })
      : [],
  );
  const originated = logs.find((log) => log.name === "LoanOriginated")!.args;
  const manifest: EvidenceManifest = {
    format: MANIFEST_FORMAT,
    chainId,
    contracts: { loanBook, enforcementModule: terms.enforcementModule, token: terms.token },
    loanId: loanId.toString(),
    readAt: { blockNumber: head.toString(), blockHash: blocks.get(head)!.hash as Hex },
    fromBlock: fromBlock.toString(),
    parties: {
      lender: terms.lender,
      borrower: terms.borrower,
      notary: (originated.notary as Address | undefined) ?? zeroAddress,
      claimHolder: terms.claimHolder,
    },
    terms: terms.views,
    documents: documentsOf(events),
    events,
    signatures,
    contacts: contacts === null ? null : { keeper: contactLog!.origin, entries: contacts },
  };
  files.set(MANIFEST_FILE, canonicalJson(manifest));
  for (const [path, bytes] of files) {
    mkdirSync(dirname(join(outDir, path)), { recursive: true });
    writeFileSync(join(outDir, path), bytes);
  }

  const report = await writeReport({ manifest, outDir, pdf });
  for (const [path, bytes] of report.files) files.set(path, bytes);
  writeFileSync(join(outDir, SHA256SUMS_FILE), formatSha256Sums(files));
  return { manifest, files: [...[...files.keys()].sort(), SHA256SUMS_FILE], pdfSkipped: report.pdfSkipped };
}

/**
 * The loan book's logs about one loan, read from any JSON-RPC node: the loan events (the loan id is their first
 * indexed topic) and the claim token's ERC-721 `Transfer` and `Approval` (the loan id is the token id, their third
 * indexed topic). A log whose first topic only happens to equal the loan id (a template's, say) is left out: each
 * log is decoded and kept when its `loanId` (or `tokenId`) argument is the loan.
 */
import {
  decodeEventLog,
  numberToHex,
  pad,
  toEventSelector,
  type Address,
  type Hex,
  type PublicClient,
  type RpcLog,
} from "viem";
import { loanBookAbi } from "../abi/loanBook.ts";

/** The claim token's events that name the loan as their token id. */
const CLAIM_TOKEN_EVENTS = ["Transfer(address,address,uint256)", "Approval(address,address,uint256)"] as const;

/** A log of the node (`eth_getLogs`), mined, decoded as a loan book event. */
export interface LoanLog {
  readonly raw: RpcLog;
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/**
 * `log` decoded with the loan book's ABI when it names loan `loanId`; null otherwise (another loan's, another
 * contract's, a template's whose id equals the loan's, or a log the ABI does not know).
 *
 * @example
 * decodeLoanLog(rawLog, 7n); // { raw, name: "RepaymentMade", args: { loanId: 7n, ... } }
 */
export function decodeLoanLog(raw: RpcLog, loanId: bigint): LoanLog | null {
  let decoded;
  try {
    decoded = decodeEventLog({ abi: loanBookAbi, data: raw.data, topics: raw.topics as [Hex], strict: true });
  } catch {
    return null;
  }
  const args = (decoded.args ?? {}) as Record<string, unknown>;
  const named = decoded.eventName === "Transfer" || decoded.eventName === "Approval" ? args.tokenId : args.loanId;
  return named === loanId ? { raw, name: decoded.eventName, args } : null;
}

export interface ReadLoanLogsParameters {
  readonly client: PublicClient;
  readonly loanBook: Address;
  readonly loanId: bigint;
  readonly fromBlock: bigint;
  readonly toBlock: bigint;
  /** Blocks per `eth_getLogs` call (providers cap the range); the whole range in one call by default. */
  readonly blockRange?: bigint;
}

/**
 * Every log of the loan book about loan `loanId` in the block range, in chain order (block, then log index).
 *
 * @example
 * const logs = await readLoanLogs({ client, loanBook, loanId: 7n, fromBlock: 0n, toBlock: head });
 */
export async function readLoanLogs({
  client,
  loanBook,
  loanId,
  fromBlock,
  toBlock,
  blockRange,
}: ReadLoanLogsParameters): Promise<LoanLog[]> {
  const loanTopic = pad(numberToHex(loanId), { size: 32 });
  const claimTopics = CLAIM_TOKEN_EVENTS.map((signature) => toEventSelector(signature));
  if (blockRange !== undefined && blockRange < 1n)
    throw new RangeError(`blockRange must be positive, got ${blockRange}`);
  const step = blockRange ?? toBlock - fromBlock + 1n;
  const raws: RpcLog[] = [];
  for (let from = fromBlock; from <= toBlock; from += step) {
    const to = from + step - 1n < toBlock ? from + step - 1n : toBlock;
    const range = { address: loanBook, fromBlock: numberToHex(from), toBlock: numberToHex(to) };
    const queries = [
      { ...range, topics: [null, loanTopic] },
      { ...range, topics: [claimTopics, null, null, loanTopic] },
    ];
    for (const filter of queries) {
      raws.push(...((await client.request({ method: "eth_getLogs", params: [filter] } as never)) as RpcLog[]));
    }
  }
  const seen = new Set<string>();
  const logs: LoanLog[] = [];
  for (const raw of raws) {
    const key = logKey(raw);
    if (seen.has(key) || raw.blockNumber === null) continue;
    seen.add(key);
    const log = decodeLoanLog(raw, loanId);
    if (log !== null) logs.push(log);
  }
  return logs.sort((a, b) => compareLogPosition(a.raw, b.raw));
}

/** A log's identity: its transaction and log index. */
export function logKey(log: { transactionHash: Hex | null; logIndex: Hex | number | null }): string {
  return `${log.transactionHash?.toLowerCase()}#${Number(log.logIndex)}`;
}

/** Chain order: by block number, then log index (negative: `a` first). */
export function compareLogPosition(
  a: { blockNumber: Hex | string | null; logIndex: Hex | number | null },
  b: { blockNumber: Hex | string | null; logIndex: Hex | number | null },
): number {
  const blocks = BigInt(a.blockNumber ?? 0) - BigInt(b.blockNumber ?? 0);
  if (blocks !== 0n) return blocks < 0n ? -1 : 1;
  return Number(a.logIndex) - Number(b.logIndex);
}

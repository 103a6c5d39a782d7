/**
 * The keeper account's mined transactions, found by reading every block of a range (a node has no index by sender)
 * with their receipts: what the summary counts and the end-to-end tests check.
 */
import { getAddress, type Address, type Hash, type Hex, type PublicClient } from "viem";

export interface KeeperTransaction {
  readonly hash: Hash;
  readonly nonce: number;
  readonly blockNumber: bigint;
  /** The block's time (unix seconds). */
  readonly timestamp: bigint;
  /** The contract called: the loan book, or the evidence anchor (the contact log's batches). */
  readonly to: Address | null;
  readonly input: Hex;
  readonly status: "success" | "reverted";
  readonly gasUsed: bigint;
}

/** Blocks read together (one batched JSON-RPC request when the client batches). */
const BLOCK_BATCH = 200n;

/**
 * @example
 * const txs = await readKeeperTransactions({ client, keeper, fromBlock: world.deployBlock, toBlock: head });
 */
export async function readKeeperTransactions(parameters: {
  client: PublicClient;
  keeper: Address;
  fromBlock: bigint;
  toBlock: bigint;
}): Promise<KeeperTransaction[]> {
  const { client, fromBlock, toBlock } = parameters;
  const keeper = getAddress(parameters.keeper);
  const found: Omit<KeeperTransaction, "status" | "gasUsed">[] = [];
  for (let from = fromBlock; from <= toBlock; from += BLOCK_BATCH) {
    const numbers: bigint[] = [];
    for (let n = from; n < from + BLOCK_BATCH && n <= toBlock; n++) numbers.push(n);
    const blocks = await Promise.all(
      numbers.map((blockNumber) => client.getBlock({ blockNumber, includeTransactions: true })),
    );
    for (const block of blocks) {
      for (const tx of block.transactions) {
        if (getAddress(tx.from) !== keeper) continue;
        found.push({
          hash: tx.hash,
          nonce: tx.nonce,
          blockNumber: block.number,
          timestamp: block.timestamp,
          to: tx.to === null ? null : getAddress(tx.to),
          input: tx.input,
        });
      }
    }
  }
  const receipts = await Promise.all(found.map(({ hash }) => client.getTransactionReceipt({ hash })));
  return found.map((tx, i) => ({ ...tx, status: receipts[i].status, gasUsed: receipts[i].gasUsed }));
}

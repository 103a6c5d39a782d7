/**
 * Replays one node's chain into another, as a second, independent node of the same chain would come by it: the
 * replica (`startLocalChain({ genesisTime })`, started at the source's genesis time) is given each block's signed
 * transactions, the bytes their senders broadcast, and mines them at the block's time. Nothing else passes between
 * the nodes: no state, no receipts, no hashes. Every block the replica mines must hash to the source's block; the
 * first that does not stops the replay, naming the header fields that differ.
 *
 * It needs a chain whose whole history is transactions: `hardhat_setBalance` and the like change a node's state
 * outside any block, and a replica would never see them.
 */
import {
  keccak256,
  numberToHex,
  serializeTransaction,
  type Block,
  type Hex,
  type PublicClient,
  type Transaction,
  type TransactionSerializable,
} from "viem";

export interface ReplayResult {
  /** Blocks mined on the replica (the source's blocks 1 to `toBlock`). */
  readonly blocks: number;
  readonly transactions: number;
}

/** The replica's block differs from the source's: the replay cannot reach the same chain. */
export class ReplayDivergedError extends Error {
  override readonly name = "ReplayDivergedError";
}

/** Header fields compared when two blocks' hashes differ, to say why. */
const HEADER_FIELDS = [
  "parentHash",
  "stateRoot",
  "transactionsRoot",
  "receiptsRoot",
  "logsBloom",
  "timestamp",
  "gasLimit",
  "gasUsed",
  "baseFeePerGas",
  "mixHash",
  "miner",
  "extraData",
  "parentBeaconBlockRoot",
  "withdrawalsRoot",
  "blobGasUsed",
  "excessBlobGas",
] as const;

/**
 * @example
 * const replica = await startLocalChain({ genesisTime: (await source.getBlock({ blockNumber: 0n })).timestamp });
 * await replayChain({ source, target: createPublicClient({ transport: http(replica.url) }) });
 */
export async function replayChain({
  source,
  target,
  toBlock,
}: {
  source: PublicClient;
  target: PublicClient;
  /** The last block to replay; the source's latest by default. */
  toBlock?: bigint;
}): Promise<ReplayResult> {
  const request = (client: PublicClient, method: string, params: unknown[]) =>
    client.request({ method, params } as never) as Promise<unknown>;
  const last = toBlock ?? (await source.getBlockNumber());
  expectSameBlock(await source.getBlock({ blockNumber: 0n }), await target.getBlock({ blockNumber: 0n }));
  if ((await target.getBlockNumber()) !== 0n) throw new ReplayDivergedError("the replica has blocks already");

  await request(target, "evm_setAutomine", [false]);
  let transactions = 0;
  try {
    for (let number = 1n; number <= last; number++) {
      const block = await source.getBlock({ blockNumber: number, includeTransactions: true });
      const raws = block.transactions.map(signedBytes);
      // In the block's order: one sender's nonces arrive in order, and the mempool keeps arrival order among equals.
      for (const raw of raws) await request(target, "eth_sendRawTransaction", [raw]);
      await request(target, "evm_mine", [numberToHex(block.timestamp)]);
      expectSameBlock(block, await target.getBlock({ blockNumber: number }));
      transactions += raws.length;
    }
  } finally {
    await request(target, "evm_setAutomine", [true]);
  }
  return { blocks: Number(last), transactions };
}

/**
 * The bytes its sender signed and broadcast, rebuilt from the node's fields (Hardhat has no
 * `eth_getRawTransactionByHash`); their keccak256 must be the transaction's hash, or a field was lost.
 */
function signedBytes(transaction: Transaction): Hex {
  const { r, s, v, yParity } = transaction;
  const raw = serializeTransaction({ ...transaction, data: transaction.input } as TransactionSerializable, {
    r,
    s,
    ...(yParity === undefined ? { v } : { yParity }),
  });
  if (keccak256(raw) !== transaction.hash) {
    throw new ReplayDivergedError(`transaction ${transaction.hash}: its ${transaction.type} fields do not rebuild it`);
  }
  return raw;
}

function expectSameBlock(source: Block, replica: Block): void {
  if (source.hash === replica.hash) return;
  const differing = HEADER_FIELDS.filter((field) => String(source[field]) !== String(replica[field]));
  const transactions = source.transactions.length !== replica.transactions.length ? ["transaction count"] : [];
  throw new ReplayDivergedError(
    `block ${source.number}: the replica's hash ${replica.hash} is not the source's ${source.hash}` +
      ` (differing: ${[...differing, ...transactions].join(", ") || "no compared field"})`,
  );
}

import {
  createPublicClient,
  createTestClient,
  http,
  numberToHex,
  serializeTransaction,
  type Block,
  type Hash,
  type Hex,
  type PublicClient,
  type Signature,
  type TestClient,
  type Transaction,
  type TransactionSerializable,
} from "viem";

/** `hardhat_mine`'s own default. viem's `mine()` sends 0, and after a multi-block mine with interval 0 Hardhat 3
 * (EDR) gives the next block a timestamp lower than its parent's: always pass an interval of at least 1. */
const MINE_INTERVAL_SECONDS = 1;

/** A mined block as viem types it (number and hash are not null). */
export type LatestBlock = Block<bigint, false, "latest">;

export interface BlockRef {
  number: bigint;
  hash: Hash;
  timestamp: bigint;
}

export interface ChainControl {
  /** Raw access for anything else (`testClient.request({ method: "hardhat_setBalance", ... })`). */
  testClient: TestClient<"hardhat">;
  publicClient: PublicClient;
  /** `evm_snapshot`: the id to give `revert`; the snapshot also holds the mempool and the time offset. */
  snapshot(): Promise<Hex>;
  /**
   * `evm_revert`; throws when the node answers false (an unknown or already used id: a snapshot is consumed by a
   * revert, and so are the snapshots taken after it). viem's `revert()` ignores that answer.
   */
  revert(id: Hex): Promise<void>;
  /**
   * Mines `blocks` blocks (`hardhat_mine`): the first at the node's clock (or the timestamp set for it), the next
   * ones `intervalSeconds` (>= 1) apart; transactions in the mempool go into the first ones.
   */
  mine(blocks: number, intervalSeconds?: number): Promise<void>;
  /** Moves the clock forward for the next blocks; mines nothing. */
  increaseTime(seconds: number): Promise<void>;
  /** The timestamp of the next block (greater than the latest's); mines nothing. */
  setNextBlockTimestamp(timestamp: bigint | number): Promise<void>;
  /** With automine off, transactions wait in the mempool until `mine`. */
  setAutomine(enabled: boolean): Promise<void>;
  getAutomine(): Promise<boolean>;
  latestBlock(): Promise<LatestBlock>;
}

/**
 * Helpers over a Hardhat node's JSON-RPC URL. Give them the node's own URL, not a faulty proxy's: requests are sent
 * once, without retries, since a retried `evm_mine` would mine twice.
 *
 * @example
 * const chain = createChainControl("http://127.0.0.1:8545");
 * const id = await chain.snapshot();
 * await chain.increaseTime(30 * 24 * 3600);
 * await chain.mine(1);
 * await chain.revert(id);
 */
export function createChainControl(url: string): ChainControl {
  const transport = http(url, { retryCount: 0 });
  const testClient = createTestClient({ mode: "hardhat", transport });
  const publicClient = createPublicClient({ transport });
  const request = (method: string, params: unknown[] = []): Promise<unknown> =>
    testClient.request({ method, params } as never);

  return {
    testClient,
    publicClient,
    snapshot: () => testClient.snapshot(),
    async revert(id) {
      const reverted = await request("evm_revert", [id]);
      if (reverted !== true)
        throw new Error(`evm_revert(${id}) answered ${String(reverted)}: unknown or used snapshot`);
    },
    async mine(blocks, intervalSeconds = MINE_INTERVAL_SECONDS) {
      if (!Number.isInteger(blocks) || blocks < 0)
        throw new Error(`mine: blocks must be an integer >= 0, got ${blocks}`);
      if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1) {
        throw new Error(`mine: intervalSeconds must be an integer >= 1, got ${intervalSeconds}`);
      }
      if (blocks === 0) return;
      await request("hardhat_mine", [numberToHex(blocks), numberToHex(intervalSeconds)]);
    },
    async increaseTime(seconds) {
      await testClient.increaseTime({ seconds });
    },
    setNextBlockTimestamp: (timestamp) => testClient.setNextBlockTimestamp({ timestamp: BigInt(timestamp) }),
    setAutomine: (enabled) => testClient.setAutomine(enabled),
    getAutomine: async () => (await request("hardhat_getAutomine")) === true,
    latestBlock: () => publicClient.getBlock({ blockTag: "latest" }),
  };
}

export interface ReorgMark {
  snapshotId: Hex;
  /** The fork point: the last block that both branches share. */
  head: BlockRef;
}

export interface ReorganiseParameters {
  /** How many more blocks the new branch has than the old one (>= 0; 1 by default, so the new head is higher). */
  extraBlocks?: number | undefined;
  /** Seconds added to the timestamp of the old branch's first block for the new one's (>= 1; 1 by default). */
  timeShift?: number | undefined;
  /**
   * Sends the old branch's transactions again, into the new branch's first block, as a real chain's mempool would:
   * they keep their hashes and get other blocks. Off by default: Hardhat forgets them (see `createReorgPlan`).
   */
  reincludeTransactions?: boolean | undefined;
  /**
   * Called back at the fork point, before the new branch is mined, with automine off (from before the revert, so
   * that nothing an observer sends meanwhile is mined on its own) and the first new block's timestamp set: what it
   * sends goes into the new branch's first block, with the re-included transactions. Makes the new branch differ:
   * a payment that comes first, say. Reads with `blockTag: "pending"` see that block's time.
   */
  beforeMining?: (() => Promise<void>) | undefined;
}

export interface ReorganiseReturnType {
  forkPoint: BlockRef;
  oldHead: BlockRef;
  newHead: BlockRef;
  /** Each height of the old branch, with the hash it had and the hash it has now (always different). */
  heights: { number: bigint; oldHash: Hash; newHash: Hash }[];
  /** The old branch's transactions that the node no longer knows (neither mined nor pending). */
  droppedTransactions: Hash[];
  /** The old branch's transactions sent again and mined in the new branch (`reincludeTransactions`). */
  reincludedTransactions: Hash[];
}

export interface ReorgPlan {
  /** Takes a snapshot and remembers the head, the fork point; then let the old branch be mined (by anyone). */
  mark(): Promise<ReorgMark>;
  /**
   * Reverts to the mark and mines a different branch over the same heights and `extraBlocks` more, so that an
   * observer who saw the old branch sees other hashes at the same heights. Consumes the mark.
   */
  reorganise(parameters?: ReorganiseParameters): Promise<ReorganiseReturnType>;
}

/**
 * Makes a Hardhat node reorganise under an observer. Hardhat has no fork choice to play with, so the reorg is a
 * snapshot and a revert: `mark()` takes `evm_snapshot` at head N; blocks N+1..N+k are mined (automine, the caller's
 * `mine`, ...) and observed; `reorganise()` calls `evm_revert` and mines k + extraBlocks new blocks, the first with
 * the timestamp of the old N+1 plus `timeShift` so that its hash, and so every later one, differs (the same block
 * content, timestamp included, would give the same hash: Hardhat's prevrandao is restored by the revert too).
 *
 * What Hardhat does on `evm_revert`, unlike a real chain:
 * - the old blocks are gone: `eth_getBlockByHash(oldHash)` answers null;
 * - the transactions mined in the old branch are not put back in the mempool: their receipts and the transactions
 *   vanish, and the senders' nonces go back; a client must send them again (the same signed bytes are accepted,
 *   with the same hash), or use `reincludeTransactions`;
 * - the mempool is the one of the snapshot: transactions pending at `mark()` are pending again and go into the
 *   first new block, those sent after `mark()` and still pending are gone;
 * - the clock offset (`evm_increaseTime`) is the snapshot's too;
 * - block filters (`eth_newBlockFilter`) report the new blocks but no removal, and a block with the same content
 *   as a reverted one (same timestamp) has the same hash.
 *
 * @example
 * const plan = createReorgPlan(url);
 * const { head } = await plan.mark();
 * await chain.mine(3); // the keeper sees N+1..N+3
 * const { heights, newHead } = await plan.reorganise({ extraBlocks: 1 }); // N+1..N+4, other hashes
 */
export function createReorgPlan(url: string): ReorgPlan {
  const chain = createChainControl(url);
  const { publicClient } = chain;
  let marked: ReorgMark | undefined;

  const blockAt = (number: bigint) => publicClient.getBlock({ blockNumber: number, includeTransactions: true });
  const ref = (block: LatestBlock): BlockRef => ({
    number: block.number,
    hash: block.hash,
    timestamp: block.timestamp,
  });

  return {
    async mark() {
      const snapshotId = await chain.snapshot();
      marked = { snapshotId, head: ref(await chain.latestBlock()) };
      return marked;
    },

    async reorganise(parameters = {}) {
      const { extraBlocks = 1, timeShift = 1, reincludeTransactions = false, beforeMining } = parameters;
      if (marked === undefined) throw new Error("reorganise: call mark() first (each mark serves one reorganise)");
      if (!Number.isInteger(extraBlocks) || extraBlocks < 0) {
        throw new Error(`reorganise: extraBlocks must be an integer >= 0, got ${extraBlocks}`);
      }
      if (!Number.isInteger(timeShift) || timeShift < 1) {
        throw new Error(
          `reorganise: timeShift must be an integer >= 1 (0 could mine the same blocks), got ${timeShift}`,
        );
      }
      const { snapshotId, head: forkPoint } = marked;
      const oldHeadBlock = await chain.latestBlock();
      const depth = Number(oldHeadBlock.number - forkPoint.number);
      if (depth < 1) throw new Error(`reorganise: no block was mined since mark() at ${forkPoint.number}`);

      const oldBlocks: Awaited<ReturnType<typeof blockAt>>[] = [];
      for (let i = 1n; i <= BigInt(depth); i++) oldBlocks.push(await blockAt(forkPoint.number + i));
      const oldTransactions = oldBlocks.flatMap((block) => block.transactions);
      const known = async (hash: Hash) =>
        (await publicClient.request({ method: "eth_getTransactionByHash", params: [hash] })) !== null;

      marked = undefined;
      const automine = await chain.getAutomine();
      // Automine would mine each re-sent transaction in its own block, and take the timestamp set for the first.
      // The revert keeps the automine setting: turned off before it, nothing is mined between the two.
      const holdMempool = beforeMining !== undefined;
      if (holdMempool) await chain.setAutomine(false);
      const resend: Transaction[] = [];
      try {
        await chain.revert(snapshotId);
        // Those pending at mark() are back in the mempool; only the others need sending again.
        if (reincludeTransactions) {
          for (const transaction of oldTransactions) if (!(await known(transaction.hash))) resend.push(transaction);
        }
        if (resend.length > 0 && !holdMempool) await chain.setAutomine(false);
        await chain.setNextBlockTimestamp(oldBlocks[0]!.timestamp + BigInt(timeShift));
        for (const transaction of resend) {
          const hash = await publicClient.request({
            method: "eth_sendRawTransaction",
            params: [signedBytes(transaction)],
          });
          if (hash !== transaction.hash) {
            throw new Error(`reorganise: re-sent ${transaction.hash} came back as ${hash}`);
          }
        }
        await beforeMining?.();
        await chain.mine(depth + extraBlocks);
      } finally {
        if (resend.length > 0 || holdMempool) await chain.setAutomine(automine);
      }

      const newHeadBlock = await chain.latestBlock();
      const heights = [];
      for (const old of oldBlocks) {
        const now = await publicClient.getBlock({ blockNumber: old.number });
        heights.push({ number: old.number, oldHash: old.hash, newHash: now.hash });
      }
      const droppedTransactions: Hash[] = [];
      for (const { hash } of oldTransactions) if (!(await known(hash))) droppedTransactions.push(hash);
      return {
        forkPoint,
        oldHead: ref(oldHeadBlock),
        newHead: ref(newHeadBlock),
        heights,
        droppedTransactions,
        reincludedTransactions: resend.map((transaction) => transaction.hash),
      };
    },
  };
}

/** The signed bytes of a mined transaction (Hardhat has no `eth_getRawTransactionByHash`), rebuilt from its fields. */
function signedBytes(transaction: Transaction): Hex {
  const { type, r, s, v, yParity } = transaction;
  if (type !== "legacy" && type !== "eip2930" && type !== "eip1559") {
    throw new Error(`reorganise: cannot re-send ${transaction.hash} of type ${type}`);
  }
  const signature: Signature = type === "legacy" ? { r, s, v } : { r, s, yParity: yParity! };
  const fields = { ...transaction, data: transaction.input } as unknown as TransactionSerializable;
  return serializeTransaction(fields, signature);
}

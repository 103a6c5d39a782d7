/**
 * The lag figures of `measureLag.ts`, from the keeper's mined actions and the chain's block times. Pure.
 *
 * An action valid from chain time `validFrom` can first be included in the first block whose timestamp is at or
 * after it (the contract checks `block.timestamp >= validFrom`). Its lag is counted from there to the block that mined
 * it: in blocks (0: mined in that very block, 1: in the next, the best a keeper that reads a block before acting can
 * do) and in seconds (the mining block's timestamp less `validFrom`: the wait for the first block is part of it).
 */

/** One on-chain action the keeper carried out, as its outbox records it. */
export interface MinedAction {
  readonly kind: string;
  readonly loanId: number;
  /** Chain time (unix seconds) from which the contract accepts it. */
  readonly validFrom: number;
  /** The block that mined it. */
  readonly doneBlock: number;
  /** When the keeper signed the transaction that mined it (wall clock, unix ms). */
  readonly signedAtMs: number | null;
}

export interface LagStats {
  /** Actions measured. */
  readonly actions: number;
  /** Left out: valid before a block the benchmark moved time for (their wait includes the jump). */
  readonly excluded: number;
  readonly medianSeconds: number;
  readonly p99Seconds: number;
  readonly maxSeconds: number;
  readonly medianBlocks: number;
  readonly p99Blocks: number;
  readonly maxBlocks: number;
  /** Mined in the first block that could include them or the next one. */
  readonly withinOneBlock: number;
  /** Actions by lag in blocks: `{ "1": 480, "2": 20 }`. */
  readonly byBlocks: Readonly<Record<string, number>>;
  /**
   * The keeper's reaction: from the first block that could include an action appearing on the node (its head polled
   * every 50 ms) to the keeper signing the transaction (ms; null without the times).
   */
  readonly reactionMs: { readonly median: number; readonly p99: number; readonly max: number } | null;
  /** The most actions that became valid in one block (the burst the keeper had to carry into the next). */
  readonly largestBurst: number;
  /** Blocks in which at least one measured action became valid. */
  readonly blocksWithNewActions: number;
}

/**
 * The `q` quantile of ascending `sorted` by nearest rank (the smallest value with at least `q` of them at or
 * below it): the median of [1, 2, 3, 4] is 2, its p99 is 4.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** Block timestamps, `timestamps[i]` being block `first + i`'s (ascending, as a chain's are). */
export interface BlockTimes {
  readonly first: number;
  readonly timestamps: readonly number[];
}

/** The number of the first block with a timestamp at or after `time`; null when no block has reached it yet. */
export function firstBlockAtOrAfter(blocks: BlockTimes, time: number): number | null {
  let low = 0;
  let high = blocks.timestamps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (blocks.timestamps[middle] < time) low = middle + 1;
    else high = middle;
  }
  return low === blocks.timestamps.length ? null : blocks.first + low;
}

/**
 * @example
 * const stats = lagStats(actions, { first: 0, timestamps }, new Set([jumpBlock]));
 */
export function lagStats(
  actions: readonly MinedAction[],
  blocks: BlockTimes,
  jumpBlocks: ReadonlySet<number> = new Set(),
  blockSeenAtMs: ReadonlyMap<number, number> = new Map(),
): LagStats {
  const seconds: number[] = [];
  const lagBlocks: number[] = [];
  const byBlocks = new Map<number, number>();
  const reactions: number[] = [];
  const perFirstBlock = new Map<number, number>();
  let excluded = 0;
  for (const action of actions) {
    const first = firstBlockAtOrAfter(blocks, action.validFrom);
    if (first === null || first > action.doneBlock) {
      throw new Error(`loan ${action.loanId}: ${action.kind} mined in block ${action.doneBlock}, before it was valid`);
    }
    if (jumpBlocks.has(first)) {
      excluded++;
      continue;
    }
    const timestamp = blocks.timestamps[action.doneBlock - blocks.first];
    seconds.push(timestamp - action.validFrom);
    const lag = action.doneBlock - first;
    lagBlocks.push(lag);
    byBlocks.set(lag, (byBlocks.get(lag) ?? 0) + 1);
    const seenAt = blockSeenAtMs.get(first);
    if (action.signedAtMs !== null && seenAt !== undefined) reactions.push(action.signedAtMs - seenAt);
    perFirstBlock.set(first, (perFirstBlock.get(first) ?? 0) + 1);
  }
  seconds.sort((a, b) => a - b);
  lagBlocks.sort((a, b) => a - b);
  reactions.sort((a, b) => a - b);
  const histogram = (counts: Map<number, number>) =>
    Object.fromEntries([...counts.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v]));
  return {
    actions: seconds.length,
    excluded,
    medianSeconds: quantile(seconds, 0.5),
    p99Seconds: quantile(seconds, 0.99),
    maxSeconds: seconds.length === 0 ? Number.NaN : seconds[seconds.length - 1],
    medianBlocks: quantile(lagBlocks, 0.5),
    p99Blocks: quantile(lagBlocks, 0.99),
    maxBlocks: lagBlocks.length === 0 ? Number.NaN : lagBlocks[lagBlocks.length - 1],
    withinOneBlock: lagBlocks.filter((lag) => lag <= 1).length,
    byBlocks: histogram(byBlocks),
    reactionMs:
      reactions.length === 0
        ? null
        : {
            median: quantile(reactions, 0.5),
            p99: quantile(reactions, 0.99),
            max: reactions[reactions.length - 1],
          },
    largestBurst: Math.max(0, ...perFirstBlock.values()),
    blocksWithNewActions: perFirstBlock.size,
  };
}

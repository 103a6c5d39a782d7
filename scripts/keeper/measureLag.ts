/**
 * The keeper's lag on a local node: from the moment an action becomes valid to the block that mines the keeper's
 * transaction for it.
 *
 * A real `hardhat node` (`startLocalChain`), a book of N loans originated by the demo's world builder (nobody
 * repays), the keeper as its own process (`startDemoKeeper`: no confirmation depth, its poll interval as given).
 * Then the node mines on a timer, as a real chain does (`evm_setAutomine false`, `evm_setIntervalMining`): block
 * timestamps follow the wall clock. Each product's default trigger holds for its loans at about the same time (the
 * originations span a few seconds): for each such trigger the clock jumps once, to `LEAD_BLOCKS` blocks before the
 * first loan's trigger, and the timer carries time across the trigger, so that the declareDefault actions become
 * valid during the measurement, in the blocks that cross their loans' triggers. The keeper's outbox gives each
 * action's `valid_from` and the block that mined it; the node gives the blocks' timestamps (`lagStats.ts`).
 *
 * @example
 * const lag = await measureLag({ loans: 1_000, blockTimeSeconds: 2, pollIntervalMs: 250 });
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { numberToHex } from "viem";
import { loanBookAbi } from "../../keeper/src/abi/loanBook.ts";
import { startLocalChain, type LocalChain } from "../../keeper/src/adapters/chain/localChain.ts";
import { createWorld } from "../demo/createWorld.ts";
import { startDemoKeeper, type DemoKeeper } from "../demo/startDemoKeeper.ts";
import { lagStats, type LagStats, type MinedAction } from "./lagStats.ts";

export interface MeasureLagParameters {
  /** Loans in the book. */
  readonly loans: number;
  /** Interval mining: a block every this many seconds. */
  readonly blockTimeSeconds: number;
  /** The keeper's `KEEPER_POLL_INTERVAL_MS`. */
  readonly pollIntervalMs: number;
  /** The world's seed. */
  readonly seed?: string;
  /** Progress lines (stderr). */
  readonly log?: (line: string) => void;
}

/** One moment many loans' default triggers hold (one product's loans: they were originated together). */
export interface LagTrigger {
  /** The first and last `defaultEligibleAt` of its loans (unix seconds). */
  readonly from: number;
  readonly to: number;
  readonly loans: number;
}

export interface LagResult extends LagStats {
  readonly loans: number;
  readonly blockTimeSeconds: number;
  readonly pollIntervalMs: number;
  readonly triggers: readonly LagTrigger[];
  /** Measured actions by kind. */
  readonly kinds: Readonly<Record<string, number>>;
  /** Loans past their trigger that the keeper had not declared in default by the end of their trigger's window. */
  readonly notMined: number;
  /** Actions whose `valid_from` differs from the contract's `defaultEligibleAt` (0: the keeper agrees). */
  readonly validFromMismatches: number;
  /** Blocks mined on the timer during the measurement. */
  readonly blocks: number;
  /** Chain start, origination, keeper start and catch-up. */
  readonly setupSeconds: number;
  /** The timed blocks. */
  readonly measureSeconds: number;
  readonly totalSeconds: number;
}

/** Blocks between the clock's jump and a trigger's first loan: the keeper settles what the jump made due first. */
const LEAD_BLOCKS = 4;
/** Blocks after a trigger's last loan before its window closes with actions still missing. */
const WINDOW_BLOCKS = 20;
/** How often the head is polled (when each block was mined, for the keeper's reaction) and the window read (ms). */
const WATCH_MS = 50;
/** Triggers further apart than this are distinct (seconds). */
const TRIGGER_GAP_SECONDS = 3_600;
const ON_CHAIN_KINDS = ["declareDefault", "breachCommitment", "autoDebit", "relayBankPayment"];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const since = (from: number) => Math.round((performance.now() - from) / 100) / 10;

/** Groups loans by when their default trigger holds: a group per run of times less than an hour apart. */
export function triggersOf(eligibleAt: readonly number[]): LagTrigger[] {
  const times = eligibleAt.filter((t) => t > 0).sort((a, b) => a - b);
  const triggers: LagTrigger[] = [];
  for (const time of times) {
    const last = triggers[triggers.length - 1];
    if (last !== undefined && time - last.to <= TRIGGER_GAP_SECONDS) {
      triggers[triggers.length - 1] = { from: last.from, to: time, loans: last.loans + 1 };
    } else {
      triggers.push({ from: time, to: time, loans: 1 });
    }
  }
  return triggers;
}

export async function measureLag(parameters: MeasureLagParameters): Promise<LagResult> {
  const { loans, blockTimeSeconds, pollIntervalMs } = parameters;
  const log = parameters.log ?? (() => undefined);
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "keeper-lag-"));
  const dbPath = join(dir, "keeper.sqlite");
  const logFile = join(dir, "keeper.log");
  let chain: LocalChain | null = null;
  let keeper: DemoKeeper | null = null;
  let db: Database.Database | null = null;
  let failed = true;
  try {
    chain = await startLocalChain({ port: 0 });
    log(`lag: hardhat node at ${chain.url} (${since(started)} s); originating ${loans} loans`);
    const world = await createWorld({ rpcUrl: chain.url, loans, seed: parameters.seed ?? "keeper-lag" });
    const { client } = world.rpc;
    const request = (method: string, params: unknown[]) => client.request({ method, params } as never);
    // When each loan's default trigger holds, by the contract (nobody repays: the first installment's trigger).
    const eligibleAt = new Map<number, number>();
    await Promise.all(
      world.loans.map(async (loan) => {
        const at = await client.readContract({
          address: world.loanBook,
          abi: loanBookAbi,
          functionName: "defaultEligibleAt",
          args: [loan.loanId],
        });
        eligibleAt.set(Number(loan.loanId), Number(at));
      }),
    );
    const triggers = triggersOf([...eligibleAt.values()]);
    log(`lag: ${loans} loans originated (${since(started)} s); starting the keeper`);

    keeper = await startDemoKeeper({ world, dbPath, logFile, pollIntervalMs, logLevel: "warn" });
    await keeper.link.waitUntilCaughtUp();
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const settledOf = db.prepare(
      `SELECT loan_id FROM actions WHERE kind = 'declareDefault' AND state IN ('done', 'dropped', 'failed')`,
    );
    const setupSeconds = since(started);
    log(
      `lag: keeper caught up (${setupSeconds} s); a block every ${blockTimeSeconds} s, ` +
        `${triggers.length} default triggers (${triggers.map((t) => t.loans).join(", ")} loans)`,
    );

    const measuring = performance.now();
    const firstTimedBlock = (await client.getBlockNumber({ cacheTime: 0 })) + 1n;
    await request("evm_setAutomine", [false]);
    await request("evm_setIntervalMining", [blockTimeSeconds * 1_000]);
    const jumps: number[] = [];
    const seenAt = new Map<number, number>();
    for (const [index, trigger] of triggers.entries()) {
      const jumpTo = trigger.from - LEAD_BLOCKS * blockTimeSeconds;
      const latest = await client.getBlock({ blockTag: "latest" });
      if (BigInt(jumpTo) <= latest.timestamp) throw new Error(`trigger ${index + 1} is not in the chain's future`);
      await request("evm_setNextBlockTimestamp", [numberToHex(jumpTo)]);
      jumps.push(jumpTo);
      const expected = new Set(
        [...eligibleAt].filter(([, at]) => at >= trigger.from && at <= trigger.to).map(([id]) => id),
      );
      const closesAt = trigger.to + WINDOW_BLOCKS * blockTimeSeconds;
      for (let checked = 0; ;) {
        await sleep(WATCH_MS);
        const head = await client.getBlock({ blockTag: "latest" });
        if (!seenAt.has(Number(head.number))) seenAt.set(Number(head.number), Date.now());
        if (Number(head.timestamp) > closesAt) break;
        if (++checked % 4 !== 0) continue;
        const settled = (settledOf.all() as { loan_id: number }[]).filter((row) => expected.has(row.loan_id)).length;
        if (settled === expected.size) break;
      }
      log(`lag: trigger ${index + 1}/${triggers.length} (${trigger.loans} loans) done (${since(measuring)} s)`);
    }
    await request("evm_setIntervalMining", [0]);
    const lastTimedBlock = await client.getBlockNumber({ cacheTime: 0 });
    const measureSeconds = since(measuring);

    // The outbox's on-chain actions, with when the transaction that carried each was signed.
    const rows = db
      .prepare(
        `SELECT a.kind, a.loan_id, a.valid_from, a.state, a.outcome, a.done_block, t.created_at_ms
         FROM actions a LEFT JOIN transactions t ON t.hash = a.tx_hash
         WHERE a.kind IN (${ON_CHAIN_KINDS.map(() => "?").join(", ")})`,
      )
      .all(...ON_CHAIN_KINDS) as {
      kind: string;
      loan_id: number;
      valid_from: number | null;
      state: string;
      outcome: string | null;
      done_block: number | null;
      created_at_ms: number | null;
    }[];
    const mined: MinedAction[] = [];
    let validFromMismatches = 0;
    for (const row of rows) {
      if (row.state !== "done" || row.outcome !== "mined" || row.done_block === null || row.valid_from === null)
        continue;
      mined.push({
        kind: row.kind,
        loanId: row.loan_id,
        validFrom: row.valid_from,
        doneBlock: row.done_block,
        signedAtMs: row.created_at_ms,
      });
      if (row.kind === "declareDefault" && row.valid_from !== eligibleAt.get(row.loan_id)) validFromMismatches++;
    }
    const declared = new Set(mined.filter((a) => a.kind === "declareDefault").map((a) => a.loanId));
    const notMined = [...eligibleAt.keys()].filter((id) => !declared.has(id)).length;

    const head = await client.getBlockNumber({ cacheTime: 0 });
    const headers = await Promise.all(
      Array.from({ length: Number(head) + 1 }, (_, n) => client.getBlock({ blockNumber: BigInt(n) })),
    );
    const timestamps = headers.map((block) => Number(block.timestamp));
    const jumpBlocks = new Set(jumps.map((time) => timestamps.indexOf(time)).filter((n) => n >= 0));
    const stats = lagStats(mined, { first: 0, timestamps }, jumpBlocks, seenAt);
    const kinds: Record<string, number> = {};
    for (const action of mined) kinds[action.kind] = (kinds[action.kind] ?? 0) + 1;
    failed = false;
    return {
      loans,
      blockTimeSeconds,
      pollIntervalMs,
      triggers,
      ...stats,
      kinds,
      notMined,
      validFromMismatches,
      blocks: Number(lastTimedBlock - firstTimedBlock + 1n),
      setupSeconds,
      measureSeconds,
      totalSeconds: since(started),
    };
  } finally {
    db?.close();
    await keeper?.stop().catch(() => undefined);
    await chain?.stop().catch(() => undefined);
    if (failed) log(`lag: failed; the keeper's database and log are kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

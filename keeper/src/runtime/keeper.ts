/**
 * The keeper's loop. Each pass, in this order:
 * 1. follow the chain to the confirmed head (the store's checkpoint and its block time are the keeper's clock);
 * 2. settle the transactions in flight (receipts up to the checkpoint, fee bumps, re-broadcasts);
 * 3. decide every open loan at the checkpoint's time and put new actions in the outbox; with a collateral watch,
 *    read the watched loans' margins and plan their margin calls and collateral defaults (`collateralWatcher.ts`),
 *    and what the shared default registry must learn of this book (`registryReporter.ts`);
 * 4. carry out the planned actions that are due (a contact action hands its message to the contact desk);
 * 5. deliver the messages to borrowers the contact rules allow now, and close a batch of the contact log for
 *    anchoring when one is due (its anchoring is an action of the next pass).
 * A pass that fails (the node unreachable, an answer lost) changes nothing it did not commit, and the next pass
 * starts over from the store: every step is idempotent.
 *
 * Several keepers may share one PostgreSQL store (`leadership`): only the holder of the leader lease runs passes; the
 * others wait as standbys, serving HTTP from the same store. A keeper that becomes the leader starts as after a
 * restart (the nonce manager from the chain, every stored transaction in flight broadcast again), so what the last
 * leader stored is carried on, never done twice.
 */
import type { Address, PublicClient } from "viem";
import type { Logger } from "pino";
import { loanBookAbi } from "../abi/loanBook.ts";
import type { Store } from "../adapters/store/openStore.ts";
import type { createExecutor } from "./executor.ts";
import type { createFollower } from "./follower.ts";
import type { KeeperStatus } from "./metrics.ts";
import type { createPlanner } from "./planner.ts";
import type { CollateralWatcher } from "./collateralWatcher.ts";
import type { ContactDesk } from "./contactDesk.ts";
import type { RegistryReporter } from "./registryReporter.ts";

export interface KeeperParameters {
  readonly client: PublicClient;
  readonly store: Store;
  readonly follower: ReturnType<typeof createFollower>;
  readonly planner: ReturnType<typeof createPlanner>;
  readonly executor: ReturnType<typeof createExecutor>;
  /** Delivers messages to borrowers and anchors the contact log; without it contact actions are only recorded. */
  readonly contactDesk?: ContactDesk;
  /** Reads collateral margins (the book has a collateral watch); without it nothing is read. */
  readonly collateralWatcher?: CollateralWatcher;
  /** Reports the book's defaults and pledges to the shared default registry (the watch names one). */
  readonly registryReporter?: RegistryReporter;
  readonly loanBook: Address;
  readonly keeper: Address;
  readonly chainId: number;
  readonly mode: KeeperStatus["mode"];
  readonly confirmations: number;
  readonly pollIntervalMs: number;
  readonly logger: Logger;
  /** Wall clock (unix ms), for the status only. */
  readonly clock?: () => number;
  /** The leader lease of keepers sharing a store; without it this keeper is the store's only one. */
  readonly leadership?: Leadership;
}

/** What the loop needs of a leader lease (`adapters/postgres/leaderLease.ts`). */
export interface Leadership {
  isLeader(): boolean;
  /** The lease's epoch while leading. */
  epoch(): number | undefined;
}

export interface TickReturnType {
  readonly head: bigint;
  readonly processedBlock: bigint;
  readonly processedTime: bigint;
  readonly planned: number;
  readonly sent: number;
  readonly idle: boolean;
}

export function createKeeper(parameters: KeeperParameters) {
  const { client, store, follower, planner, executor, loanBook, logger } = parameters;
  const clock = parameters.clock ?? Date.now;
  const status: KeeperStatus = {
    mode: parameters.mode,
    chainId: parameters.chainId,
    loanBook,
    keeper: parameters.keeper,
    head: null,
    processedBlock: null,
    processedTime: null,
    confirmations: parameters.confirmations,
    lastTickAtMs: null,
    lastError: null,
    ticks: 0,
    idle: false,
    due: 0,
    pendingTransactions: 0,
    lastSent: 0,
    role: parameters.leadership === undefined ? "single" : "standby",
    leaseEpoch: null,
  };
  const { leadership } = parameters;
  let started = false;

  async function tick(): Promise<TickReturnType> {
    if (!started) {
      await executor.start();
      started = true;
    }
    const sync = await follower.sync();
    const now = sync.processedTime;
    await executor.reconcile(sync.head, sync.processedBlock, now);
    const paused = (await client.readContract({
      address: loanBook,
      abi: loanBookAbi,
      functionName: "paused",
    })) as boolean;
    const plan = planner.plan(now, { paused });
    if (parameters.collateralWatcher !== undefined && !paused) await parameters.collateralWatcher.check(now);
    if (parameters.registryReporter !== undefined) await parameters.registryReporter.check(now, sync.processedBlock);
    const sent = await executor.execute(now, sync.head, sync.processedBlock);
    if (parameters.contactDesk !== undefined) {
      await parameters.contactDesk.deliver(now);
      parameters.contactDesk.anchor(now);
    }
    const due = store.nextActions(1_000, now).length;
    const pendingTransactions = store.pendingTransactions(parameters.keeper).length;
    const idle =
      sent === 0 &&
      sync.processedBlock + BigInt(parameters.confirmations) >= sync.head &&
      due === 0 &&
      pendingTransactions === 0;
    Object.assign(status, {
      head: sync.head,
      processedBlock: sync.processedBlock,
      processedTime: now,
      lastTickAtMs: clock(),
      lastError: null,
      ticks: status.ticks + 1,
      idle,
      due,
      pendingTransactions,
      lastSent: sent,
    });
    return { ...sync, planned: plan.planned, sent, idle };
  }

  return {
    status: (): KeeperStatus => ({ ...status }),
    tick,

    /**
     * Runs passes until `signal` aborts: the next pass starts `pollIntervalMs` after the previous ended, at once
     * when the last one sent something (its transactions make new blocks to follow).
     */
    async run(signal: AbortSignal): Promise<void> {
      while (!signal.aborted) {
        if (leadership !== undefined && !leadership.isLeader()) {
          // A standby: alive (its health counts these waits), and a fresh start whenever it leads again.
          if (status.role === "leader") logger.warn({ epoch: status.leaseEpoch }, "leadership lost: standing by");
          Object.assign(status, { role: "standby", leaseEpoch: null, lastTickAtMs: clock(), lastError: null });
          started = false;
          await sleep(parameters.pollIntervalMs, signal);
          continue;
        }
        if (leadership !== undefined && status.role !== "leader") {
          Object.assign(status, { role: "leader", leaseEpoch: leadership.epoch() ?? null });
        }
        let again = false;
        try {
          const result = await tick();
          again = result.sent !== 0;
        } catch (error) {
          status.lastError = error instanceof Error ? error.message.split("\n")[0] : String(error);
          status.idle = false;
          logger.warn({ err: status.lastError }, "pass failed: trying again");
        }
        if (!again) await sleep(parameters.pollIntervalMs, signal);
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

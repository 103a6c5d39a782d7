/**
 * The keeper's loop under a leader lease: a standby runs no pass and says so in its status; the leader runs passes;
 * a keeper that lost the lease stands by again, and when it leads once more it starts over as after a restart (the
 * executor's start: the nonce manager from the chain, the stored transactions broadcast again).
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import pino from "pino";
import type { PublicClient } from "viem";
import type { Store } from "../adapters/store/openStore.ts";
import { createKeeper, type KeeperParameters } from "./keeper.ts";

const LOAN_BOOK = "0x00000000000000000000000000000000000000b0";
const KEEPER = "0x00000000000000000000000000000000000000ee";

/** The loop's parts, as fakes that count what the loop asks of them. */
function parts() {
  const calls = { start: 0, sync: 0 };
  const parameters: KeeperParameters = {
    client: { readContract: async () => false } as unknown as PublicClient,
    store: { nextActions: () => [], pendingTransactions: () => [] } as unknown as Store,
    follower: {
      sync: async () => {
        calls.sync++;
        return { head: 5n, processedBlock: 5n, processedTime: 1_000n };
      },
    } as never,
    planner: { plan: () => ({ loans: 0, due: 0, planned: 0 }) } as never,
    executor: {
      start: async () => void calls.start++,
      reconcile: async () => undefined,
      execute: async () => 0,
    } as never,
    loanBook: LOAN_BOOK,
    keeper: KEEPER,
    chainId: 31337,
    mode: "rpc",
    confirmations: 0,
    pollIntervalMs: 5,
    logger: pino({ level: "silent" }),
  };
  return { calls, parameters };
}

/** Resolves once `condition` holds (polling), or fails after a second. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 1_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe("the keeper loop under a leader lease", () => {
  it("is single without a lease, and runs its passes", async () => {
    const { calls, parameters } = parts();
    const keeper = createKeeper(parameters);
    expect(keeper.status()).to.include({ role: "single", leaseEpoch: null });
    const controller = new AbortController();
    const loop = keeper.run(controller.signal);
    await until(() => calls.sync >= 2);
    controller.abort();
    await loop;
    expect(calls.start).to.equal(1);
  });

  it("stands by without the lease, leads with it, and starts over each time it leads again", async () => {
    const { calls, parameters } = parts();
    let epoch: number | undefined;
    const keeper = createKeeper({
      ...parameters,
      leadership: { isLeader: () => epoch !== undefined, epoch: () => epoch },
    });
    const controller = new AbortController();
    const loop = keeper.run(controller.signal);

    await until(() => keeper.status().lastTickAtMs !== null);
    expect(keeper.status()).to.include({ role: "standby", leaseEpoch: null });
    expect(calls.sync).to.equal(0);

    epoch = 4;
    await until(() => calls.sync >= 2);
    expect(keeper.status()).to.include({ role: "leader", leaseEpoch: 4 });
    expect(calls.start).to.equal(1);

    epoch = undefined;
    await until(() => keeper.status().role === "standby");
    const passes = calls.sync;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(calls.sync).to.equal(passes);

    epoch = 6;
    await until(() => calls.sync > passes);
    expect(keeper.status()).to.include({ role: "leader", leaseEpoch: 6 });
    expect(calls.start).to.equal(2);
    controller.abort();
    await loop;
  });
});

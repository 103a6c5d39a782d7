/**
 * The keeper's fence on PostgreSQL (`Store.leaseHeld`, what the executor checks inside the transaction that stores a
 * signed transaction): true for the lease's holder at its epoch, false at another epoch or lease, and false once
 * another keeper took the lease over. (Inside a transaction it also locks the row, `FOR SHARE`: PostgreSQL's own
 * semantics, not tested here.)
 */
import { after, describe, it } from "node:test";
import { expect } from "chai";
import { createLeaderLease } from "../../postgres/leaderLease.ts";
import { STORE_BACKENDS, type StoreBackend } from "../storeBackends.ts";

const postgres = STORE_BACKENDS[1] as StoreBackend;
const NAME = "keeper:31337:0xbook";
const TTL_MS = 1_500;

/** Resolves once `condition` holds (polling every 20 ms), or fails after `ms`. */
async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the store's lease fence on PostgreSQL", { skip: postgres.skip, timeout: 60_000 }, () => {
  after(() => postgres.release());

  it("holds for the leader at its epoch, and no more once another keeper took the lease over", async () => {
    const db = await postgres.fresh();
    const store = db.open();
    const first = createLeaderLease({ url: db.location, name: NAME, holderId: "first", ttlMs: TTL_MS });
    const second = createLeaderLease({ url: db.location, name: NAME, holderId: "second", ttlMs: TTL_MS });
    try {
      await first.start();
      expect(first.isLeader()).to.equal(true);
      const epoch = first.epoch()!;
      expect(store.leaseHeld(NAME, epoch)).to.equal(true);
      expect(store.leaseHeld(NAME, epoch + 1)).to.equal(false);
      expect(store.leaseHeld("keeper:1:0xother", epoch)).to.equal(false);

      // Inside a transaction, as the executor asks it, the same answer.
      expect(store.transaction(() => store.leaseHeld(NAME, epoch))).to.equal(true);

      await second.start();
      expect(second.isLeader()).to.equal(false);
      await first.stop();
      expect(store.leaseHeld(NAME, epoch)).to.equal(false);
      await until(() => second.isLeader(), TTL_MS * 3);
      expect(second.epoch()).to.be.greaterThan(epoch);
      expect(store.leaseHeld(NAME, epoch)).to.equal(false);
      expect(store.leaseHeld(NAME, second.epoch()!)).to.equal(true);
    } finally {
      await first.stop();
      await second.stop();
      store.close();
    }
  });
});

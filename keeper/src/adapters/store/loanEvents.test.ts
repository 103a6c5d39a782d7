import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import type { Store } from "./openStore.ts";
import { STORE_BACKENDS } from "./storeBackends.ts";
import { hashOf, LOAN_BOOK, seedBook } from "./readModelFixture.ts";

for (const backend of STORE_BACKENDS) {
  describe(`loanEvents.eventsOfLoan on ${backend.name}`, { skip: backend.skip }, () => {
    let store: Store;

    before(async () => {
      store = (await backend.fresh()).open();
      seedBook(store);
      // Block 10 is recorded with the hash the events carry; block 12 with another (a reorganised one): no time.
      store.recordBlock({ number: 10n, hash: hashOf(0xb), parentHash: hashOf(0xa), timestamp: 1_700_000_000n });
      store.recordBlock({ number: 12n, hash: hashOf(0xc), parentHash: hashOf(0xb), timestamp: 1_700_000_100n });
    });
    after(async () => {
      store?.close();
      await backend.release();
    });

    it("lists the loan's logs in chain order, with block hash, transaction, log index and block time", () => {
      const events = store.loanEvents.eventsOfLoan(2n);
      expect(events.map((event) => [event.blockNumber, event.logIndex, event.name])).to.deep.equal([
        [10n, 5, "LoanOriginated"],
        [12n, 0, "Transfer"],
        [12n, 1, "InstallmentPaid"],
      ]);
      expect(events[0]).to.deep.include({
        blockHash: hashOf(0xb),
        txHash: hashOf(0x10),
        address: LOAN_BOOK,
        timestamp: 1_700_000_000n,
      });
      // Integers were stored as decimal strings and come back as such.
      expect(events[2]!.args).to.deep.equal({ loanId: "2", amount: String(10n ** 30n) });
    });

    it("gives no time for a log whose block is not recorded with the log's block hash", () => {
      const [, transfer] = store.loanEvents.eventsOfLoan(2n);
      expect(transfer!.timestamp).to.equal(null);
    });

    for (const [name, id] of [
      ["a loan without logs", 4n],
      ["an unknown loan", 99n],
      ["an id beyond SQLite's integers", 2n ** 64n],
    ] as const) {
      it(`is empty for ${name}`, () => {
        expect(store.loanEvents.eventsOfLoan(id)).to.deep.equal([]);
      });
    }
  });
}

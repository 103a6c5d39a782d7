import { after, describe, it } from "node:test";
import { expect } from "chai";
import { freshStore, STORE_BACKENDS, type TestDatabase } from "./storeBackends.ts";
import type { InsertBankRecordParameters } from "./types.ts";

/** Loan ids in increasing order (`loansWithMatchedBankRecords` promises no order). */
const sorted = (ids: bigint[]): bigint[] => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

const payment = (overrides: Partial<InsertBankRecordParameters> = {}): InsertBankRecordParameters => ({
  source: "camt053",
  bankReference: "BANK-REF-1",
  loanReference: "LOAN-7",
  loanId: 7n,
  amount: 2n ** 127n + 3n,
  paidAt: 1_700_000_000n,
  rawPayload: '{"ntry":"1"}',
  ...overrides,
});

for (const backend of STORE_BACKENDS) {
  after(() => backend.release());

  const newStore = () => freshStore(backend);

  /** The row as stored, wall-clock columns included. */
  const storedRow = (db: TestDatabase, bankReference: string): unknown =>
    db.rows("SELECT * FROM bank_records WHERE bank_reference = ?", bankReference)[0];

  describe(`bank records on ${backend.name}`, { skip: backend.skip }, () => {
    it("stores a payment once per bank reference: a second report changes nothing", async () => {
      const { store, db, clock } = await newStore();
      expect(store.insertBankRecord(payment())).to.equal(true);
      const first = store.getBankRecord("BANK-REF-1");
      expect(first).to.deep.equal({
        ...payment(),
        id: 1,
        state: "matched",
        relayTx: null,
        reason: null,
        receivedAtMs: 1_000,
      });
      const row = storedRow(db, "BANK-REF-1");

      clock.ms = 2_000;
      const again = payment({ source: "webhook", amount: 5n, loanId: 8n, loanReference: "LOAN-8", rawPayload: "{}" });
      expect(store.insertBankRecord(again)).to.equal(false);
      expect(store.getBankRecord("BANK-REF-1")).to.deep.equal(first);
      expect(storedRow(db, "BANK-REF-1")).to.deep.equal(row);
      expect(store.bankRecordsOfLoan(8n)).to.deep.equal([]);

      expect(store.insertBankRecord(payment({ bankReference: "BANK-REF-2" }))).to.equal(true);
      expect(store.bankRecordsOfLoan(7n).map((record) => record.bankReference)).to.deep.equal([
        "BANK-REF-1",
        "BANK-REF-2",
      ]);
      expect(store.getBankRecord("BANK-REF-3")).to.equal(undefined);
      store.close();
    });

    it("keeps an unmatched payment in suspense, and lists the loans with matched payments to relay", async () => {
      const { store } = await newStore();
      store.insertBankRecord(payment({ bankReference: "UNMATCHED", loanId: null, loanReference: "???" }));
      expect(store.getBankRecord("UNMATCHED")).to.include({ state: "suspense", loanId: null, relayTx: null });
      expect(store.loansWithMatchedBankRecords()).to.deep.equal([]);

      store.insertBankRecord(payment({ bankReference: "A", loanId: 7n }));
      store.insertBankRecord(payment({ bankReference: "B", loanId: 7n }));
      store.insertBankRecord(payment({ bankReference: "C", loanId: 3n }));
      expect(sorted(store.loansWithMatchedBankRecords())).to.deep.equal([3n, 7n]);
      store.close();
    });

    it("keeps a suspense payment's reason, and lists records newest first by state, a page at a time", async () => {
      const { store } = await newStore();
      const reason = "unknown loan: no loan 99 is followed by the keeper";
      store.insertBankRecord(payment({ bankReference: "S1", loanId: null, loanReference: "LOAN-99", reason }));
      store.insertBankRecord(payment({ bankReference: "M1" }));
      store.insertBankRecord(payment({ bankReference: "S2", loanId: null, loanReference: "", reason: "none" }));
      expect(store.getBankRecord("S1")).to.include({ state: "suspense", reason });
      expect(store.getBankRecord("M1")).to.include({ state: "matched", reason: null });

      const references = (page: { records: { bankReference: string }[] }) =>
        page.records.map((record) => record.bankReference);
      const suspense = store.listBankRecords({ state: "suspense", limit: 10, offset: 0 });
      expect(references(suspense)).to.deep.equal(["S2", "S1"]);
      expect(suspense.total).to.equal(2);
      const second = store.listBankRecords({ state: "suspense", limit: 1, offset: 1 });
      expect({ references: references(second), total: second.total }).to.deep.equal({ references: ["S1"], total: 2 });
      expect(references(store.listBankRecords({ limit: 10, offset: 0 }))).to.deep.equal(["S2", "M1", "S1"]);
      expect(store.listBankRecords({ state: "relayed", limit: 10, offset: 0 })).to.deep.equal({
        records: [],
        total: 0,
      });
      store.close();
    });

    it("lists a loan's payments by the time they were paid", async () => {
      const { store } = await newStore();
      store.insertBankRecord(payment({ bankReference: "LATE", paidAt: 300n }));
      store.insertBankRecord(payment({ bankReference: "EARLY", paidAt: 100n }));
      store.insertBankRecord(payment({ bankReference: "SAME-TIME", paidAt: 300n }));
      store.insertBankRecord(payment({ bankReference: "OTHER-LOAN", paidAt: 200n, loanId: 8n }));
      expect(store.bankRecordsOfLoan(7n).map((record) => record.bankReference)).to.deep.equal([
        "EARLY",
        "LATE",
        "SAME-TIME",
      ]);
      store.close();
    });

    it("marks a payment relayed with the transaction that credited it, once relayed no longer to relay", async () => {
      const { store, db, clock } = await newStore();
      store.insertBankRecord(payment({ bankReference: "A" }));
      store.insertBankRecord(payment({ bankReference: "B" }));
      store.insertBankRecord(payment({ bankReference: "C", loanId: 3n }));

      clock.ms = 5_000;
      store.markBankRecordRelayed("A", "0xrelay");
      expect(store.getBankRecord("A")).to.include({ state: "relayed", relayTx: "0xrelay" });
      expect(storedRow(db, "A")).to.include({ updated_at_ms: 5_000n, received_at_ms: 1_000n });
      expect(sorted(store.loansWithMatchedBankRecords())).to.deep.equal([3n, 7n]);

      // Relayed by someone else (its reference already used on chain): no transaction of the keeper's.
      store.markBankRecordRelayed("B", null);
      expect(store.getBankRecord("B")).to.include({ state: "relayed", relayTx: null });
      expect(store.loansWithMatchedBankRecords()).to.deep.equal([3n]);
      expect(store.getBankRecord("C")).to.include({ state: "matched" });
      store.close();
    });

    it("refuses an amount that is not a uint256", async () => {
      const { store } = await newStore();
      expect(() => store.insertBankRecord(payment({ amount: -1n }))).to.throw(RangeError);
      expect(store.getBankRecord("BANK-REF-1")).to.equal(undefined);
      store.close();
    });
  });
}

/**
 * The loans' next checks in the store (migration 9, `loanRecords.ts`): new facts reset a loan's check to 0, a loan
 * paid off or not read is never checked, the due loans come through the index in (time, id) order and in pages,
 * and a store from before the migration decides every loan once.
 */
import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { FLAG_REPAID, FLAG_WRITTEN_OFF, FLAG_DEFAULTED } from "../../core/decisions.ts";
import { applyMigrations } from "./applyMigrations.ts";
import { migrations } from "./migrations.ts";
import { openStore, type Store } from "./openStore.ts";
import { loanOf } from "./readModelFixture.ts";
import type { LoanFactsRow } from "./types.ts";

const dir = mkdtempSync(join(tmpdir(), "keeper-next-check-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `store-${++files}.sqlite`);
const idsOf = (rows: readonly LoanFactsRow[]) => rows.map((row) => row.id);
const checkOf = (store: Store, id: bigint) => store.loanFactsOf(id)?.nextCheckAt;

describe("next checks", () => {
  it("new facts reset a loan's check to 0; a loan paid off, written off or not read is never checked", () => {
    const store = openStore(newPath());
    store.upsertLoan(loanOf(1n));
    store.upsertLoan(loanOf(2n, { flags: FLAG_REPAID }, { flags: FLAG_REPAID }));
    store.upsertLoan(loanOf(3n, { flags: FLAG_WRITTEN_OFF | FLAG_DEFAULTED }, { flags: FLAG_WRITTEN_OFF }));
    store.upsertLoan(loanOf(4n, {}, null));
    expect([1n, 2n, 3n, 4n].map((id) => checkOf(store, id))).to.deep.equal([0n, null, null, null]);

    store.setNextChecks([
      { id: 1n, nextCheckAt: 500n },
      { id: 4n, nextCheckAt: 700n },
    ]);
    expect(checkOf(store, 1n)).to.equal(500n);
    store.upsertLoan(loanOf(1n, { updatedBlock: 11n }, { paidInstallments: 1 }));
    expect(checkOf(store, 1n)).to.equal(0n);
    expect(store.loanFactsOf(9n)).to.equal(undefined);
    store.close();
  });

  it("lists the loans due at a time by (check, id), in pages after a cursor, skipping those never checked", () => {
    const store = openStore(newPath());
    store.transaction(() => {
      for (let id = 1n; id <= 6n; id++) store.upsertLoan(loanOf(id));
    });
    store.upsertLoan(loanOf(7n, { flags: FLAG_REPAID }, { flags: FLAG_REPAID }));
    store.setNextChecks([
      { id: 1n, nextCheckAt: 300n },
      { id: 2n, nextCheckAt: 100n },
      { id: 3n, nextCheckAt: 300n },
      { id: 4n, nextCheckAt: 900n },
      { id: 5n, nextCheckAt: null },
    ]);
    // Loan 6 is at 0 (new facts), loan 7 never.
    expect(idsOf(store.loansDueForCheck(300n, null, 10))).to.deep.equal([6n, 2n, 1n, 3n]);
    expect(idsOf(store.loansDueForCheck(299n, null, 10))).to.deep.equal([6n, 2n]);
    const first = store.loansDueForCheck(300n, null, 3);
    expect(idsOf(first)).to.deep.equal([6n, 2n, 1n]);
    const cursor = { nextCheckAt: first[2].nextCheckAt!, id: first[2].id };
    expect(idsOf(store.loansDueForCheck(300n, cursor, 3))).to.deep.equal([3n]);
    expect(store.loansDueForCheck(300n, { nextCheckAt: 300n, id: 3n }, 3)).to.deep.equal([]);
    expect(store.loansDueForCheck(1_000n, null, 10).find((row) => row.id === 4n)).to.deep.include({
      nextCheckAt: 900n,
      defaultedAt: null,
    });
    store.close();
  });

  it("pages every loan by id for a full pass, and reads one loan's contact progress alone", () => {
    const store = openStore(newPath());
    store.transaction(() => {
      for (let id = 1n; id <= 5n; id++) store.upsertLoan(loanOf(id));
    });
    expect(idsOf(store.loanFactsPage(0n, 2))).to.deep.equal([1n, 2n]);
    expect(idsOf(store.loanFactsPage(2n, 2))).to.deep.equal([3n, 4n]);
    expect(idsOf(store.loanFactsPage(4n, 2))).to.deep.equal([5n]);

    store.planActions([
      { key: "2:markLate:i1", loanId: 2n, kind: "markLate", installment: 1, validFrom: 1n, payload: {} },
      { key: "2:markLate:i2", loanId: 2n, kind: "markLate", installment: 2, validFrom: 2n, payload: {} },
      { key: "2:remindLate1:i1", loanId: 2n, kind: "remindLate1", installment: 1, validFrom: 1n, payload: {} },
      { key: "3:markLate:i1", loanId: 3n, kind: "markLate", installment: 1, validFrom: 1n, payload: {} },
    ]);
    for (const key of ["2:markLate:i1", "2:markLate:i2", "3:markLate:i1"]) {
      store.markAction(store.getActionByKey(key)!.id, { state: "done", outcome: "test" });
    }
    const all = store.contactProgress();
    expect(store.contactProgressOf(2n)).to.deep.equal(all.get(2n));
    expect(store.contactProgressOf(2n)).to.deep.equal(new Map([["markLate", 2]]));
    expect(store.contactProgressOf(3n)).to.deep.equal(all.get(3n));
    expect(store.contactProgressOf(1n)).to.equal(undefined);
    store.close();
  });

  it("a store from before the migration checks every loan at the next pass", () => {
    const path = newPath();
    const db = new Database(path);
    applyMigrations(db, { migrations: migrations.filter((migration) => migration.id < 9), now: () => 0 });
    db.prepare(
      `INSERT INTO loans (id, template_id, borrower, claim_holder, principal, status, stage, flags, updated_block, facts)
       VALUES (1, 1, '0xb', '0xa', '1000', 1, 0, 0, 10, ?)`,
    ).run(loanOf(1n).facts);
    db.close();
    const store = openStore(path);
    expect(checkOf(store, 1n)).to.equal(0n);
    expect(idsOf(store.loansDueForCheck(0n, null, 10))).to.deep.equal([1n]);
    store.close();
  });
});

import { afterEach, beforeEach, describe, it } from "node:test";
import { expect } from "chai";
import { fixture } from "../../core/statements/testStatements.ts";
import { StatementError } from "../../core/statements/types.ts";
import { importStatement, type ImportStatementReturnType } from "./importStatement.ts";
import { tempStore, WALL_MS, type TempStore } from "./testBankStore.ts";

let temp: TempStore;
beforeEach(() => {
  temp = tempStore();
});
afterEach(() => temp.close());

const run = (name: string, source = "icbc", bytes: Uint8Array = fixture(name)): ImportStatementReturnType =>
  importStatement({ store: temp.store, source, fileName: name, bytes, decimals: 6 });

const imported = (result: ImportStatementReturnType) => {
  if (result.kind !== "imported") throw new Error(`expected an import, got ${result.kind}`);
  return result.statement;
};

describe("importStatement", () => {
  it("stores a camt.053.001.08 statement's payments, matched or in suspense, and quarantines the bad entry", () => {
    const statement = imported(run("icbc-camt053-001.08.xml"));
    expect(statement).to.deep.include({
      source: "icbc",
      format: "camt.053.001.08",
      statementId: "ICBC-SH-1001-20261125",
      account: "1001234509000012345",
      fileName: "icbc-camt053-001.08.xml",
      entries: 7,
      stored: 6,
      matched: 4,
      duplicates: 0,
      conflicts: 0,
      quarantined: 1,
      ignored: 3,
      importedAtMs: WALL_MS,
    });
    expect(statement.fileSha256).to.match(/^[0-9a-f]{64}$/);
    expect(temp.counts()).to.deep.equal({ records: 6, statements: 1, quarantine: 1 });
    const { store } = temp;
    expect(store.getBankRecord("ICBC2026112500002/2")).to.deep.include({
      source: "icbc",
      loanId: 3n,
      loanReference: "LOAN-3",
      amount: 2_000_000_000n,
      state: "matched",
    });
    expect(store.getBankRecord("ICBC2026112500005")).to.deep.include({ state: "suspense", loanId: null });
    expect(store.getBankRecord("ICBC2026112500005")?.reason).to.match(/no loan reference/);
    expect(store.getBankRecord("ICBC2026112500006")?.reason).to.match(/ambiguous: several loan references/);
    expect(JSON.parse(store.getBankRecord("ICBC2026112500001")?.rawPayload ?? "")).to.deep.include({
      amount: "1234560000",
      bookedAt: "2026-11-25T09:30:00+08:00",
      statement: {
        format: "camt.053.001.08",
        statementId: "ICBC-SH-1001-20261125",
        file: "icbc-camt053-001.08.xml",
        position: "Stmt 1 Ntry 1",
      },
    });
    const [held] = store.listBankQuarantine({ limit: 10, offset: 0 }).entries;
    expect(held).to.deep.include({
      source: "icbc",
      origin: "file",
      originRef: "icbc-camt053-001.08.xml#ICBC-SH-1001-20261125",
      position: "Stmt 1 Ntry 7",
      bankReference: "ICBC2026112500007",
    });
    expect(held.error).to.match(/7 fraction digits/);
  });

  it("puts a payment naming an unknown loan in suspense (camt.053.001.02)", () => {
    const statement = imported(run("boc-camt053-001.02.xml", "boc"));
    expect(statement).to.deep.include({ format: "camt.053.001.02", stored: 5, matched: 3, quarantined: 1, ignored: 2 });
    expect(temp.store.getBankRecord("BOC2026112500105")).to.deep.include({
      state: "suspense",
      loanReference: "LOAN-99",
      reason: "unknown loan: no loan 99 is followed by the keeper",
    });
    expect(temp.counts()).to.deep.equal({ records: 5, statements: 1, quarantine: 1 });
  });

  it("stores nothing new for a statement imported twice, and says when it was first imported", () => {
    const first = imported(run("icbc-camt053-001.08.xml"));
    const before = temp.counts();
    const second = run("icbc-camt053-001.08.xml");
    expect(second.kind).to.equal("alreadyImported");
    expect(second.statement).to.deep.equal(first);
    expect(temp.counts()).to.deep.equal(before);

    const csv = imported(run("statement.csv"));
    expect(csv.statementId).to.equal(csv.fileSha256);
    const afterCsv = temp.counts();
    expect(run("statement.csv", "icbc", fixture("statement.csv")).kind).to.equal("alreadyImported");
    expect(temp.counts()).to.deep.equal(afterCsv);
  });

  it("counts a reference already stored from the same source with the same payment as a duplicate", () => {
    imported(run("icbc-camt053-001.08.xml"));
    const before = temp.counts();
    // The CSV repeats ICBC2026112500008 without the end-to-end id and with other spacing: the same payment.
    const csv = imported(run("statement.csv"));
    expect(csv).to.deep.include({ entries: 9, stored: 4, matched: 3, duplicates: 1, conflicts: 0, quarantined: 4 });
    expect(temp.counts()).to.deep.equal({
      records: before.records + 4,
      statements: before.statements + 1,
      quarantine: before.quarantine + 4,
    });
  });

  it("quarantines a conflict (same reference, another amount or source) with the held record's id", () => {
    imported(run("icbc-camt053-001.08.xml"));
    const held = temp.store.getBankRecord("ICBC2026112500001");
    const before = temp.counts();
    const header = "bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id\n";
    const changed = Buffer.from(`${header}ICBC2026112500001,2026-11-25T09:30:00+08:00,1234560001,CNY,LOAN-1,\n`);
    const statement = imported(run("changed.csv", "icbc", changed));
    expect(statement).to.deep.include({ entries: 1, stored: 0, duplicates: 0, conflicts: 1, quarantined: 1 });
    const otherSource = imported(run("icbc-camt053-001.08.xml", "icbc-copy"));
    expect(otherSource).to.deep.include({ stored: 0, duplicates: 0, conflicts: 6, quarantined: 7 });
    expect(temp.store.getBankRecord("ICBC2026112500001")).to.deep.equal(held);
    expect(temp.counts()).to.deep.equal({
      records: before.records,
      statements: before.statements + 2,
      quarantine: before.quarantine + 8,
    });
    const conflict = temp.store
      .listBankQuarantine({ source: "icbc", limit: 10, offset: 0 })
      .entries.find((entry) => entry.originRef === `changed.csv#${statement.statementId}`);
    expect(conflict?.error).to.equal(
      `bank reference "ICBC2026112500001" is already stored (bank record ${held?.id}, amount 1234560000, ` +
        "paid at 1795570200) with a different payment",
    );
    expect(JSON.parse(conflict?.raw ?? "")).to.include({ amount: "1234560001" });
  });

  it("writes nothing at all for a malformed, truncated, wrongly namespaced, mis-headed or non-UTF-8 file", () => {
    imported(run("boc-camt053-001.02.xml"));
    const before = temp.counts();
    const table: [string, Uint8Array, RegExp][] = [
      ["malformed.xml", fixture("malformed.xml"), /^malformed XML at line 9, column 7: Expected closing tag 'Ntry'/],
      ["truncated.xml", fixture("truncated.xml"), /^malformed XML at line 66, .*truncated\?\)$/],
      ["wrong-namespace.xml", fixture("wrong-namespace.xml"), /^unsupported XML namespace .*camt\.054\.001\.08/],
      ["wrong-columns.csv", fixture("wrong-columns.csv"), /^wrong CSV header: expected columns bank_reference,/],
      ["latin1.csv", Buffer.from([0x62, 0xe9, 0x0a]), /^the file is not UTF-8 text$/],
    ];
    for (const [name, bytes, message] of table) {
      expect(() => run(name, "icbc", bytes), name)
        .to.throw(StatementError)
        .with.property("message")
        .that.matches(message);
      expect(temp.counts(), name).to.deep.equal(before);
    }
  });

  it("imports 5,000 CSV rows in one transaction", () => {
    const header = "bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id\n";
    const rows = Array.from(
      { length: 5_000 },
      (_, i) => `BULK-${i},2026-11-25T09:30:00Z,${i + 1},CNY,LOAN-${(i % 4) + 1},`,
    );
    const started = performance.now();
    const statement = imported(run("bulk.csv", "icbc", Buffer.from(header + rows.join("\n"))));
    const seconds = (performance.now() - started) / 1000;
    expect(statement).to.deep.include({ entries: 5_000, stored: 5_000, matched: 3_750 });
    expect(temp.counts().records).to.equal(5_000);
    expect(seconds, "5,000 rows should take well under a second").to.be.below(5);
  });
});

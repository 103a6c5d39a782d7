import { after, describe, it } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { expect } from "chai";
import { applyMigrations, MigrationError } from "./applyMigrations.ts";
import { migrations, type Migration } from "./migrations.ts";
import { openStore } from "./openStore.ts";

const dir = mkdtempSync(join(tmpdir(), "keeper-migrations-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `store-${++files}.sqlite`);
const now = () => 1_700_000_000_000;

const extra: Migration = {
  id: 2,
  name: "notes",
  sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
};
/** Creates a table, then fails: its table must not survive. */
const failing: Migration = {
  id: 3,
  name: "half done",
  sql: "CREATE TABLE half (id INTEGER); INSERT INTO no_such_table VALUES (1);",
};

function inspect(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      applied: db.prepare("SELECT id, name FROM schema_migrations ORDER BY id").all() as { id: number; name: string }[],
      tables: (
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
          name: string;
        }[]
      ).map((row) => row.name),
      journalMode: db.pragma("journal_mode", { simple: true }),
    };
  } finally {
    db.close();
  }
}

describe("applyMigrations", () => {
  it("creates every table on a new file, in WAL mode", () => {
    const path = newPath();
    openStore(path, { now }).close();
    const { applied, tables, journalMode } = inspect(path);
    expect(applied).to.deep.equal([{ id: 1, name: "initial schema" }]);
    expect(tables).to.include.members([
      "schema_migrations",
      "chain_checkpoint",
      "blocks",
      "loans",
      "installments",
      "payments",
      "events",
      "actions",
      "transactions",
      "transaction_actions",
      "nonce_state",
      "bank_records",
      "contact_log",
    ]);
    expect(journalMode).to.equal("wal");
  });

  it("applies each migration once: reopening keeps the data and applies nothing", () => {
    const path = newPath();
    const db = new Database(path);
    expect(applyMigrations(db, { migrations, now })).to.deep.equal([1]);
    expect(applyMigrations(db, { migrations, now })).to.deep.equal([]);
    db.close();

    const store = openStore(path, { now });
    store.setCheckpoint({ blockNumber: 7n, blockHash: "0x07" });
    store.close();
    const reopened = openStore(path, { now });
    expect(reopened.getCheckpoint()).to.deep.equal({ blockNumber: 7n, blockHash: "0x07" });
    reopened.close();
    expect(inspect(path).applied).to.have.length(1);
  });

  it("applies only the new migrations to an existing file", () => {
    const path = newPath();
    openStore(path, { now }).close();
    const db = new Database(path);
    db.prepare("INSERT INTO nonce_state (account, next_nonce) VALUES ('0xabc', 5)").run();
    expect(applyMigrations(db, { migrations: [...migrations, extra], now })).to.deep.equal([2]);
    expect(db.prepare("SELECT next_nonce FROM nonce_state").pluck().get()).to.equal(5);
    db.close();
    expect(inspect(path).applied.map((row) => row.id)).to.deep.equal([1, 2]);
  });

  it("leaves the previous version intact when a migration fails", () => {
    const path = newPath();
    openStore(path, { now, migrations: [...migrations, extra] }).close();
    const before = inspect(path);

    expect(() => openStore(path, { now, migrations: [...migrations, extra, failing] })).to.throw("no_such_table");
    const afterFailure = inspect(path);
    expect(afterFailure.applied).to.deep.equal(before.applied);
    expect(afterFailure.tables).to.deep.equal(before.tables);
    expect(afterFailure.tables).not.to.include("half");

    const store = openStore(path, { now, migrations: [...migrations, extra] });
    store.setCheckpoint({ blockNumber: 1n, blockHash: "0x01" });
    store.close();
  });

  it("refuses a database written by a newer keeper, or under other names", () => {
    const path = newPath();
    openStore(path, { now, migrations: [...migrations, extra] }).close();
    expect(() => openStore(path, { now })).to.throw(MigrationError, "newer version");
    expect(() => openStore(path, { now, migrations: [...migrations, { ...extra, name: "renamed" }] })).to.throw(
      MigrationError,
      'is "notes" in the database but "renamed" here',
    );
  });

  it("refuses a list whose ids are not 1, 2, 3...", () => {
    const db = new Database(":memory:");
    expect(() => applyMigrations(db, { migrations: [...migrations, { ...extra, id: 3 }], now })).to.throw(
      MigrationError,
      "expected 2",
    );
    db.close();
  });
});

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

/** The next migration after the shipped ones. */
const extra: Migration = {
  id: migrations.length + 1,
  name: "notes",
  sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);",
};
/** Creates a table, then fails: its table must not survive. */
const failing: Migration = {
  id: migrations.length + 2,
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
    expect(applied).to.deep.equal([
      { id: 1, name: "initial schema" },
      { id: 2, name: "keeper service" },
      { id: 3, name: "carrier outcomes" },
      { id: 4, name: "bank record reason" },
      { id: 5, name: "bank statements" },
      { id: 6, name: "borrower contact" },
      { id: 7, name: "web sign-in" },
      { id: 8, name: "certificate applications and origination offers" },
      { id: 9, name: "next check" },
      { id: 10, name: "transaction order" },
      { id: 11, name: "origination refusals" },
    ]);
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
      "bank_statements",
      "bank_quarantine",
      "contact_log",
      "borrower_contacts",
      "contact_messages",
      "contact_anchors",
      "auth_nonces",
      "certificate_applications",
      "origination_offers",
      "origination_refusals",
      "auth_sessions",
      "api_keys",
    ]);
    expect(journalMode).to.equal("wal");
  });

  it("applies each migration once: reopening keeps the data and applies nothing", () => {
    const path = newPath();
    const db = new Database(path);
    expect(applyMigrations(db, { migrations, now })).to.deep.equal(migrations.map((m) => m.id));
    expect(applyMigrations(db, { migrations, now })).to.deep.equal([]);
    db.close();

    const store = openStore(path, { now });
    store.setCheckpoint({ blockNumber: 7n, blockHash: "0x07" });
    store.close();
    const reopened = openStore(path, { now });
    expect(reopened.getCheckpoint()).to.deep.equal({ blockNumber: 7n, blockHash: "0x07" });
    reopened.close();
    expect(inspect(path).applied).to.have.length(migrations.length);
  });

  it("applies only the new migrations to an existing file", () => {
    const path = newPath();
    openStore(path, { now }).close();
    const db = new Database(path);
    db.prepare("INSERT INTO nonce_state (account, next_nonce) VALUES ('0xabc', 5)").run();
    expect(applyMigrations(db, { migrations: [...migrations, extra], now })).to.deep.equal([extra.id]);
    expect(db.prepare("SELECT next_nonce FROM nonce_state").pluck().get()).to.equal(5);
    db.close();
    expect(inspect(path).applied.map((row) => row.id)).to.deep.equal([...migrations.map((m) => m.id), extra.id]);
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
    const wrong = extra.id + 1;
    expect(() => applyMigrations(db, { migrations: [...migrations, { ...extra, id: wrong }], now })).to.throw(
      MigrationError,
      `has id ${wrong}, expected ${extra.id}`,
    );
    db.close();
  });
});

describe("migration 2: keeper service", () => {
  /** A database as a keeper at migration 1 left it, with foreign keys on as `openStore` opens it. */
  function atMigration1(path: string, fill: (db: Database.Database) => void): void {
    const db = new Database(path);
    db.pragma("foreign_keys = ON");
    expect(applyMigrations(db, { migrations: migrations.slice(0, 1), now })).to.deep.equal([1]);
    fill(db);
    db.close();
  }

  const tx = (hash: string, nonce: number, state: string, minedBlock: number | null) => [
    hash,
    "0xkeeper",
    nonce,
    "100000",
    String(2n ** 70n),
    "1",
    state,
    10,
    minedBlock,
    now(),
    now(),
  ];

  /** Actions in every migration 1 state, two transactions, a replacement carrying the same action. */
  function fillV1(db: Database.Database): void {
    const action = db.prepare(
      `INSERT INTO actions (id, loan_id, kind, installment, state, attempts, last_error, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    action.run(1, 7, "declareDefault", 0, "mined", 1, null, 100, 200);
    action.run(2, 7, "remindLate1", 3, "planned", 0, null, 110, 110);
    action.run(3, 8, "autoDebit", 2, "sent", 2, "underpriced", 120, 300);
    action.run(5, 9, "markLate", 1, "failed", 3, "LoanBook_NotLate", 130, 400);
    action.run(6, 9, "remindBeforeDue", 2, "dropped", 0, null, 140, 500);
    const transaction = db.prepare(
      `INSERT INTO transactions (hash, account, nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, state,
         sent_block, mined_block, created_at_ms, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    transaction.run(...tx("0xt1", 0, "mined", 11));
    transaction.run(...tx("0xt2", 1, "replaced", null));
    transaction.run(...tx("0xt2bump", 1, "sent", null));
    const link = db.prepare("INSERT INTO transaction_actions (tx_hash, action_id) VALUES (?, ?)");
    link.run("0xt1", 1);
    link.run("0xt2", 3);
    link.run("0xt2bump", 3);
    db.prepare("INSERT INTO nonce_state (account, next_nonce) VALUES ('0xkeeper', 2)").run();
    db.prepare(
      `INSERT INTO loans (id, template_id, borrower, claim_holder, principal, status, stage, flags, updated_block)
       VALUES (7, 1, '0xb', '0xc', ?, 1, 0, 1, 11)`,
    ).run(String(2n ** 100n));
  }

  function query(path: string, sql: string): unknown[] {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare(sql).raw().all();
    } finally {
      db.close();
    }
  }

  it("upgrades a migration 1 database: actions keep their ids under a key, mined becomes done, links survive", () => {
    const path = newPath();
    atMigration1(path, fillV1);
    const store = openStore(path, { now });
    expect(inspect(path).applied.map((row) => row.id)).to.deep.equal(migrations.map((m) => m.id));

    const columns = "id, key, loan_id, kind, installment, state, attempts, last_error, created_at_ms, updated_at_ms";
    expect(query(path, `SELECT ${columns} FROM actions ORDER BY id`)).to.deep.equal([
      [1, "7:declareDefault:i0", 7, "declareDefault", 0, "done", 1, null, 100, 200],
      [2, "7:remindLate1:i3", 7, "remindLate1", 3, "planned", 0, null, 110, 110],
      [3, "8:autoDebit:i2", 8, "autoDebit", 2, "sent", 2, "underpriced", 120, 300],
      [5, "9:markLate:i1", 9, "markLate", 1, "failed", 3, "LoanBook_NotLate", 130, 400],
      [6, "9:remindBeforeDue:i2", 9, "remindBeforeDue", 2, "dropped", 0, null, 140, 500],
    ]);
    // What migration 1 did not record starts empty: no date, no payload, no wait.
    expect(query(path, "SELECT DISTINCT valid_from, payload, not_before FROM actions")).to.deep.equal([
      [null, "{}", 0],
    ]);
    expect(query(path, "SELECT tx_hash, action_id FROM transaction_actions ORDER BY tx_hash")).to.deep.equal([
      ["0xt1", 1],
      ["0xt2", 3],
      ["0xt2bump", 3],
    ]);

    // Through the new API: the old rows answer to their keys, the transactions to their hashes.
    expect(store.getActionByKey("7:declareDefault:i0")).to.include({ id: 1, state: "done", loanId: 7n });
    expect(
      store.enqueueAction({
        key: "7:remindLate1:i3",
        loanId: 7n,
        kind: "remindLate1",
        installment: 3,
        validFrom: 5n,
        payload: {},
      }),
    ).to.include({ created: false });
    expect(store.nextActions(10, 0n).map((action) => action.id)).to.deep.equal([2]);
    expect(store.actionsOfTransaction("0xt2bump").map((action) => action.key)).to.deep.equal(["8:autoDebit:i2"]);
    expect(store.getTransaction("0xt1")).to.include({ state: "mined", minedBlock: 11n, raw: null, functionName: null });
    expect(store.getTransaction("0xt1")?.actionIds).to.deep.equal([1]);
    expect(store.pendingTransactions("0xkeeper").map((transaction) => transaction.hash)).to.deep.equal(["0xt2bump"]);
    expect(store.getNextNonce("0xkeeper")).to.equal(2);
    expect(store.getLoan(7n)).to.include({ principal: 2n ** 100n, facts: null, defaultedAt: null });
    // A new action takes an id after the old ones.
    const created = store.enqueueAction({
      key: "9:declareDefault:d0",
      loanId: 9n,
      kind: "declareDefault",
      installment: 0,
      validFrom: 1n,
      payload: {},
    });
    expect(created.action.id).to.equal(7);
    store.close();
  });

  it("leaves the foreign keys consistent and enforced, pointing at the new tables", () => {
    const path = newPath();
    atMigration1(path, fillV1);
    openStore(path, { now }).close();

    const db = new Database(path);
    db.pragma("foreign_keys = ON");
    try {
      expect(db.pragma("foreign_key_check")).to.deep.equal([]);
      const references = (db.pragma("foreign_key_list(transaction_actions)") as { table: string }[]).map(
        (row) => row.table,
      );
      expect(references).to.have.members(["transactions", "actions"]);
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
      expect(tables).not.to.include("actions_v1");
      expect(tables).not.to.include("transaction_actions_v1");
      expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%_v1%'").pluck().get()).to.equal(0);

      const link = db.prepare("INSERT INTO transaction_actions (tx_hash, action_id) VALUES (?, ?)");
      expect(() => link.run("0xt1", 99)).to.throw(/foreign key/i);
      expect(() => link.run("0xnone", 2)).to.throw(/foreign key/i);
      // Deleting an action still removes its links.
      db.prepare("DELETE FROM actions WHERE id = 3").run();
      expect(db.prepare("SELECT count(*) FROM transaction_actions").pluck().get()).to.equal(1);
    } finally {
      db.close();
    }
  });

  it("keeps a migrated action's transaction and block, so a reorg puts it back in flight as migration 1 did", () => {
    const path = newPath();
    atMigration1(path, (db) => {
      fillV1(db);
      db.exec(`INSERT INTO blocks (number, hash, parent_hash, timestamp) VALUES (10, '0xa10', '0xa9', 1),
          (11, '0xa11', '0xa10', 2)`);
    });
    const store = openStore(path, { now });
    expect(store.getAction(1)).to.include({ state: "done", txHash: "0xt1", doneBlock: 11n });
    expect(store.getAction(3)).to.include({ state: "sent", txHash: "0xt2bump", doneBlock: null });
    store.rollbackTo(10n);
    expect(store.getTransaction("0xt1")).to.include({ state: "sent", minedBlock: null });
    expect(store.getAction(1)).to.include({ state: "sent", txHash: "0xt1", doneBlock: null });
    store.close();
  });

  it("upgrades an empty migration 1 database", () => {
    const path = newPath();
    atMigration1(path, () => {});
    const store = openStore(path, { now });
    expect(store.nextActions(10, 0n)).to.deep.equal([]);
    expect(
      store.enqueueAction({
        key: "1:autoDebit:i1",
        loanId: 1n,
        kind: "autoDebit",
        installment: 1,
        validFrom: 1n,
        payload: {},
      }).action,
    ).to.include({ id: 1, state: "planned" });
    store.close();
  });
});

describe("migration 10: transaction order", () => {
  it("numbers the transactions held in the order SQLite stored them, and a new one after them", () => {
    const path = newPath();
    const db = new Database(path);
    applyMigrations(db, { migrations: migrations.slice(0, 9), now });
    const insert = db.prepare(
      `INSERT INTO transactions (hash, account, nonce, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, state,
         sent_block, created_at_ms, updated_at_ms) VALUES (?, '0xk', 1, '1', '1', '1', 'sent', 1, 5, 5)`,
    );
    for (const hash of ["0xc", "0xa", "0xb"]) insert.run(hash);
    db.close();

    const store = openStore(path, { now });
    const gas = { gasLimit: 1n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n };
    store.recordTransaction({
      ...{ hash: "0xd", account: "0xk", nonce: 1, sentBlock: 2n, raw: "0x02", functionName: "repay", actionIds: [] },
      ...gas,
    });
    // The same nonce and time: the order they were recorded in decides, as rowid did.
    expect(store.transactionsAtNonce("0xk", 1).map((tx) => tx.hash)).to.deep.equal(["0xc", "0xa", "0xb", "0xd"]);
    store.close();
  });
});

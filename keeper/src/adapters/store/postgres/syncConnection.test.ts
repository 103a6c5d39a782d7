/**
 * The synchronous PostgreSQL connection on a real server (`startLocalPostgres`): statements and their rows, integers
 * as bigint as SQLite gives them, the server's errors with their SQLSTATE, a transaction held across calls, and a closed connection.
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { startLocalPostgres, type LocalPostgres } from "../../postgres/localPostgres.ts";
import { postgresSkipReason } from "../../postgres/postgresBinaries.ts";
import { openSyncConnection, PostgresError, type SyncConnection } from "./syncConnection.ts";

describe("openSyncConnection", { skip: postgresSkipReason(), timeout: 60_000 }, () => {
  let server: LocalPostgres | undefined;
  let db: SyncConnection;

  before(async () => {
    server = await startLocalPostgres();
    db = openSyncConnection(server.url);
  });
  after(async () => {
    await db?.close();
    await server?.stop();
  });

  it("runs statements synchronously: every integer as a bigint, booleans as 1n/0n, a fraction as text", () => {
    db.query("CREATE TABLE t (id BIGINT PRIMARY KEY, amount NUMERIC(78, 0), note TEXT)");
    const inserted = db.query("INSERT INTO t VALUES ($1, $2, $3), ($4, $5, $6)", [
      9_007_199_254_740_993n,
      (2n ** 255n).toString(),
      "借款",
      1n,
      "0",
      null,
    ]);
    expect(inserted.rowCount).to.equal(2);
    const { rows } = db.query<{ id: bigint; amount: string; note: string | null }>("SELECT * FROM t ORDER BY id");
    expect(rows).to.deep.equal([
      { id: 1n, amount: 0n, note: null },
      { id: 9_007_199_254_740_993n, amount: 2n ** 255n, note: "借款" },
    ]);
    expect(
      db.query("SELECT 1 AS one, true AS yes, false AS no, 1.5::numeric AS half, 0.5::float8 AS f").rows,
    ).to.deep.equal([{ one: 1n, yes: 1n, no: 0n, half: "1.5", f: 0.5 }]);
  });

  it("throws the server's error with its SQLSTATE, and goes on working", () => {
    expect(() => db.query("INSERT INTO t (id) VALUES (1)")).to.throw(PostgresError, /duplicate key/);
    try {
      db.query("INSERT INTO t (id) VALUES (1)");
    } catch (error) {
      expect((error as PostgresError).code).to.equal("23505");
    }
    expect(db.query("SELECT 1 AS one").rows).to.deep.equal([{ one: 1n }]);
  });

  it("keeps a transaction across calls: a rollback undoes them", () => {
    db.query("BEGIN");
    db.query("DELETE FROM t");
    expect(db.query("SELECT count(*) AS n FROM t").rows[0]).to.deep.equal({ n: 0n });
    db.query("ROLLBACK");
    expect(db.query("SELECT count(*) AS n FROM t").rows[0]).to.deep.equal({ n: 2n });
  });

  it("measures a round trip", (t) => {
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) db.query("SELECT $1::int AS i", [i]);
    t.diagnostic(`1,000 round trips in ${Math.round(performance.now() - started)} ms`);
  });

  it("throws, without hanging, once the server is gone", async (t) => {
    const doomed = await startLocalPostgres();
    const connection = openSyncConnection(doomed.url);
    try {
      expect(connection.query("SELECT 3 AS three").rows).to.deep.equal([{ three: 3n }]);
      await doomed.stop();
      const started = performance.now();
      expect(() => connection.query("SELECT 1")).to.throw(PostgresError);
      t.diagnostic(`failed in ${Math.round(performance.now() - started)} ms`);
    } finally {
      await connection.close();
      await doomed.stop();
    }
  });

  it("refuses every call once closed", async () => {
    const other = openSyncConnection(server!.url);
    expect(other.query("SELECT 2 AS two").rows).to.deep.equal([{ two: 2n }]);
    await other.close();
    expect(() => other.query("SELECT 1")).to.throw(PostgresError, /connection closed/);
  });
});

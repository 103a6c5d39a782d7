import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import pg from "pg";
import { blackholeProxy, type BlackholeProxy } from "./leaseTesting.ts";
import { startLocalPostgres, type LocalPostgres } from "./localPostgres.ts";
import { postgresSkipReason } from "./postgresBinaries.ts";
import { QueryTimeoutError, timedQuery } from "./timedQuery.ts";

describe("timedQuery", { skip: postgresSkipReason(), timeout: 60_000 }, () => {
  let server: LocalPostgres;
  let proxy: BlackholeProxy;
  let pool: pg.Pool;

  before(async () => {
    server = await startLocalPostgres();
    proxy = await blackholeProxy(server.port);
    pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`, max: 1 });
    pool.on("error", () => {});
  });
  after(async () => {
    await proxy?.close();
    await pool?.end().catch(() => {});
    await server?.stop();
  });

  it("answers like pool.query, and passes SQL errors on", async () => {
    const { rows } = await timedQuery<{ sum: number }>(pool, 5_000, "SELECT $1::int + 1 AS sum", [41]);
    expect(rows).to.deep.equal([{ sum: 42 }]);
    const error = await timedQuery(pool, 5_000, "SELECT * FROM no_such_table", []).catch((caught: unknown) => caught);
    expect((error as Error).message).to.include('relation "no_such_table" does not exist');
  });

  it("gives up at the deadline when the server stops answering, and discards the connection", async () => {
    await timedQuery(pool, 5_000, "SELECT 1", []);
    expect(pool.totalCount).to.equal(1);
    proxy.cut();
    const startedAt = performance.now();
    const error = await timedQuery(pool, 300, "SELECT 1", []).catch((caught: unknown) => caught);
    const waited = performance.now() - startedAt;
    expect(error).to.be.instanceOf(QueryTimeoutError);
    expect((error as Error).message).to.equal("query did not answer within 300 ms: SELECT 1");
    expect(waited).to.be.within(290, 3_000);
    // The pool (max 1) is free again for the next try, instead of being stuck on the dead connection.
    expect(pool.totalCount).to.equal(0);
  });
});

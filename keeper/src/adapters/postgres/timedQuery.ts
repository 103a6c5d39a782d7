/**
 * One query on a pool's connection, given up after a deadline; the connection it was on is then thrown away.
 *
 * A heartbeat must not wait on a server or network that stopped answering: `pg` has no per-query deadline that
 * frees the connection (its `query_timeout` leaves the connection busy), so a timed-out query's connection is
 * released with an error, which makes the pool close and forget it. Whether the server ran the statement is then
 * unknown: callers must be safe either way (the lease is: see leaderLease.ts).
 */
import type pg from "pg";

/** The query did not answer within its deadline (its connection was discarded). */
export class QueryTimeoutError extends Error {
  override readonly name = "QueryTimeoutError";
}

/**
 * Runs `text` with `values` on a connection from `pool`, rejecting with QueryTimeoutError after `timeoutMs`
 * (connecting included).
 *
 * @example
 * const { rows } = await timedQuery(pool, 2_000, "SELECT now() AS now", []);
 */
export function timedQuery<Row extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: pg.Pool,
  timeoutMs: number,
  text: string,
  values: readonly unknown[],
): Promise<pg.QueryResult<Row>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let client: pg.PoolClient | undefined;
    const ignoreError = () => {}; // a checked-out client's errors reach the query; unheard, they would crash
    const finish = (outcome: () => void) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      outcome();
      return true;
    };
    const timer = setTimeout(() => {
      finish(() => reject(new QueryTimeoutError(`query did not answer within ${timeoutMs} ms: ${firstLine(text)}`)));
      if (client !== undefined) {
        client.removeListener("error", ignoreError);
        client.release(new QueryTimeoutError("timed out: connection discarded"));
      }
    }, timeoutMs);
    pool.connect().then(
      (connected) => {
        if (settled) {
          connected.release(); // came after the deadline, unused
          return;
        }
        client = connected;
        connected.on("error", ignoreError);
        connected.query<Row>(text, values as unknown[]).then(
          (result) => {
            if (!finish(() => resolve(result))) return;
            connected.removeListener("error", ignoreError);
            connected.release();
          },
          (error: unknown) => {
            if (!finish(() => reject(error))) return;
            connected.removeListener("error", ignoreError);
            connected.release(error instanceof Error ? error : new Error(String(error)));
          },
        );
      },
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

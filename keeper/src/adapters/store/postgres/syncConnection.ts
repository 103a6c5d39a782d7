/**
 * A synchronous PostgreSQL connection, so that the keeper's `Store` port (synchronous, as better-sqlite3 is) can
 * have a PostgreSQL implementation with the same semantics: a transaction is a synchronous function, and nothing
 * else runs on the connection between its statements.
 *
 * One worker thread holds one `pg` connection. `query` posts the statement to it and blocks the calling thread on a
 * shared flag (`Atomics.wait`) until the worker has answered, then reads the answer from the port synchronously
 * (`receiveMessageOnPort`). The caller is blocked for the round trip, as it is for SQLite's disk writes; a statement
 * is bounded by the server's `statement_timeout`, and the wait by that plus a margin, after which the connection is
 * closed for good (its state unknown) and every later call throws.
 */
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { BridgeAnswer } from "./syncConnectionWorker.ts";

/** Server-side limit of one statement, unless given. */
const DEFAULT_STATEMENT_TIMEOUT_MS = 10_000;
/** Beyond the statement timeout, how long the caller waits for the worker (connecting included). */
const WAIT_MARGIN_MS = 20_000;

export interface SyncConnection {
  /** Runs one statement (`$1`… placeholders) and returns its rows; int8 columns come as bigint. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): { rows: Row[]; rowCount: number };
  /** Closes the connection and ends the worker. Idempotent. */
  close(): Promise<void>;
}

/** PostgreSQL refused a statement (`code` is its SQLSTATE), or the connection is gone. */
export class PostgresError extends Error {
  override readonly name = "PostgresError";
  /** The SQLSTATE (`23505`: a unique key violated), or null when the connection failed. */
  readonly code: string | null;
  constructor(message: string, code: string | null) {
    super(message);
    this.code = code;
  }
}

/**
 * @example
 * const db = openSyncConnection("postgres://keeper@127.0.0.1:5432/keeper");
 * const { rows } = db.query<{ n: bigint }>("SELECT count(*) AS n FROM loans");
 */
export function openSyncConnection(
  url: string,
  { statementTimeoutMs = DEFAULT_STATEMENT_TIMEOUT_MS }: { statementTimeoutMs?: number } = {},
): SyncConnection {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL("./syncConnectionWorker.ts", import.meta.url), {
    workerData: { url, statementTimeoutMs, port: port2, flag },
    transferList: [port2],
  });
  worker.unref();
  let broken: string | null = null;
  let exited = false;
  worker.once("exit", () => {
    exited = true;
    broken ??= "the connection's worker exited";
  });
  worker.once("error", (error) => (broken = `the connection's worker failed: ${error.message}`));

  return {
    query<Row>(sql: string, params: readonly unknown[] = []) {
      if (broken !== null) throw new PostgresError(`PostgreSQL connection closed: ${broken}`, null);
      Atomics.store(flag, 0, 0);
      port1.postMessage({ sql, params });
      const waited = Atomics.wait(flag, 0, 0, statementTimeoutMs + WAIT_MARGIN_MS);
      const received = receiveMessageOnPort(port1);
      if (received === undefined) {
        broken = waited === "timed-out" ? "no answer in time" : "no answer";
        void worker.terminate();
        throw new PostgresError(`PostgreSQL gave ${broken} to: ${sql.slice(0, 80)}`, null);
      }
      const answer = received.message as BridgeAnswer;
      if (!answer.ok) throw new PostgresError(answer.message, answer.code);
      return { rows: answer.rows as Row[], rowCount: answer.rowCount };
    },
    async close() {
      broken ??= "closed";
      port1.close();
      if (!exited) await worker.terminate();
    },
  };
}

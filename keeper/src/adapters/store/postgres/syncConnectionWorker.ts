/**
 * The worker thread behind `syncConnection.ts`: one `pg` connection, one statement at a time. Each request comes
 * on the port; its answer goes back on the port, and then the shared flag is raised and the blocked caller woken.
 */
import { workerData, type MessagePort } from "node:worker_threads";
import pg from "pg";

interface WorkerData {
  readonly url: string;
  readonly statementTimeoutMs: number;
  readonly port: MessagePort;
  readonly flag: Int32Array;
}

export interface BridgeRequest {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export type BridgeAnswer =
  | { readonly ok: true; readonly rows: Record<string, unknown>[]; readonly rowCount: number }
  | { readonly ok: false; readonly message: string; readonly code: string | null };

const { url, statementTimeoutMs, port, flag } = workerData as WorkerData;

/**
 * Results as SQLite gives them with safe integers (`defaultSafeIntegers`): every integer as a bigint (int2, int4,
 * int8, and a numeric with no fraction, such as a SUM of integers), a boolean as 1n or 0n; other types as `pg`
 * parses them.
 */
const INTEGER_TYPES = new Set([20, 21, 23]);
const NUMERIC = 1700;
const BOOLEAN = 16;
const types = {
  getTypeParser: (oid: number, format?: string) => {
    if (INTEGER_TYPES.has(oid)) return (text: string) => BigInt(text);
    if (oid === NUMERIC) return (text: string) => (/^-?\d+$/.test(text) ? BigInt(text) : text);
    if (oid === BOOLEAN) return (text: string) => (text === "t" ? 1n : 0n);
    return pg.types.getTypeParser(oid, format as never);
  },
};
const client = new pg.Client({ connectionString: url, types, statement_timeout: statementTimeoutMs });
const connected = client.connect();
// A connection lost between statements: the next statement fails with pg's error, answered like any other (an
// unhandled 'error' would end the worker while its caller waits).
client.on("error", () => undefined);

const answer = (message: BridgeAnswer) => {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
};

port.on("message", async ({ sql, params }: BridgeRequest) => {
  try {
    await connected;
    const result = await client.query({ text: sql, values: params as unknown[] });
    answer({ ok: true, rows: result.rows, rowCount: result.rowCount ?? 0 });
  } catch (error) {
    const { message, code } = error as { message: string; code?: string };
    answer({ ok: false, message, code: code ?? null });
  }
});
port.on("close", () => void client.end().catch(() => undefined));

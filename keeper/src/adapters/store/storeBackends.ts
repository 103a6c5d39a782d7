/**
 * The store's two databases for its tests, so that one suite runs on both: SQLite (a file in a temporary folder)
 * always, and PostgreSQL (a fresh database on a throwaway server, `postgres/localPostgres.ts`) where it can run:
 * always under CI, and on a developer's machine when Debian's server is installed (`postgresSkipReason`).
 *
 * @example
 * for (const backend of STORE_BACKENDS) {
 *   describe(`outbox on ${backend.name}`, { skip: backend.skip }, () => {
 *     after(() => backend.release());
 *     it("...", async () => {
 *       const db = await backend.fresh();
 *       const store = db.open({ now: () => 1_000 });
 *       db.rows("SELECT count(*) AS n FROM actions"); // [{ n: 0n }]
 *     });
 *   });
 * }
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createDatabase, startLocalPostgres, type LocalPostgres } from "../postgres/localPostgres.ts";
import { postgresSkipReason } from "../postgres/postgresBinaries.ts";
import { openStore, type OpenStoreOptions, type Store } from "./openStore.ts";
import { translatePlaceholders } from "./postgres/postgresDatabase.ts";
import { openSyncConnection, type SyncConnection } from "./postgres/syncConnection.ts";

/** One empty database for one test. */
export interface TestDatabase {
  /** The file path or the `postgres://` URL `openStore` takes. */
  readonly location: string;
  /** Opens the store on it (again and again: reopening is part of what is tested). */
  open(options?: OpenStoreOptions): Store;
  /** Raw SQL on a connection of its own, to see what the store wrote. Integers come back as bigint. */
  rows<Row = Record<string, unknown>>(sql: string, ...params: unknown[]): Row[];
  /** A raw write behind the store's back (`?` placeholders). */
  run(sql: string, ...params: unknown[]): void;
}

export interface StoreBackend {
  readonly name: "sqlite" | "postgres";
  /** Why its tests are skipped here, or false. */
  readonly skip: string | false;
  fresh(): Promise<TestDatabase>;
  /** Closes what `fresh` opened and stops the server; call it in `after`. */
  release(): Promise<void>;
}

/** `fn` on its own connection to the file, closed after; integers as bigint. */
function withSqlite<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    db.defaultSafeIntegers(true);
    return fn(db);
  } finally {
    db.close();
  }
}

function sqliteBackend(): StoreBackend {
  let dir: string | undefined;
  let count = 0;
  return {
    name: "sqlite",
    skip: false,
    async fresh() {
      dir ??= mkdtempSync(join(tmpdir(), "keeper-store-"));
      const location = join(dir, `store-${++count}.sqlite`);
      return {
        location,
        open: (options) => openStore(location, options),
        rows<Row>(sql: string, ...params: unknown[]) {
          return withSqlite(location, (db) => db.prepare(sql).all(...params) as Row[]);
        },
        run(sql: string, ...params: unknown[]) {
          withSqlite(location, (db) => db.prepare(sql).run(...params));
        },
      };
    },
    async release() {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    },
  };
}

function postgresBackend(): StoreBackend {
  let server: Promise<LocalPostgres> | undefined;
  const connections: SyncConnection[] = [];
  let count = 0;
  return {
    name: "postgres",
    skip: postgresSkipReason(),
    async fresh() {
      server ??= startLocalPostgres();
      const { url } = await server;
      const location = await createDatabase(url, `store_${process.pid}_${++count}`);
      let raw: SyncConnection | undefined;
      const query = <Row>(sql: string, params: unknown[]) => {
        if (raw === undefined) connections.push((raw = openSyncConnection(location)));
        return raw.query<Row>(translatePlaceholders(sql).text, params).rows;
      };
      return {
        location,
        open: (options) => openStore(location, options),
        rows: <Row>(sql: string, ...params: unknown[]) => query<Row>(sql, params),
        run: (sql: string, ...params: unknown[]) => void query(sql, params),
      };
    },
    async release() {
      await Promise.all(connections.splice(0).map((connection) => connection.close()));
      const started = server;
      server = undefined;
      if (started !== undefined) await (await started).stop();
    },
  };
}

/**
 * A store on a new database of `backend`, with a clock that moves only when told.
 *
 * @example
 * const { store, db, clock } = await freshStore(backend);
 * clock.ms = 5_000; // the store's next write is stamped 5 s
 */
export async function freshStore(
  backend: StoreBackend,
): Promise<{ store: Store; db: TestDatabase; clock: { ms: number } }> {
  const db = await backend.fresh();
  const clock = { ms: 1_000 };
  return { store: db.open({ now: () => clock.ms }), db, clock };
}

/** Rows in `table`. */
export const countRows = (db: TestDatabase, table: string): number =>
  Number(db.rows<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`)[0].n);

/** SQLite, then PostgreSQL. */
export const STORE_BACKENDS: readonly StoreBackend[] = [sqliteBackend(), postgresBackend()];

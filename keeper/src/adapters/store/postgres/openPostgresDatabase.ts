/**
 * The keeper's database on a PostgreSQL server, as the store's modules use it (`postgresDatabase.ts`), with its
 * schema brought up to date (`postgresSchema.ts`). Several keepers may open the same database at once: the
 * migrations run under a transaction-wide advisory lock, so exactly one of them applies each.
 */
import { applyMigrations } from "../applyMigrations.ts";
import type { Migration } from "../migrations.ts";
import type { SqlDatabase } from "../sqlDatabase.ts";
import { postgresDatabase } from "./postgresDatabase.ts";
import { postgresMigrations } from "./postgresSchema.ts";
import { openSyncConnection } from "./syncConnection.ts";

/** The advisory lock key of the keeper's schema migrations (any constant the keeper uses for nothing else). */
const MIGRATION_LOCK = 7_305_541_001;

/** Whether `location` names a PostgreSQL database (`postgres://` or `postgresql://`) rather than a SQLite file. */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);

/**
 * @example
 * const { db, close } = openPostgresDatabase("postgres://keeper@db:5432/keeper", { now: Date.now });
 */
export function openPostgresDatabase(
  url: string,
  { now, migrations = postgresMigrations }: { now: () => number; migrations?: readonly Migration[] },
): { db: SqlDatabase; close: () => Promise<void> } {
  const connection = openSyncConnection(url);
  const db = postgresDatabase(connection);
  try {
    // One transaction, each migration a savepoint in it: the lock is held until every migration is in.
    db.transaction(() => {
      connection.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      applyMigrations(db, { migrations, now });
    })();
  } catch (error) {
    void connection.close();
    throw error;
  }
  return { db, close: () => connection.close() };
}

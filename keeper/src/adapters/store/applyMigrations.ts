import type { Migration } from "./migrations.ts";
import type { SqlDatabase } from "./sqlDatabase.ts";

export interface ApplyMigrationsParameters {
  readonly migrations: readonly Migration[];
  /** Wall clock, unix milliseconds: when each migration was applied. */
  readonly now: () => number;
}

interface AppliedRow {
  id: bigint;
  name: string;
}

/** Thrown when the list is malformed or the database does not match it; the store refuses to open. */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/**
 * The list's ids must follow each other from its first: 1 for SQLite's whole history, the baseline it starts at for
 * a database that begins at a later schema (PostgreSQL, `postgres/postgresSchema.ts`).
 */
function checkList(migrations: readonly Migration[]): number {
  const first = migrations[0]?.id ?? 1;
  migrations.forEach((migration, index) => {
    if (migration.id !== first + index) {
      throw new MigrationError(`Migration "${migration.name}" has id ${migration.id}, expected ${first + index}`);
    }
  });
  return first;
}

/**
 * Brings the database to the last migration: each pending one in order, in its own transaction with its row in
 * `schema_migrations`, so a failing migration leaves the database at the previous version. Refuses a database that
 * has migrations this list does not (written by a newer keeper) or under another name (an edited list).
 *
 * @returns the ids applied now (empty when the database was up to date).
 * @example
 * applyMigrations(db, { migrations, now: Date.now }); // [1] on a new file, [] after
 */
export function applyMigrations(db: SqlDatabase, parameters: ApplyMigrationsParameters): number[] {
  const { migrations, now } = parameters;
  const first = checkList(migrations);
  // BIGINT: an INTEGER in SQLite, and 64 bits (a time in ms) in PostgreSQL.
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at_ms BIGINT NOT NULL
  )`);
  const appliedRows = db.prepare("SELECT id, name FROM schema_migrations ORDER BY id").safeIntegers(true).all();
  (appliedRows as AppliedRow[]).forEach((row, index) => {
    if (Number(row.id) !== first + index) {
      throw new MigrationError(`Database has migration ${row.id} where ${first + index} was expected`);
    }
    const known = migrations[index];
    if (known === undefined) {
      throw new MigrationError(
        `Database has migration ${row.id} ("${row.name}") that this keeper does not know: it was written by a ` +
          `newer version`,
      );
    }
    if (known.name !== row.name) {
      throw new MigrationError(`Migration ${row.id} is "${row.name}" in the database but "${known.name}" here`);
    }
  });
  const record = db.prepare("INSERT INTO schema_migrations (id, name, applied_at_ms) VALUES (?, ?, ?)");
  const pending = migrations.slice(appliedRows.length);
  for (const migration of pending) {
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.id, migration.name, now());
    })();
  }
  return pending.map((migration) => migration.id);
}

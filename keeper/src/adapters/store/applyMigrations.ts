import type Database from "better-sqlite3";
import type { Migration } from "./migrations.ts";

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

function checkList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.id !== index + 1) {
      throw new MigrationError(`Migration "${migration.name}" has id ${migration.id}, expected ${index + 1}`);
    }
  });
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
export function applyMigrations(db: Database.Database, parameters: ApplyMigrationsParameters): number[] {
  const { migrations, now } = parameters;
  checkList(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at_ms INTEGER NOT NULL
  )`);
  const appliedRows = db.prepare("SELECT id, name FROM schema_migrations ORDER BY id").safeIntegers(true).all();
  (appliedRows as AppliedRow[]).forEach((row, index) => {
    if (Number(row.id) !== index + 1) {
      throw new MigrationError(`Database has migration ${row.id} where ${index + 1} was expected`);
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

/**
 * The keeper's database itself, beneath the store, for tools that read its tables directly (the demo's summary and
 * checks): a SQLite file opened read-only, or a PostgreSQL database through the same API (`postgres/`).
 */
import Database from "better-sqlite3";
import { isPostgresUrl, openPostgresDatabase } from "./postgres/openPostgresDatabase.ts";
import type { SqlDatabase } from "./sqlDatabase.ts";

/**
 * @example
 * const { db, close } = openSqlDatabase(".keeper/keeper.sqlite");
 * try { db.prepare("SELECT count(*) FROM contact_log").pluck().get(); } finally { close(); }
 */
export function openSqlDatabase(location: string): { db: SqlDatabase; close: () => void } {
  if (isPostgresUrl(location)) {
    const { db, close } = openPostgresDatabase(location, { now: Date.now });
    return { db, close: () => void close() };
  }
  const db = new Database(location, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  return { db, close: () => db.close() };
}

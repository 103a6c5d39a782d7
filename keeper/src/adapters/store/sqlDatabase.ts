/**
 * The part of better-sqlite3's `Database` the store's modules use: what both of the store's databases provide, SQLite
 * itself and PostgreSQL through `postgres/postgresDatabase.ts`.
 */
import type Database from "better-sqlite3";

export type SqlDatabase = Pick<Database.Database, "prepare" | "transaction" | "exec">;

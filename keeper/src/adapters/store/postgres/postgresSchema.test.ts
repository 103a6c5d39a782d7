/**
 * The two schemas stay one: a store opened on SQLite (every migration since the first) and one opened on PostgreSQL
 * (its baseline and what followed) have the same tables, the same columns in each, the same named indexes, and the
 * same last migration. A migration appended to one list and not the other fails here.
 */
import { after, describe, it } from "node:test";
import { expect } from "chai";
import { migrations } from "../migrations.ts";
import { STORE_BACKENDS, type StoreBackend } from "../storeBackends.ts";
import { postgresMigrations } from "./postgresSchema.ts";

const [sqlite, postgres] = STORE_BACKENDS as [StoreBackend, StoreBackend];

interface Shape {
  /** table → its columns, sorted. */
  readonly tables: Record<string, string[]>;
  readonly indexes: string[];
}

async function sqliteShape(): Promise<Shape> {
  const db = await sqlite.fresh();
  db.open().close();
  const tables: Record<string, string[]> = {};
  for (const { name } of db.rows<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'")) {
    tables[name] = db
      .rows<{ name: string }>("SELECT name FROM pragma_table_info(?)", name)
      .map((c) => c.name)
      .sort();
  }
  const indexes = db
    .rows<{ name: string }>("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
    .map((row) => row.name);
  return { tables, indexes: indexes.sort() };
}

async function postgresShape(): Promise<Shape> {
  const db = await postgres.fresh();
  db.open().close();
  const tables: Record<string, string[]> = {};
  for (const { table_name, column_name } of db.rows<{ table_name: string; column_name: string }>(
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'",
  )) {
    (tables[table_name] ??= []).push(column_name);
  }
  for (const columns of Object.values(tables)) columns.sort();
  // Named indexes only: those behind a primary key or a UNIQUE constraint are SQLite's autoindexes there.
  const indexes = db
    .rows<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
       AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
    )
    .map((row) => row.indexname);
  return { tables, indexes: indexes.sort() };
}

describe("the PostgreSQL schema is the SQLite schema", { skip: postgres.skip, timeout: 60_000 }, () => {
  after(() => Promise.all([sqlite.release(), postgres.release()]));

  it("ends at the same migration", () => {
    expect(postgresMigrations.at(-1)).to.deep.include({ id: migrations.at(-1)!.id, name: migrations.at(-1)!.name });
  });

  it("has the same tables, columns and named indexes", async () => {
    const [lite, pg] = await Promise.all([sqliteShape(), postgresShape()]);
    expect(lite.tables.loans).to.include.members(["id", "facts", "next_check_at"]);
    expect(lite.indexes).to.include("transactions_seq");
    expect(pg.tables).to.deep.equal(lite.tables);
    expect(pg.indexes).to.deep.equal(lite.indexes);
  });
});

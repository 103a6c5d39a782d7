/**
 * PostgreSQL behind the part of better-sqlite3's API the store's modules use, so that each module's SQL runs on
 * either database unchanged: `prepare(sql)` with `run`, `get`, `all`, `iterate`, `pluck` and `raw`, `transaction(fn)`
 * (nested calls are savepoints), and `exec`. Statements go through one synchronous connection (`syncConnection.ts`).
 *
 * What it translates, and only this:
 * - placeholders: `?` in order, and `@name`, `:name`, `$name` from one object argument, become `$1`, `$2`…;
 * - results as SQLite gives them with safe integers (the connection's type parsers): integers as bigint, booleans
 *   as 1n or 0n;
 * - `run()`'s `changes` is the row count; `lastInsertRowid` does not exist here (use `RETURNING id` with `get`, which
 *   SQLite has too).
 * The SQL itself must be the dialect both share (`ON CONFLICT`, `RETURNING`, `COALESCE`, no `json_extract`, no
 * `GLOB`, no `INSERT OR IGNORE`); the schema is each database's own (`postgresSchema.ts`).
 */
import type { SqlDatabase } from "../sqlDatabase.ts";
import type { SyncConnection } from "./syncConnection.ts";

interface Translated {
  readonly text: string;
  /** For positional SQL, null; for named, the names in `$n` order. */
  readonly names: readonly string[] | null;
}

/**
 * `sql` with its placeholders numbered for PostgreSQL. String literals, quoted identifiers and comments are left
 * alone; `::type` casts are not placeholders.
 *
 * @example
 * translatePlaceholders("SELECT * FROM t WHERE a = @a AND b = @a"); // { text: "... a = $1 AND b = $1", names: ["a"] }
 */
export function translatePlaceholders(sql: string): Translated {
  let text = "";
  let positional = 0;
  const names: string[] = [];
  for (let i = 0; i < sql.length;) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i);
      text += sql.slice(i, end);
      i = end;
    } else if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      text += sql.slice(i, stop);
      i = stop;
    } else if (c === ":" && next === ":") {
      text += "::";
      i += 2;
    } else if (c === "?") {
      text += `$${++positional}`;
      i += 1;
    } else if ((c === "@" || c === ":" || c === "$") && /[A-Za-z_]/.test(next ?? "")) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let index = names.indexOf(name);
      if (index === -1) index = names.push(name) - 1;
      text += `$${index + 1}`;
      i += 1 + name.length;
    } else {
      text += c;
      i += 1;
    }
  }
  if (positional > 0 && names.length > 0) throw new TypeError(`SQL mixes ? and named placeholders: ${sql}`);
  return { text, names: names.length > 0 ? names : null };
}

function closingQuote(sql: string, start: number): number {
  const quote = sql[start];
  for (let i = start + 1; i < sql.length; i++) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i++;
      else return i + 1;
    }
  }
  return sql.length;
}

/**
 * @example
 * const db = postgresDatabase(openSyncConnection(url));
 * db.prepare("SELECT count(*) FROM loans").pluck().get(); // 0n
 */
export function postgresDatabase(connection: SyncConnection): SqlDatabase {
  let depth = 0;

  function prepare(sql: string) {
    const { text, names } = translatePlaceholders(sql);
    let plucked = false;
    let rawRows = false;
    const values = (args: unknown[]): unknown[] => {
      if (names === null) return args.map(bindable);
      const bag = (args[0] ?? {}) as Record<string, unknown>;
      return names.map((name) => {
        if (!(name in bag)) throw new RangeError(`Missing named parameter "${name}"`);
        return bindable(bag[name]);
      });
    };
    const rows = (args: unknown[]) => connection.query<Record<string, unknown>>(text, values(args));
    const shape = (row: Record<string, unknown>): unknown => {
      if (plucked) return Object.values(row)[0];
      return rawRows ? Object.values(row) : row;
    };
    const statement = {
      run: (...args: unknown[]) => {
        const changes = rows(args).rowCount;
        return {
          changes,
          get lastInsertRowid(): never {
            throw new TypeError("lastInsertRowid: PostgreSQL has no rowid; use RETURNING id with get()");
          },
        };
      },
      get: (...args: unknown[]) => {
        const [row] = rows(args).rows;
        return row === undefined ? undefined : shape(row);
      },
      all: (...args: unknown[]) => rows(args).rows.map(shape),
      *iterate(...args: unknown[]) {
        for (const row of rows(args).rows) yield shape(row);
      },
      pluck(toggle = true) {
        plucked = toggle;
        return statement;
      },
      raw(toggle = true) {
        rawRows = toggle;
        return statement;
      },
      safeIntegers() {
        return statement;
      },
    };
    return statement;
  }

  function transaction<F extends (...args: never[]) => unknown>(fn: F) {
    return (...args: Parameters<F>) => {
      const savepoint = `sp${depth}`;
      connection.query(depth === 0 ? "BEGIN" : `SAVEPOINT ${savepoint}`);
      depth++;
      try {
        const result = fn(...args);
        depth--;
        connection.query(depth === 0 ? "COMMIT" : `RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (error) {
        depth--;
        connection.query(depth === 0 ? "ROLLBACK" : `ROLLBACK TO SAVEPOINT ${savepoint}`);
        if (depth > 0) connection.query(`RELEASE SAVEPOINT ${savepoint}`);
        throw error;
      }
    };
  }

  const database: SqlDatabase = {
    prepare: prepare as unknown as SqlDatabase["prepare"],
    transaction: transaction as unknown as SqlDatabase["transaction"],
    /** Runs `sql`, one or more statements without parameters; returns the database, as better-sqlite3 does. */
    exec(sql: string) {
      connection.query(sql);
      return database as ReturnType<SqlDatabase["exec"]>;
    },
  };
  return database;
}

/** A value as PostgreSQL takes it: SQLite's 0/1 booleans are integers there too. */
function bindable(value: unknown): unknown {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}

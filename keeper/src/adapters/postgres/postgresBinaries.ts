/**
 * Finding Debian's PostgreSQL server binaries (`initdb`, `postgres`), for the throwaway servers of localPostgres.ts,
 * and telling the tests whether they can run here.
 *
 * Debian installs each major version under /usr/lib/postgresql/<version>/bin, not on PATH; other systems (and a
 * developer's own build) put them on PATH. The newest Debian version wins, then PATH.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Where Debian's `postgresql-<version>` packages put their binaries. */
export const DEBIAN_POSTGRES_ROOT = "/usr/lib/postgresql";

/** The command that installs the server binaries (and the `postgres` system user) on Debian. */
export const POSTGRES_INSTALL_HINT = "apt-get install -y --no-install-recommends postgresql";

export interface PostgresBinaries {
  /** The directory holding `initdb` and `postgres`. */
  readonly binDir: string;
  readonly initdb: string;
  readonly postgres: string;
}

export interface FindPostgresBinariesParameters {
  /** Debian's root of versions (DEBIAN_POSTGRES_ROOT by default). */
  debianRoot?: string;
  /** The PATH to search when Debian's root has none (process.env.PATH by default). */
  path?: string;
}

/**
 * The newest Debian PostgreSQL's binaries, else the `initdb` and `postgres` found together on PATH, else undefined.
 *
 * @example
 * const binaries = findPostgresBinaries();
 * if (binaries === undefined) throw new Error(`PostgreSQL is not installed: ${POSTGRES_INSTALL_HINT}`);
 * console.log(binaries.initdb); // /usr/lib/postgresql/15/bin/initdb
 */
export function findPostgresBinaries({
  debianRoot = DEBIAN_POSTGRES_ROOT,
  path = process.env.PATH ?? "",
}: FindPostgresBinariesParameters = {}): PostgresBinaries | undefined {
  const versions = existsSync(debianRoot)
    ? readdirSync(debianRoot)
        .filter((entry) => /^\d+(\.\d+)?$/.test(entry))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [...versions.map((version) => join(debianRoot, version, "bin")), ...path.split(delimiter)];
  for (const binDir of candidates) {
    if (binDir === "") continue;
    const initdb = join(binDir, "initdb");
    const postgres = join(binDir, "postgres");
    if (existsSync(initdb) && existsSync(postgres)) return { binDir, initdb, postgres };
  }
  return undefined;
}

/** Whether `env` says this is a CI run: `CI` set to anything but "" or "false". */
export function isCi(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return env.CI !== undefined && env.CI !== "" && env.CI !== "false";
}

/**
 * Why the PostgreSQL tests cannot run here, or false when they can (the rule of the PDF tests, `pdfSkipReason` in
 * keeper/e2e/evidence.test.ts): on a developer's machine without the server binaries they are skipped with the
 * command that installs them; under CI (`CI` set) they always run, and fail without them (`.ci/run` installs them).
 * As root, the `postgres` system user must exist too (PostgreSQL refuses to run as root).
 *
 * @example
 * describe("the store on PostgreSQL", { skip: postgresSkipReason() }, () => { ... });
 */
export function postgresSkipReason(
  env: Readonly<Record<string, string | undefined>> = process.env,
  find: () => PostgresBinaries | undefined = findPostgresBinaries,
): string | false {
  if (isCi(env)) return false;
  const missing =
    find() === undefined
      ? "PostgreSQL's initdb and postgres not found"
      : process.getuid?.() === 0 && systemUserIds("postgres") === undefined
        ? "the postgres system user (to run PostgreSQL as, since this runs as root) does not exist"
        : undefined;
  return missing === undefined ? false : `${missing} (${POSTGRES_INSTALL_HINT}); CI installs it and runs these tests`;
}

/** The uid and gid of a system user, or undefined when there is none. */
export function systemUserIds(name: string): { uid: number; gid: number } | undefined {
  try {
    const entry = execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim();
    const [, , uid, gid] = entry.split(":");
    return uid === undefined || gid === undefined ? undefined : { uid: Number(uid), gid: Number(gid) };
  } catch {
    return undefined;
  }
}

/**
 * A throwaway PostgreSQL server for tests and local runs: a fresh cluster in a temporary directory, a `postgres`
 * child process on 127.0.0.1, removed again by `stop()`. Modelled on ../chain/localChain.ts.
 *
 * - The binaries are Debian's (findPostgresBinaries: /usr/lib/postgresql/<newest>/bin, else PATH); nothing is
 *   downloaded and no system-wide server or cluster is used.
 * - `initdb` makes the cluster: superuser `postgres`, UTF8, locale C, trust authentication, and a pg_hba.conf that
 *   lets in only the socket in the private directory and TCP from 127.0.0.1. Trust is fine for a server that lives
 *   for one test run and listens on loopback only; it is no production setup.
 * - For speed the server runs with fsync, synchronous_commit and full_page_writes off: a crash of the machine can
 *   lose or corrupt the cluster, which is thrown away anyway. Never point a real keeper at one.
 * - PostgreSQL refuses to run as root. As root, initdb and postgres run as Debian's `postgres` system user (spawned
 *   with its uid and gid; libuv drops the supplementary groups) and the directory is handed to it; otherwise they run
 *   as the current user.
 * - `stop()` asks for a fast shutdown (SIGINT: connected clients are disconnected; SIGTERM would be a "smart"
 *   shutdown that waits for every client to leave), SIGKILL after 5 s, then removes the directory. When this process
 *   exits the server gets SIGQUIT (immediate shutdown) and the directory is removed as far as it can be.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Logger } from "pino";
import { freePort, isPortFree } from "../loopbackPorts.ts";
import {
  findPostgresBinaries,
  POSTGRES_INSTALL_HINT,
  systemUserIds,
  type FindPostgresBinariesParameters,
  type PostgresBinaries,
} from "./postgresBinaries.ts";

const HOST = "127.0.0.1";
/** The cluster's superuser and database: the URL is postgres://postgres@127.0.0.1:<port>/postgres. */
const SUPERUSER = "postgres";
const DATABASE = "postgres";
/** How long the server may take to accept a connection (under a second on a laptop). */
const DEFAULT_READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 50;
/** How long initdb may take (about a second). */
const INITDB_TIMEOUT_MS = 60_000;
/** After `stop()`'s SIGINT, how long before SIGKILL. */
const KILL_GRACE_MS = 5_000;
/** Characters of the server's output kept for error messages. */
const TAIL_CHARS = 4_000;
/** Starts tried when a picked free port is taken by someone else before the server binds it. */
const FREE_PORT_ATTEMPTS = 3;

export interface LocalPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication: no password). */
  readonly url: string;
  readonly port: number;
  /** The temporary directory: the cluster in `data/`, the unix socket beside it. Removed by `stop()`. */
  readonly dir: string;
  readonly process: ChildProcess;
  /** Stops the server (SIGINT, SIGKILL after 5 s), waits for it to exit and removes `dir`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartLocalPostgresParameters {
  /** The port to listen on; 0 (the default) picks a free one. */
  port?: number;
  logger?: Logger;
  /** How long to wait for the server to accept connections (30 s by default). */
  readyTimeoutMs?: number;
  /** Where to look for the binaries (findPostgresBinaries' defaults: Debian's directory, then PATH). */
  search?: FindPostgresBinariesParameters;
}

/** The server could not be set up or started, did not answer in time, or its port is taken. */
export class LocalPostgresError extends Error {
  override readonly name = "LocalPostgresError";
}

/**
 * Creates a cluster in a fresh temporary directory, starts `postgres` on 127.0.0.1 and resolves once it accepts
 * connections. The server is stopped when this process exits (`process.on("exit")`); on a signal, the caller's
 * handler should call `stop()`.
 *
 * @example
 * const server = await startLocalPostgres({ port: 0, logger });
 * const pool = new pg.Pool({ connectionString: server.url });
 * try {
 *   await pool.query("SELECT 1");
 * } finally {
 *   await pool.end();
 *   await server.stop();
 * }
 */
export async function startLocalPostgres({
  port = 0,
  logger,
  readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS,
  search,
}: StartLocalPostgresParameters = {}): Promise<LocalPostgres> {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalPostgresError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const binaries = findPostgresBinaries(search);
  if (binaries === undefined) {
    throw new LocalPostgresError(
      `PostgreSQL's server binaries (initdb, postgres) were not found in /usr/lib/postgresql/<version>/bin or on ` +
        `PATH: install them with \`${POSTGRES_INSTALL_HINT}\``,
    );
  }
  const runAs = serverUser();
  if (port !== 0 && !(await isPortFree(port))) {
    throw new LocalPostgresError(`port ${port} on ${HOST} is already in use; choose another or 0`);
  }

  const dir = mkdtempSync(join(tmpdir(), "keeper-postgres-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  try {
    if (runAs !== undefined) chownSync(dir, runAs.uid, runAs.gid);
    chmodSync(dir, 0o700);
    await initCluster({ binaries, dir, runAs });
  } catch (error) {
    removeDir();
    throw error;
  }

  for (let attempt = 1; ; attempt++) {
    const chosen = port === 0 ? await freePort() : port;
    try {
      return await launch({ binaries, dir, runAs, port: chosen, logger, readyTimeoutMs, removeDir });
    } catch (error) {
      const raced = port === 0 && error instanceof PortTakenError && attempt < FREE_PORT_ATTEMPTS;
      if (!raced) {
        removeDir();
        throw error;
      }
      logger?.warn({ port: chosen }, "local postgres: port taken meanwhile, trying another");
    }
  }
}

class PortTakenError extends LocalPostgresError {}

interface RunAs {
  uid: number;
  gid: number;
}

/** As root, the `postgres` system user's ids; otherwise undefined (run as the current user). */
function serverUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = systemUserIds("postgres");
  if (ids === undefined) {
    throw new LocalPostgresError(
      `PostgreSQL refuses to run as root, and the \`postgres\` system user to run it as does not exist: ` +
        `install Debian's package with \`${POSTGRES_INSTALL_HINT}\`, or run as another user`,
    );
  }
  return ids;
}

async function initCluster({
  binaries,
  dir,
  runAs,
}: {
  binaries: PostgresBinaries;
  dir: string;
  runAs: RunAs | undefined;
}): Promise<void> {
  const data = join(dir, "data");
  const args = [
    ...["--pgdata", data, "--username", SUPERUSER, "--auth", "trust"],
    ...["--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"],
  ];
  await new Promise<void>((resolve, reject) => {
    execFile(
      binaries.initdb,
      args,
      { cwd: dir, timeout: INITDB_TIMEOUT_MS, ...runAs, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error === null) return resolve();
        const output = `${stderr}`.trim() || `${stdout}`.trim() || "(no output)";
        reject(new LocalPostgresError(`initdb failed (${error.message.split("\n")[0]}):\n${output}`));
      },
    );
  });
  // Only the private socket and loopback TCP; initdb's default would let in ::1 too.
  writeFileSync(
    join(data, "pg_hba.conf"),
    "# Written by keeper/src/adapters/postgres/localPostgres.ts: a throwaway test server.\n" +
      "local all all trust\n" +
      `host all all ${HOST}/32 trust\n`,
  );
}

interface LaunchParameters {
  binaries: PostgresBinaries;
  dir: string;
  runAs: RunAs | undefined;
  port: number;
  logger: Logger | undefined;
  readyTimeoutMs: number;
  removeDir: () => void;
}

async function launch({
  binaries,
  dir,
  runAs,
  port,
  logger,
  readyTimeoutMs,
  removeDir,
}: LaunchParameters): Promise<LocalPostgres> {
  const url = `postgres://${SUPERUSER}@${HOST}:${port}/${DATABASE}`;
  const settings = {
    listen_addresses: HOST,
    port: String(port),
    unix_socket_directories: dir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    shared_buffers: "32MB",
    // No parallel query: its shared memory segments fail in containers with a small /dev/shm (Docker's 64 MB).
    max_parallel_workers_per_gather: "0",
  };
  const args = [
    "-D",
    join(dir, "data"),
    ...Object.entries(settings).flatMap(([key, value]) => ["-c", `${key}=${value}`]),
  ];
  const child = spawn(binaries.postgres, args, {
    cwd: dir,
    ...runAs,
    env: { ...process.env, LC_ALL: "C" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = tail(child.stdout, child.stderr);

  // The server must not outlive this process; its directory goes with it as far as it can.
  const killOnExit = () => {
    child.kill("SIGQUIT");
    try {
      removeDir();
    } catch {
      // The server may still be writing; a leftover directory in the system's temp dir is harmless.
    }
  };
  process.on("exit", killOnExit);

  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  child.once("exit", (code, signal) => {
    process.off("exit", killOnExit);
    if (stopping === undefined) {
      logger?.error({ pid: child.pid, code, signal, output: output() }, "local postgres exited unexpectedly");
    }
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.ref();
        child.kill("SIGINT");
        const escalate = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        await exited;
        clearTimeout(escalate);
      }
      removeDir();
      logger?.info({ pid: child.pid, url }, "local postgres stopped");
    })();
    return stopping;
  };

  try {
    await waitUntilReady({ url, child, readyTimeoutMs, output });
  } catch (error) {
    // Stopped without removing the directory: the caller may try another port on the same cluster.
    child.kill("SIGKILL");
    await exited;
    throw error;
  }
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  logger?.info({ pid: child.pid, url, dir }, "local postgres started");
  return { url, port, dir, process: child, stop };
}

/** Polls a connection and `SELECT 1` until it answers; fails early when the server exits, and on timeout. */
async function waitUntilReady({
  url,
  child,
  readyTimeoutMs,
  output,
}: {
  url: string;
  child: ChildProcess;
  readyTimeoutMs: number;
  output: () => string;
}): Promise<void> {
  const deadline = performance.now() + readyTimeoutMs;
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  for (;;) {
    if (spawnError !== undefined) {
      throw new LocalPostgresError(`could not start postgres: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      const how = child.exitCode !== null ? `with code ${child.exitCode}` : `on ${child.signalCode}`;
      const message = `postgres exited ${how} before accepting connections on ${url}\n${output()}`;
      throw /Address already in use/.test(message) ? new PortTakenError(message) : new LocalPostgresError(message);
    }
    if (await acceptsQueries(url)) return;
    if (performance.now() > deadline) {
      throw new LocalPostgresError(
        `postgres did not accept connections on ${url} within ${readyTimeoutMs} ms\n${output()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

async function acceptsQueries(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on("error", () => {}); // a server shutting down meanwhile must not crash the caller
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drains both streams, keeping the last TAIL_CHARS characters of their interleaved output. */
function tail(...streams: (NodeJS.ReadableStream | null)[]): () => string {
  let kept = "";
  for (const stream of streams) {
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      kept = (kept + chunk).slice(-TAIL_CHARS);
    });
  }
  return () => `server output (tail): ${kept.trim() || "(empty)"}`;
}

/**
 * Creates database `name` on the server at `url` (as its superuser) and returns the new database's URL.
 *
 * @example
 * const url = await createDatabase(server.url, "bench"); // postgres://postgres@127.0.0.1:41237/bench
 */
export async function createDatabase(url: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new LocalPostgresError(`not a plain database name: ${name}`);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return url.replace(/\/[^/]*$/, `/${name}`);
}

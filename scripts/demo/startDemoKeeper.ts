/**
 * Starts the keeper as its own process (`node keeper/src/index.ts`) on the demo's chain and loan book: the keeper's
 * key is account #2's, its bank signer account #3's (registered by the lender in `deployLocalStack`), no
 * confirmation depth (a local chain does not reorganise), a 50 ms poll, JSON-RPC batches, its database fresh. The demo
 * bank may post to its webhook and the demo operator use its operator routes (`demoCredentials.ts`); its letters go
 * to `letters.jsonl` beside the database, and its contact log is anchored in batches of 64 entries, or fewer once the
 * oldest waited a (simulated) day. The borrowers' contact details are the caller's to set (`borrowerContacts.ts`).
 */
import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { isPostgresUrl } from "../../keeper/src/adapters/store/postgres/openPostgresDatabase.ts";
import {
  freePort,
  startKeeperProcess,
  waitForHttp,
  type KeeperProcess,
} from "../../keeper/e2e/support/keeperProcess.ts";
import { hardhatKey, ROLE_INDEX } from "./accounts.ts";
import type { World } from "./createWorld.ts";
import { demoCredentialsEnv } from "./demoCredentials.ts";
import { createKeeperLink, type KeeperLink } from "./keeperLink.ts";

export interface StartDemoKeeperParameters {
  readonly world: World;
  /**
   * The keeper's store: a SQLite file, deleted first (it would describe another chain) unless `keepDatabase`; or a
   * `postgres://` URL naming a database the caller made fresh for this world.
   */
  readonly dbPath: string;
  /** Restart on the database a killed keeper left (the crash test). */
  readonly keepDatabase?: boolean;
  /** The keeper's JSON-RPC URL when not the world's own (a fault-injecting proxy in front of the node). */
  readonly rpcUrl?: string;
  /** Added to (and overriding) the keeper's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the keeper's output goes (appended). */
  readonly logFile?: string;
  /** HTTP port; a free one when absent or 0. */
  readonly port?: number;
  readonly logLevel?: string;
  readonly pollIntervalMs?: number;
}

export interface DemoKeeper {
  readonly process: KeeperProcess;
  readonly link: KeeperLink;
  readonly url: string;
  /** SIGTERM (a clean shutdown), SIGKILL if it has not exited after 10 s. */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
/** A contact log batch is closed at this many entries, or once its oldest entry is a day old (chain time). */
const ANCHOR_BATCH_SIZE = 64;
const ANCHOR_MAX_AGE_SECONDS = 86_400;

/**
 * The letters file of the keeper whose store is `dbPath`: beside a SQLite file; for a PostgreSQL database, in the
 * system's temporary folder under the database's host, port and name.
 */
export const lettersPathOf = (dbPath: string): string => {
  if (!isPostgresUrl(dbPath)) return join(dirname(dbPath), "letters.jsonl");
  const url = new URL(dbPath);
  return join(tmpdir(), "keeper-letters", `${url.hostname}-${url.port}${url.pathname.replace(/\//g, "-")}.jsonl`);
};

/**
 * @example
 * const keeper = await startDemoKeeper({ world, dbPath: ".keeper/demo.sqlite", logFile: ".keeper/demo-keeper.log" });
 * await keeper.link.waitUntilCaughtUp();
 */
export async function startDemoKeeper(parameters: StartDemoKeeperParameters): Promise<DemoKeeper> {
  const { world, dbPath, logFile } = parameters;
  const lettersPath = lettersPathOf(dbPath);
  mkdirSync(dirname(lettersPath), { recursive: true });
  if (!parameters.keepDatabase) {
    if (!isPostgresUrl(dbPath))
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${dbPath}${suffix}`, { force: true });
    rmSync(lettersPath, { force: true });
    if (logFile !== undefined) rmSync(logFile, { force: true });
  }
  if (logFile !== undefined) mkdirSync(dirname(logFile), { recursive: true });
  const port = parameters.port || (await freePort());
  const child = startKeeperProcess({
    env: {
      KEEPER_RPC_URL: parameters.rpcUrl ?? world.rpc.url,
      KEEPER_LOAN_BOOK_ADDRESS: world.loanBook,
      KEEPER_EVIDENCE_ANCHOR_ADDRESS: world.evidenceAnchor,
      // Letters to borrowers go beside the database; the demo's token is a 6-decimal test dollar.
      KEEPER_CONTACT_LETTERS_PATH: lettersPath,
      KEEPER_CURRENCY: "TUSD",
      KEEPER_LENDER_NAME: "Demo Consumer Finance",
      KEEPER_START_BLOCK: world.deployBlock.toString(),
      KEEPER_PRIVATE_KEY: hardhatKey(ROLE_INDEX.keeper),
      KEEPER_BANK_SIGNER_KEY: hardhatKey(ROLE_INDEX.bankSigner),
      KEEPER_CONFIRMATIONS: "0",
      KEEPER_POLL_INTERVAL_MS: String(parameters.pollIntervalMs ?? 50),
      KEEPER_HTTP_HOST: "127.0.0.1",
      KEEPER_HTTP_PORT: String(port),
      KEEPER_DB_PATH: dbPath,
      KEEPER_LOG_LEVEL: parameters.logLevel ?? "warn",
      // A local node takes JSON-RPC batches of any size.
      KEEPER_RPC_BATCH_SIZE: "100",
      KEEPER_ANCHOR_BATCH_SIZE: String(ANCHOR_BATCH_SIZE),
      KEEPER_ANCHOR_MAX_AGE_SECONDS: String(ANCHOR_MAX_AGE_SECONDS),
      ...demoCredentialsEnv(),
      ...parameters.env,
    },
    logFile,
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    const timer = setTimeout(() => child.child.kill("SIGKILL"), STOP_GRACE_MS);
    await child.kill("SIGTERM");
    clearTimeout(timer);
  };
  try {
    await Promise.race([
      waitForHttp(`${url}/health`, STARTUP_TIMEOUT_MS),
      child.exited.then((exit) => {
        throw new Error(
          `the keeper exited (${JSON.stringify(exit)}) before serving /health:\n${child.logs().slice(-4_000)}`,
        );
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { process: child, link: createKeeperLink({ url, client: world.rpc.client }), url, stop };
}

/**
 * `loanbook api-key create|list|revoke`: the lenders' API keys, with which a lender's own servers call the keeper
 * (`Authorization: Bearer lk_...`, `http/auth/requireAuth.ts`). A key is printed once, when created; the database
 * keeps only its SHA-256 hash. A key acts as its lender only while the lender holds LENDER_ROLE on chain.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { getAddress, isAddress, type Address } from "viem";
import { openStore } from "../../adapters/store/openStore.ts";
import { hashSecret, newApiKey } from "../../http/auth/secrets.ts";
import { keeperDatabasePath } from "../keeperDatabase.ts";
import { parseOptions, type OptionSpecs } from "../args.ts";
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from "../command.ts";
import { renderTable } from "../table.ts";

const OPTIONS = {
  lender: { type: "string" },
  name: { type: "string" },
  database: { type: "string" },
  help: { type: "boolean", short: "h" },
} satisfies OptionSpecs;

const KEY_NAME = /^[\x20-\x7e]{1,64}$/;
const DECIMAL = /^[0-9]{1,15}$/;

export const API_KEY_USAGE = `Usage: loanbook api-key create --lender 0xADDRESS --name NAME [--database PATH]
       loanbook api-key list [--database PATH]
       loanbook api-key revoke ID [--database PATH]

A lender's API key lets the lender's own servers call the keeper as that lender (Authorization: Bearer lk_...),
as long as the address holds LENDER_ROLE on the loan book. "create" prints the key once: only its SHA-256 hash
is stored, a lost key is revoked and replaced. "revoke" stops a key at once.
(From the repository: npm run cli -- api-key ...)

Options:
  --lender 0xADDRESS  the lender the key acts as
  --name NAME         what the key is for (1 to 64 printable characters), shown by "list"
  --database PATH     the keeper's SQLite file (default: KEEPER_DB_PATH, the config file's dbPath, or
                      .keeper/keeper.sqlite, as the keeper itself)
  -h, --help          print this help

Exit codes: 0 done, 2 bad command line or no such key to revoke.
`;

/** What `loanbook api-key` was asked for. */
export type ApiKeyRequest =
  | { readonly action: "create"; readonly lender: Address; readonly name: string; readonly database?: string }
  | { readonly action: "list"; readonly database?: string }
  | { readonly action: "revoke"; readonly id: number; readonly database?: string };

/**
 * The request written in `argv` (the arguments after `api-key`), or "help"; throws `UsageError` when it is wrong.
 *
 * @example
 * parseApiKeyArgs(["revoke", "3"]); // { action: "revoke", id: 3, database: undefined }
 */
export function parseApiKeyArgs(argv: readonly string[]): ApiKeyRequest | "help" {
  if (argv.includes("--help") || argv.includes("-h") || argv.length === 0) return "help";
  const [action, ...rest] = argv;
  if (action === "revoke") {
    const [id, ...options] = rest;
    if (id === undefined || !DECIMAL.test(id) || Number(id) === 0) {
      throw new UsageError("api-key revoke needs the key's ID (a number, see api-key list)");
    }
    return { action, id: Number(id), database: text(parseOptions(options, OPTIONS), "database") };
  }
  if (action !== "create" && action !== "list") {
    throw new UsageError(`unknown api-key subcommand "${action}" (expected create, list or revoke)`);
  }
  const values = parseOptions(rest, OPTIONS);
  const database = text(values, "database");
  if (action === "list") return { action, database };
  const lender = text(values, "lender");
  if (lender === undefined || !isAddress(lender, { strict: true })) {
    throw new UsageError("--lender must be the lender's 0x address (40 hex digits, checksummed if mixed case)");
  }
  const name = text(values, "name");
  if (name === undefined || !KEY_NAME.test(name)) throw new UsageError("--name must be 1 to 64 printable characters");
  return { action, lender: getAddress(lender), name, database };
}

const text = (values: Record<string, string | boolean | undefined>, name: string) =>
  typeof values[name] === "string" ? values[name] : undefined;

export interface CreateApiKeyCommandParameters {
  /** Where the keeper's configuration is read from, for the default database. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Wall clock, unix ms (default `Date.now`). */
  readonly clock?: () => number;
}

/**
 * The `api-key` command, reading the default database path from `env` as the keeper does.
 *
 * @example
 * const command = createApiKeyCommand({ env: { KEEPER_DB_PATH: "/tmp/keeper.sqlite" } });
 * await command.run(["create", "--lender", lender, "--name", "erp"], io); // prints lk_...
 */
export function createApiKeyCommand({ env, clock = Date.now }: CreateApiKeyCommandParameters): Command {
  const defaultDatabase = (): string => keeperDatabasePath(env);
  return {
    name: "api-key",
    summary: "create, list or revoke a lender's API key",
    usage: API_KEY_USAGE,
    run(argv: readonly string[], io: CliIo): number {
      const request = parseApiKeyArgs(argv);
      if (request === "help") {
        io.stdout.write(API_KEY_USAGE);
        return EXIT_OK;
      }
      const database = request.database ?? defaultDatabase();
      if (database !== ":memory:") mkdirSync(dirname(database), { recursive: true });
      const store = openStore(database, { now: clock });
      try {
        if (request.action === "create") {
          const key = newApiKey();
          const id = store.sessions.insertApiKey(
            { lender: request.lender, name: request.name, keyHash: hashSecret(key) },
            clock(),
          );
          io.stdout.write(`created API key ${id} "${request.name}" for lender ${request.lender}\n`);
          io.stdout.write(`${key}\n`);
          io.stdout.write("Keep it now: it is not shown again (only its hash is stored).\n");
          return EXIT_OK;
        }
        if (request.action === "revoke") {
          if (!store.sessions.revokeApiKey(request.id, clock())) {
            io.stderr.write(`error: no valid API key ${request.id} (unknown or revoked already)\n`);
            return EXIT_USAGE;
          }
          io.stdout.write(`revoked API key ${request.id}\n`);
          return EXIT_OK;
        }
        const keys = store.sessions.listApiKeys();
        if (keys.length === 0) {
          io.stdout.write("no API keys\n");
          return EXIT_OK;
        }
        const rows = keys.map((key) => [
          String(key.id),
          key.lender,
          key.name,
          new Date(key.createdAtMs).toISOString(),
          key.revokedAtMs === null ? "valid" : `revoked ${new Date(key.revokedAtMs).toISOString()}`,
        ]);
        const table = renderTable({
          header: ["id", "lender", "name", "created", "state"],
          rows,
          align: ["right", "left", "left", "left", "left"],
        });
        io.stdout.write(`${table.join("\n")}\n`);
        return EXIT_OK;
      } finally {
        store.close();
      }
    },
  };
}

/** The `api-key` command of the `loanbook` CLI, configured from the process environment like the keeper. */
export const apiKeyCommand: Command = createApiKeyCommand({ env: process.env });

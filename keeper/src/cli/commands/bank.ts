/**
 * `loanbook bank import FILE --source NAME`: imports a bank statement (ISO 20022 camt.053.001.02 / .001.08, or the
 * keeper's CSV layout) into the keeper's database, through the same recording as the bank webhook
 * (`importStatement.ts`), and prints what it did.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { importStatement } from "../../adapters/bank/importStatement.ts";
import { openStore } from "../../adapters/store/openStore.ts";
import type { BankStatementRow } from "../../adapters/store/types.ts";
import { StatementError } from "../../core/statements/types.ts";
import { keeperDatabasePath } from "../keeperDatabase.ts";
import { parseOptions, parseUintNumber, type OptionSpecs } from "../args.ts";
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from "../command.ts";
import { renderTable } from "../table.ts";

const OPTIONS = {
  source: { type: "string" },
  decimals: { type: "string" },
  database: { type: "string" },
  help: { type: "boolean", short: "h" },
} satisfies OptionSpecs;

/** The token's decimals when `--decimals` is not given (USDC, USDT). */
export const DEFAULT_DECIMALS = 6;
const MAX_DECIMALS = 36;
const SOURCE_NAME = /^[\x21-\x7e]{1,64}$/;

export const BANK_USAGE = `Usage: loanbook bank import FILE --source NAME [--decimals N] [--database PATH]

Imports a bank statement into the keeper's database: each booked credit is stored once per bank reference (a
payment the bank's webhook already reported is a duplicate), matched to a loan by LOAN-<id> or put in suspense;
unreadable entries and conflicts (a reference held with another payment) are quarantined (GET /bank/quarantine).
A statement already imported by the source is not imported again. Everything is written in one transaction.
(From the repository: npm run cli -- bank import ...)

FILE is detected by its content:
  ISO 20022 camt.053.001.02 or camt.053.001.08 XML (BankToCustomerStatement), amounts in decimals;
  CSV with the header bank_reference,booked_at,amount,currency,remittance_information,end_to_end_id,
      amounts in token base units, booked_at ISO-8601 with an offset (docs/bank-statements.md).

Options:
  --source NAME      the bank (feed) the statement comes from, as the webhook's Bank-Source names it
  --decimals N       the token's decimals, to convert camt.053 amounts (default ${DEFAULT_DECIMALS}: 1234.56 is 1234560000)
  --database PATH    the keeper's SQLite file (default: KEEPER_DB_PATH, the config file's dbPath, or
                     .keeper/keeper.sqlite, as the keeper itself)
  -h, --help         print this help

Exit codes: 0 imported (or already imported), 2 bad command line or a file refused whole (malformed or
truncated XML, unsupported namespace, wrong CSV columns; nothing is written then).

Example:
  loanbook bank import statements/icbc-2026-11-25.xml --source icbc
`;

/** What `loanbook bank import` was asked for. */
export interface BankImportRequest {
  readonly file: string;
  readonly source: string;
  readonly decimals: number;
  /** Undefined: the keeper's configured database. */
  readonly database: string | undefined;
}

/**
 * The request written in `argv` (the arguments after `bank`), or "help". Throws `UsageError` for an unknown
 * subcommand, a missing or extra FILE, a missing `--source` or a bad `--decimals`.
 *
 * @example
 * parseBankArgs(["import", "s.xml", "--source", "icbc"]); // { file: "s.xml", source: "icbc", decimals: 6, database: undefined }
 */
export function parseBankArgs(argv: readonly string[]): BankImportRequest | "help" {
  if (argv.includes("--help") || argv.includes("-h") || argv.length === 0) return "help";
  const [subcommand, ...rest] = argv;
  if (subcommand !== "import") throw new UsageError(`unknown bank subcommand "${subcommand}" (expected import)`);
  const files = rest.filter((arg, i) => !arg.startsWith("-") && (i === 0 || !rest[i - 1].startsWith("--")));
  if (files.length === 0) throw new UsageError("bank import needs the statement FILE");
  if (files.length > 1) throw new UsageError(`bank import takes one FILE, got ${files.length}: ${files.join(", ")}`);
  const at = rest.indexOf(files[0]);
  const values = parseOptions([...rest.slice(0, at), ...rest.slice(at + 1)], OPTIONS);
  const text = (name: keyof typeof OPTIONS) => (typeof values[name] === "string" ? values[name] : undefined);
  const source = text("source");
  if (source === undefined) throw new UsageError("--source is required (the bank the statement comes from)");
  if (!SOURCE_NAME.test(source)) {
    throw new UsageError(`--source must be 1 to 64 printable ASCII characters without spaces, got "${source}"`);
  }
  const decimals = text("decimals");
  return {
    file: files[0],
    source,
    decimals: decimals === undefined ? DEFAULT_DECIMALS : parseUintNumber(decimals, "--decimals", MAX_DECIMALS),
    database: text("database"),
  };
}

/**
 * The summary printed after an import.
 *
 * @example
 * formatImportSummary(statement); // ["format       camt.053.001.08", "statement    ICBC-SH-1001-20261125", ...]
 */
export function formatImportSummary(statement: BankStatementRow): string[] {
  const rows: [string, string][] = [
    ["format", statement.format],
    ["statement", statement.statementId],
    ...(statement.account === null ? [] : [["account", statement.account] as [string, string]]),
    ["entries", String(statement.entries)],
    ["stored", `${statement.stored} (matched ${statement.matched}, suspense ${statement.stored - statement.matched})`],
    ["duplicates", String(statement.duplicates)],
    ["conflicts", String(statement.conflicts)],
    ["quarantined", String(statement.quarantined)],
    ["ignored", String(statement.ignored)],
  ];
  return renderTable({ header: ["", ""], rows, align: ["left", "left"] }).slice(2);
}

export interface CreateBankCommandParameters {
  /** Where the keeper's configuration is read from, for the default database. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The `bank` command, reading the default database path from `env` as the keeper does (`buildConfig`).
 *
 * @example
 * const command = createBankCommand({ env: { KEEPER_DB_PATH: "/tmp/keeper.sqlite" } });
 */
export function createBankCommand({ env }: CreateBankCommandParameters): Command {
  const defaultDatabase = (): string => keeperDatabasePath(env);
  return {
    name: "bank",
    summary: "import a bank statement (camt.053 or CSV) into the keeper's database",
    usage: BANK_USAGE,
    run(argv: readonly string[], io: CliIo): number {
      const request = parseBankArgs(argv);
      if (request === "help") {
        io.stdout.write(BANK_USAGE);
        return EXIT_OK;
      }
      const refuse = (message: string) => {
        io.stderr.write(`error: ${request.file}: ${message}\n`);
        return EXIT_USAGE;
      };
      let bytes: Buffer;
      try {
        bytes = readFileSync(request.file);
      } catch (error) {
        return refuse(`cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      const database = request.database ?? defaultDatabase();
      if (database !== ":memory:") mkdirSync(dirname(database), { recursive: true });
      const store = openStore(database);
      try {
        const result = importStatement({
          store,
          source: request.source,
          fileName: request.file,
          bytes,
          decimals: request.decimals,
        });
        const { statement } = result;
        if (result.kind === "alreadyImported") {
          io.stdout.write(
            `already imported: statement ${statement.statementId} from source ${statement.source} on ` +
              `${new Date(statement.importedAtMs).toISOString()} (file ${statement.fileName}); nothing stored\n`,
          );
          return EXIT_OK;
        }
        io.stdout.write(`imported ${request.file} from source ${request.source} into ${database}\n`);
        io.stdout.write(`${formatImportSummary(statement).join("\n")}\n`);
        return EXIT_OK;
      } catch (error) {
        if (error instanceof StatementError) return refuse(error.message);
        throw error;
      } finally {
        store.close();
      }
    },
  };
}

/** The `bank` command of the `loanbook` CLI, configured from the process environment like the keeper. */
export const bankCommand: Command = createBankCommand({ env: process.env });

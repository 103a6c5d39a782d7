/**
 * `loanbook evidence export|verify`: the court-ready evidence package of one loan (issue 8). `export` reads the loan
 * from a node through JSON-RPC and writes the package; `verify` re-checks a package against any node and prints a
 * verdict per item. The node and the loan book default to the keeper's own configuration (`buildConfig`).
 */
import { existsSync, statSync } from "node:fs";
import { BaseError, createPublicClient, getAddress, http, isAddress, type Address, type PublicClient } from "viem";
import { buildConfig, ConfigError, type KeeperConfig } from "../../config.ts";
import { keeperApiContactSource } from "../../evidence/contactEvidence.ts";
import { EvidenceError } from "../../evidence/evidenceError.ts";
import { exportEvidence } from "../../evidence/exportEvidence.ts";
import type { EvidenceManifest } from "../../evidence/manifest.ts";
import type { Verdict } from "../../evidence/verdict.ts";
import { verifyEvidence } from "../../evidence/verifyEvidence.ts";
import { maxUint, parseOptions, parseUint, type OptionSpecs } from "../args.ts";
import { EXIT_INTERNAL_ERROR, EXIT_OK, UsageError, type CliIo, type Command } from "../command.ts";

const OPTIONS = {
  out: { type: "string" },
  rpc: { type: "string" },
  "loan-book": { type: "string" },
  "from-block": { type: "string" },
  docs: { type: "string" },
  keeper: { type: "string" },
  token: { type: "string" },
  "no-pdf": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} satisfies OptionSpecs;

/** Exit code of `verify` when some item does not hold. */
export const EXIT_NOT_VERIFIED = 1;
const RPC_TIMEOUT_MS = 60_000;

export const EVIDENCE_USAGE = `Usage: loanbook evidence export LOAN_ID --out DIR [--rpc URL] [--loan-book 0xADDRESS] [--from-block N] [--no-pdf]
                                [--keeper URL --token TOKEN]
       loanbook evidence verify DIR [--rpc URL] [--docs DIR]

"export" writes the evidence package of loan LOAN_ID into DIR (new or empty), read from the node through
JSON-RPC only: manifest.json (chain id, contracts, the loan's terms and parties, document hashes, every event
of the loan with its transaction, block and log index, every signature with its full EIP-712 typed data),
receipts/, transactions/ and blocks/ (the node's raw answers), a report for people (report.en.html,
report.zh.html, and their PDFs when Debian's chromium is installed: a timeline figure and a table of every
event), and SHA256SUMS ("sha256sum -c SHA256SUMS"). With --keeper, the manifest's "contacts" also lists the
loan's contact log entries (hashes only) with their Merkle proofs, roots and anchoring transactions.
"verify" re-checks a package against any node (block hashes, receipts, logs, event order and completeness,
signatures, terms, each contact's Merkle proof and on-chain anchor) and, with --docs, the supplied documents
against the manifest's document hashes; it prints one line per item and a summary (docs/evidence.md).
(From the repository: npm run cli -- evidence ...)

Options:
  --out DIR              where export writes the package
  --rpc URL              the node's JSON-RPC URL (default: KEEPER_RPC_URL or the config file's rpcUrl)
  --loan-book 0xADDRESS  the LoanBook contract (default: KEEPER_LOAN_BOOK_ADDRESS or the config file's)
  --from-block N         the block export searches the loan's logs from (default: KEEPER_START_BLOCK, or 0)
  --no-pdf               export: write the report as HTML only (without chromium it is HTML only anyway)
  --keeper URL           export: the keeper to read the loan's contact log and its Merkle proofs from
  --token TOKEN          export, with --keeper: an operator token or a lender API key (sent as a bearer token)
  --docs DIR             verify: a folder of the loan's documents (each file's keccak256 must be a document hash)
  -h, --help             print this help

Exit codes: export: 0 written, 2 bad command line or no such loan; verify: 0 every item holds, 1 some item
does not hold (or the node failed), 2 bad command line or no package in DIR.

Examples:
  loanbook evidence export 7 --out evidence/loan-7 --rpc http://127.0.0.1:8545 --loan-book 0x5FbD...
  loanbook evidence verify evidence/loan-7 --rpc https://another-node.example --docs documents/loan-7
`;

/** What `loanbook evidence` was asked for (settings left out come from the keeper's configuration). */
export type EvidenceRequest =
  | {
      readonly action: "export";
      readonly loanId: bigint;
      readonly out: string;
      readonly rpc?: string;
      readonly loanBook?: Address;
      readonly fromBlock?: bigint;
      /** Print the report's PDFs (unless `--no-pdf`). */
      readonly pdf: boolean;
      /** The keeper to read the contact log from (`--keeper` with `--token`). */
      readonly keeper?: { readonly url: string; readonly token: string };
    }
  | { readonly action: "verify"; readonly dir: string; readonly rpc?: string; readonly docs?: string };

/**
 * The request written in `argv` (the arguments after `evidence`), or "help"; throws `UsageError` when it is wrong.
 *
 * @example
 * parseEvidenceArgs(["verify", "evidence/loan-7", "--docs", "docs"]); // { action: "verify", dir: "evidence/loan-7", docs: "docs" }
 */
export function parseEvidenceArgs(argv: readonly string[]): EvidenceRequest | "help" {
  if (argv.includes("--help") || argv.includes("-h") || argv.length === 0) return "help";
  const [action, ...rest] = argv;
  if (action !== "export" && action !== "verify") {
    throw new UsageError(`unknown evidence subcommand "${action}" (expected export or verify)`);
  }
  /** Whether `arg` is an option that takes the next argument as its value (not a flag like --no-pdf). */
  const takesValue = (arg?: string) =>
    arg?.startsWith("--") === true && (OPTIONS as OptionSpecs)[arg.slice(2)]?.type === "string";
  const positionals = rest.filter((arg, i) => !arg.startsWith("-") && !takesValue(rest[i - 1]));
  const what = action === "export" ? "the LOAN_ID" : "the package DIR";
  if (positionals.length !== 1) {
    throw new UsageError(`evidence ${action} takes ${what}, got ${positionals.length} arguments`);
  }
  const at = rest.indexOf(positionals[0]);
  const values = parseOptions([...rest.slice(0, at), ...rest.slice(at + 1)], OPTIONS);
  const text = (name: keyof typeof OPTIONS) => (typeof values[name] === "string" ? values[name] : undefined);
  const rpc = text("rpc");
  if (rpc !== undefined && !/^https?:\/\/\S+$/.test(rpc))
    throw new UsageError(`--rpc must be an http(s) URL, got "${rpc}"`);
  const refuse = (names: (keyof typeof OPTIONS)[]) => {
    const given = names.filter((name) => values[name] !== undefined);
    if (given.length > 0) throw new UsageError(`evidence ${action} does not take --${given.join(", --")}`);
  };
  if (action === "verify") {
    refuse(["out", "loan-book", "from-block", "no-pdf", "keeper", "token"]);
    return { action, dir: positionals[0], rpc, docs: text("docs") };
  }
  refuse(["docs"]);
  const out = text("out");
  if (out === undefined) throw new UsageError("evidence export needs --out DIR");
  const loanBook = text("loan-book");
  if (loanBook !== undefined && !isAddress(loanBook, { strict: false })) {
    throw new UsageError(`--loan-book must be a 0x address, got "${loanBook}"`);
  }
  const fromBlock = text("from-block");
  const keeper = text("keeper");
  const token = text("token");
  if ((keeper === undefined) !== (token === undefined))
    throw new UsageError("--keeper URL and --token TOKEN go together");
  if (keeper !== undefined && !/^https?:\/\/\S+$/.test(keeper)) {
    throw new UsageError(`--keeper must be an http(s) URL, got "${keeper}"`);
  }
  return {
    action,
    loanId: parseUint(positionals[0], "LOAN_ID", maxUint(256)),
    out,
    rpc,
    loanBook: loanBook === undefined ? undefined : getAddress(loanBook),
    fromBlock: fromBlock === undefined ? undefined : parseUint(fromBlock, "--from-block", maxUint(64)),
    pdf: values["no-pdf"] !== true,
    keeper: keeper === undefined ? undefined : { url: keeper, token: token! },
  };
}

/**
 * The verdict lines and the summary `verify` prints.
 *
 * @example
 * formatVerdicts([{ item: "chain id", ok: true, detail: "chain 1" }]); // ["ok    chain id: chain 1", "", "all 1 checks hold: ..."]
 */
export function formatVerdicts(verdicts: readonly Verdict[]): string[] {
  const failed = verdicts.filter((verdict) => !verdict.ok).length;
  const lines = verdicts.map((verdict) => `${verdict.ok ? "ok  " : "FAIL"}  ${verdict.item}: ${verdict.detail}`);
  const summary =
    failed === 0
      ? `all ${verdicts.length} checks hold: the package is consistent with the chain`
      : `${failed} of ${verdicts.length} checks FAIL: the package does not hold`;
  return [...lines, "", summary];
}

/** `3 contacts (1 not anchored yet), ` for the export's summary line; empty without contacts. */
function contactsSummary(contacts: EvidenceManifest["contacts"]): string {
  if (contacts === undefined || contacts === null) return "";
  const open = contacts.entries.filter((contact) => !contact.anchored).length;
  return `${contacts.entries.length} contacts${open > 0 ? ` (${open} not anchored yet)` : ""}, `;
}

export interface CreateEvidenceCommandParameters {
  /** Where the keeper's configuration is read from, for the default node and loan book. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The `evidence` command, reading its defaults from `env` as the keeper does (`buildConfig`).
 *
 * @example
 * const command = createEvidenceCommand({ env: { KEEPER_RPC_URL: "http://127.0.0.1:8545", ... } });
 */
export function createEvidenceCommand({ env }: CreateEvidenceCommandParameters): Command {
  let config: KeeperConfig | undefined;
  const setting = <K extends "rpcUrl" | "loanBookAddress" | "startBlock">(name: K, flag: string): KeeperConfig[K] => {
    try {
      config ??= buildConfig({ env });
    } catch (error) {
      if (error instanceof ConfigError)
        throw new UsageError(`pass ${flag}: the keeper's configuration does not build (${error.message})`);
      throw error;
    }
    return config[name];
  };
  const nodeClient = (rpc: string | undefined): { url: string; client: PublicClient } => {
    const url = rpc ?? setting("rpcUrl", "--rpc URL");
    if (url === null) throw new UsageError("no node to read: pass --rpc URL or set KEEPER_RPC_URL");
    const client = createPublicClient({ transport: http(url, { retryCount: 2, timeout: RPC_TIMEOUT_MS }) });
    return { url, client: client as PublicClient };
  };

  return {
    name: "evidence",
    summary: "export a loan's court-ready evidence package, or verify one against any node",
    usage: EVIDENCE_USAGE,
    async run(argv: readonly string[], io: CliIo): Promise<number> {
      const request = parseEvidenceArgs(argv);
      if (request === "help") {
        io.stdout.write(EVIDENCE_USAGE);
        return EXIT_OK;
      }
      if (request.action === "verify") {
        for (const [flag, dir] of [
          ["DIR", request.dir],
          ["--docs", request.docs],
        ] as const) {
          if (dir !== undefined && !(existsSync(dir) && statSync(dir).isDirectory())) {
            throw new UsageError(`${flag} ${dir} is not a folder`);
          }
        }
      }
      const { url, client } = nodeClient(request.rpc);
      try {
        await client.getChainId();
        if (request.action === "export") {
          const loanBook = request.loanBook ?? setting("loanBookAddress", "--loan-book 0xADDRESS");
          if (loanBook === null) throw new UsageError("no loan book: pass --loan-book 0xADDRESS");
          const { manifest, files, pdfSkipped } = await exportEvidence({
            client,
            loanBook,
            loanId: request.loanId,
            outDir: request.out,
            fromBlock:
              request.fromBlock ?? (request.loanBook === undefined ? setting("startBlock", "--from-block N") : 0n),
            pdf: request.pdf,
            contactLog:
              request.keeper === undefined
                ? undefined
                : keeperApiContactSource({ keeperUrl: request.keeper.url, token: request.keeper.token }),
          });
          if (pdfSkipped !== null) io.stderr.write(`note: the report is HTML only, no PDF: ${pdfSkipped}\n`);
          io.stdout.write(
            `exported loan ${manifest.loanId} of ${manifest.contracts.loanBook} on chain ${manifest.chainId} ` +
              `(up to block ${manifest.readAt.blockNumber}) to ${request.out}: ${manifest.events.length} events, ` +
              `${manifest.signatures.length} signatures, ${contactsSummary(manifest.contacts)}${files.length} files\n`,
          );
          return EXIT_OK;
        }
        const verdicts = await verifyEvidence({ dir: request.dir, client, docsDir: request.docs });
        io.stdout.write(`${formatVerdicts(verdicts).join("\n")}\n`);
        return verdicts.every((verdict) => verdict.ok) ? EXIT_OK : EXIT_NOT_VERIFIED;
      } catch (error) {
        if (error instanceof EvidenceError) throw new UsageError(error.message);
        if (error instanceof BaseError) {
          io.stderr.write(`error: the node at ${url} failed: ${error.shortMessage}\n`);
          return EXIT_INTERNAL_ERROR;
        }
        throw error;
      }
    },
  };
}

/** The `evidence` command of the `loanbook` CLI, configured from the process environment like the keeper. */
export const evidenceCommand: Command = createEvidenceCommand({ env: process.env });

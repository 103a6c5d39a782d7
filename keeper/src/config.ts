/**
 * The keeper's configuration, built once at start-up from the command line, the environment and an optional JSON
 * file, validated with zod, and frozen. A bad value stops the keeper before it does anything, with one message that
 * lists every bad field.
 *
 * Precedence, highest first: `argv` flags (`--rpc-url`, `--http-port`, ...), environment variables (`KEEPER_*`), the
 * JSON file named by `--config` or `KEEPER_CONFIG_FILE` (keys are the `KeeperConfig` field names: `rpcUrl`,
 * `httpPort`, ...), then the defaults. An empty environment variable counts as unset, and so does `null` in the file.
 *
 * Without an RPC URL the keeper runs in embedded mode: it starts its own local chain and deploys the loan book there.
 *
 * This module never reads `process.env`: the caller passes it (`buildConfig({ env: process.env })`).
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { getAddress, isAddress, type Address, type Hex } from "viem";
import { z } from "zod";
import { DEFAULT_LEASE_TTL_MS } from "./adapters/postgres/leaderLease.ts";

/** pino's levels, quietest last. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Hardhat's default account #2 (mnemonic "test test ... junk"), the keeper's key on the embedded chain. Public
 * knowledge: never fund it on a real network.
 */
export const EMBEDDED_KEEPER_PRIVATE_KEY: Hex = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

/** Settings that do not depend on the mode. */
interface KeeperConfigBase {
  /** The keeper's transaction key. */
  readonly privateKey: Hex;
  /** The key that signs bank-payment attestations (the keeper's key unless set). */
  readonly bankSignerKey: Hex;
  /** Where the chain follower starts when the database is new. */
  readonly startBlock: bigint;
  readonly dbPath: string;
  /**
   * With a PostgreSQL store, the leader lease's time to live (ms): keepers sharing the store take over from a dead
   * leader within about this long.
   */
  readonly leaseTtlMs: number;
  /** Blocks a block must be buried under before the keeper acts on it. */
  readonly confirmations: number;
  readonly httpHost: string;
  /** 0 lets the system pick a free port. */
  readonly httpPort: number;
  readonly logLevel: LogLevel;
  readonly pollIntervalMs: number;
  /** A transaction unmined for this many blocks is resent with a higher fee. */
  readonly bumpAfterBlocks: number;
  /** Loans per keeper batch transaction. */
  readonly batchSize: number;
  /** Blocks per `eth_getLogs` call. */
  readonly logRange: number;
  /** JSON-RPC calls sent together in one HTTP request (a JSON-RPC batch); 0: one call a request. */
  readonly rpcBatchSize: number;
  /** Port of the embedded chain (0 picks a free one); unused in RPC mode. */
  readonly chainPort: number;
  /**
   * The bank webhook's HMAC secret per source (the `Bank-Source` header names the source), at least
   * `MIN_WEBHOOK_SECRET_LENGTH` characters each. Empty: no bank may post, the webhook answers 503.
   */
  readonly bankWebhookSecrets: Readonly<Record<string, string>>;
  /**
   * Operators' bearer tokens by operator name (at least `MIN_WEBHOOK_SECRET_LENGTH` characters each): they assign
   * suspense records and set borrowers' contact details. Empty: those routes answer 503.
   */
  readonly operatorTokens: Readonly<Record<string, string>>;
  /** The EvidenceAnchor the contact log is anchored to (null: not anchored; embedded mode deploys one). */
  readonly evidenceAnchorAddress: Address | null;
  /** Borrower contact: the rules, the defaults for a borrower without contact details, and the channels. */
  readonly contact: ContactConfig;
  /**
   * The origins the web app is served on (`https://loans.example.com`): a Sign-In with Ethereum message must name
   * one of them as its domain and URI, and a signed-in browser's writes must come from one. Empty: the keeper's own
   * address, `http://127.0.0.1:<port>` and `http://localhost:<port>`.
   */
  readonly webOrigins: readonly string[];
}

/** How the keeper contacts borrowers. */
export interface ContactConfig {
  /** No contact from `start` to `end`, local time in the borrower's zone (`22:00` to `08:00`). */
  readonly quietHours: { readonly start: string; readonly end: string };
  /** At most this many contacts per borrower per local day. */
  readonly dailyLimit: number;
  /** IANA zone of a borrower the lender gave no zone for. */
  readonly defaultTimeZone: string;
  readonly defaultLocale: "zh" | "en";
  /** Where messages to a borrower without contact details go: `webhook` when it is configured, else `letters`. */
  readonly defaultChannel: "webhook" | "letters";
  /** The lender's messaging gateway (null: no webhook channel), and the HMAC secret that signs each message. */
  readonly webhookUrl: string | null;
  readonly webhookSecret: string | null;
  /** The letters file (one JSON line per letter, for the print room). */
  readonly lettersPath: string;
  /** How amounts are written in messages: the token's decimals and the currency's name. */
  readonly tokenDecimals: number;
  readonly currency: string;
  readonly lenderName: string;
  /** Contact log entries per anchored Merkle batch, and the longest an entry waits for a full batch (seconds). */
  readonly anchorBatchSize: number;
  readonly anchorMaxAgeSeconds: number;
  /** The secret salt of recipient hashes (32 bytes, hex); null: none (zero), fine while handles are addresses. */
  readonly recipientSalt: Hex | null;
}

/** A keeper attached to an existing chain and loan book. */
export interface RpcKeeperConfig extends KeeperConfigBase {
  readonly mode: "rpc";
  readonly rpcUrl: string;
  readonly loanBookAddress: Address;
}

/** A keeper that starts its own local chain and deploys the loan book on it. */
export interface EmbeddedKeeperConfig extends KeeperConfigBase {
  readonly mode: "embedded";
  readonly rpcUrl: null;
  readonly loanBookAddress: null;
}

export type KeeperConfig = RpcKeeperConfig | EmbeddedKeeperConfig;

/** One bad setting: which field, under which names it is set, and what is wrong with it. */
export interface ConfigIssue {
  /** The `KeeperConfig` field (also the key in the JSON file), or `configFile` / `argv`. */
  readonly field: string;
  /** The environment variable that sets it, when there is one. */
  readonly envVar: string | undefined;
  /** Where the bad value came from, when it came from somewhere. */
  readonly source: ConfigSource | undefined;
  /** What is wrong, e.g. `must be an integer from 0 to 65535, got "99999"`. */
  readonly problem: string;
}

/** Thrown by `buildConfig` with every bad setting at once. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  - ${describeIssue(issue)}`);
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(`Invalid keeper configuration (${count}):\n${lines.join("\n")}`);
    this.issues = issues;
  }
}

export type ConfigSource = "argv" | "env" | "file";

export interface BuildConfigParameters {
  /** The environment, `process.env` in production. */
  env: Readonly<Record<string, string | undefined>>;
  /** Command-line arguments after the program name: `--config <file>` and one `--<field-in-kebab-case>` per field. */
  argv?: readonly string[];
  /** Reads the config file as UTF-8 text (`fs.readFileSync` unless given). */
  readFile?: (path: string) => string;
}

/*//////////////////////////////////////////////////////////////
                         FIELDS AND THEIR RULES
//////////////////////////////////////////////////////////////*/

const DECIMAL_INTEGER = /^-?\d+$/;
const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;
const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** Decimal strings (the environment, the command line) become numbers; anything else is left for zod to refuse. */
const toNumber = (value: unknown) => (typeof value === "string" && DECIMAL_INTEGER.test(value) ? Number(value) : value);
const toBigInt = (value: unknown) =>
  typeof value === "string" && DECIMAL_INTEGER.test(value)
    ? BigInt(value)
    : typeof value === "number" && Number.isSafeInteger(value)
      ? BigInt(value)
      : value;

function integer(min: number, max: number) {
  const message = `must be an integer from ${min} to ${max}`;
  return z.preprocess(toNumber, z.number({ message }).int({ message }).min(min, { message }).max(max, { message }));
}

/** The shortest bank webhook secret accepted (characters): 32 random characters resist guessing. */
export const MIN_WEBHOOK_SECRET_LENGTH = 32;
const SOURCE_NAME = /^[A-Za-z0-9._-]{1,64}$/;
const WEBHOOK_SECRETS_MESSAGE = 'must be a JSON object {"<source>": "<secret>", ...}';

/** `{"<name>": "<secret>"}`, given as JSON text (environment, argv) or as an object (config file). */
const namedSecrets = (what: string) =>
  z.preprocess(
    (value) => {
      if (typeof value !== "string") return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    },
    z
      .record(z.string(), z.string({ message: `${WEBHOOK_SECRETS_MESSAGE} of string secrets` }), {
        message: WEBHOOK_SECRETS_MESSAGE,
      })
      .superRefine((secrets, context) => {
        for (const [source, secret] of Object.entries(secrets)) {
          if (!SOURCE_NAME.test(source)) {
            context.addIssue({
              code: z.ZodIssueCode.custom,
              message: `${what} ${JSON.stringify(source)} must be 1 to 64 letters, digits, dots, dashes or underscores`,
            });
          }
          if (secret.length < MIN_WEBHOOK_SECRET_LENGTH) {
            context.addIssue({
              code: z.ZodIssueCode.custom,
              message: `the secret of ${what} ${JSON.stringify(source)} must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`,
            });
          }
        }
      }),
  );
const webhookSecrets = namedSecrets("source");

/** `HH:MM-HH:MM`, 24-hour clock: the quiet hours (they may wrap midnight). */
const QUIET_HOURS = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;
const quietHours = z
  .string({ message: "must be HH:MM-HH:MM, e.g. 22:00-08:00" })
  .regex(QUIET_HOURS, { message: "must be HH:MM-HH:MM, e.g. 22:00-08:00" })
  .refine((value) => value.slice(0, 5) !== value.slice(6), { message: "must not start and end at the same time" })
  .transform((value) => ({ start: value.slice(0, 5), end: value.slice(6) }));

/** An IANA zone this Node knows (its ICU data): `Asia/Shanghai`, `America/New_York`, `UTC`. */
const timeZone = z.string({ message: "must be an IANA time zone, e.g. Asia/Shanghai" }).refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: zone });
      return zone.length > 0;
    } catch {
      return false;
    }
  },
  { message: "must be an IANA time zone, e.g. Asia/Shanghai" },
);

function text(message: string) {
  return z.string({ message }).min(1, { message });
}

const privateKey = z
  .string({ message: "must be 0x followed by 64 hex digits" })
  .regex(PRIVATE_KEY, { message: "must be 0x followed by 64 hex digits" })
  .transform((key) => key.toLowerCase() as Hex);

const httpUrl = z
  .string({ message: "must be an http(s) URL" })
  .url({ message: "must be an http(s) URL" })
  .refine((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), { message: "must be an http(s) URL" });

/**
 * The store: a SQLite file path, or a PostgreSQL database's `postgres://user@host:port/db` URL shared by several
 * keepers. Never a password in it (the setting is not secret, and may be logged): `pg` reads `PGPASSWORD`.
 */
const database = text("must be a SQLite file path or a postgres:// URL").refine(
  (value) => !/^postgres(ql)?:\/\//i.test(value) || (URL.canParse(value) && new URL(value).password === ""),
  { message: "must not hold a password: set PGPASSWORD instead" },
);

const address = z
  .string({ message: "must be a 0x address (40 hex digits)" })
  .regex(HEX_ADDRESS, { message: "must be a 0x address (40 hex digits)" })
  .refine((value) => isAddress(value), { message: "has a wrong EIP-55 checksum (mixed case)" })
  .transform((value) => getAddress(value));

/** `https://loans.example.com,http://127.0.0.1:8080` (or a JSON array): origins, scheme and host[:port] only. */
const webOrigins = z.preprocess(
  (value) => {
    if (typeof value !== "string") return value;
    const text = value.trim();
    if (text.startsWith("[")) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return value;
      }
    }
    return text.split(",").map((origin) => origin.trim());
  },
  z.array(
    httpUrl.refine((url) => URL.canParse(url) && new URL(url).origin === url.replace(/\/$/, ""), {
      message: "must be an origin: scheme and host[:port], e.g. https://loans.example.com",
    }),
    { message: "must be comma-separated http(s) origins, e.g. https://loans.example.com" },
  ),
);

const fields = {
  rpcUrl: { env: "KEEPER_RPC_URL", secret: false, schema: httpUrl },
  privateKey: { env: "KEEPER_PRIVATE_KEY", secret: true, schema: privateKey },
  bankSignerKey: { env: "KEEPER_BANK_SIGNER_KEY", secret: true, schema: privateKey },
  loanBookAddress: { env: "KEEPER_LOAN_BOOK_ADDRESS", secret: false, schema: address },
  startBlock: {
    env: "KEEPER_START_BLOCK",
    secret: false,
    schema: z.preprocess(
      toBigInt,
      z.bigint({ message: "must be a block number (an integer >= 0)" }).min(0n, {
        message: "must be a block number (an integer >= 0)",
      }),
    ),
  },
  dbPath: { env: "KEEPER_DB_PATH", secret: false, schema: database },
  leaseTtlMs: { env: "KEEPER_LEASE_TTL_MS", secret: false, schema: integer(1_000, 600_000) },
  confirmations: { env: "KEEPER_CONFIRMATIONS", secret: false, schema: integer(0, 64) },
  httpHost: { env: "KEEPER_HTTP_HOST", secret: false, schema: text("must be a host name or IP address") },
  httpPort: { env: "KEEPER_HTTP_PORT", secret: false, schema: integer(0, 65_535) },
  logLevel: {
    env: "KEEPER_LOG_LEVEL",
    secret: false,
    schema: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(", ")}` }),
  },
  pollIntervalMs: { env: "KEEPER_POLL_INTERVAL_MS", secret: false, schema: integer(10, 60_000) },
  bumpAfterBlocks: { env: "KEEPER_BUMP_AFTER_BLOCKS", secret: false, schema: integer(1, 1_000) },
  batchSize: { env: "KEEPER_BATCH_SIZE", secret: false, schema: integer(1, 500) },
  logRange: { env: "KEEPER_LOG_RANGE", secret: false, schema: integer(1, 100_000) },
  rpcBatchSize: { env: "KEEPER_RPC_BATCH_SIZE", secret: false, schema: integer(0, 1_000) },
  chainPort: { env: "KEEPER_CHAIN_PORT", secret: false, schema: integer(0, 65_535) },
  bankWebhookSecrets: { env: "KEEPER_BANK_WEBHOOK_SECRETS", secret: true, schema: webhookSecrets },
  operatorTokens: { env: "KEEPER_OPERATOR_TOKENS", secret: true, schema: namedSecrets("operator") },
  evidenceAnchorAddress: { env: "KEEPER_EVIDENCE_ANCHOR_ADDRESS", secret: false, schema: address },
  contactQuietHours: { env: "KEEPER_CONTACT_QUIET_HOURS", secret: false, schema: quietHours },
  contactDailyLimit: { env: "KEEPER_CONTACT_DAILY_LIMIT", secret: false, schema: integer(1, 24) },
  contactTimeZone: { env: "KEEPER_CONTACT_TIME_ZONE", secret: false, schema: timeZone },
  contactLocale: {
    env: "KEEPER_CONTACT_LOCALE",
    secret: false,
    schema: z.enum(["zh", "en"], { message: "must be zh or en" }),
  },
  contactWebhookUrl: { env: "KEEPER_CONTACT_WEBHOOK_URL", secret: false, schema: httpUrl },
  contactWebhookSecret: {
    env: "KEEPER_CONTACT_WEBHOOK_SECRET",
    secret: true,
    schema: z
      .string({ message: `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters` })
      .min(MIN_WEBHOOK_SECRET_LENGTH, { message: `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters` }),
  },
  contactLettersPath: { env: "KEEPER_CONTACT_LETTERS_PATH", secret: false, schema: text("must be a file path") },
  contactRecipientSalt: {
    env: "KEEPER_CONTACT_RECIPIENT_SALT",
    secret: true,
    schema: z
      .string({ message: "must be 0x followed by 64 hex digits" })
      .regex(PRIVATE_KEY, { message: "must be 0x followed by 64 hex digits" })
      .transform((salt) => salt.toLowerCase() as Hex),
  },
  tokenDecimals: { env: "KEEPER_TOKEN_DECIMALS", secret: false, schema: integer(0, 36) },
  currency: { env: "KEEPER_CURRENCY", secret: false, schema: text("must be a currency name, e.g. USDC") },
  lenderName: { env: "KEEPER_LENDER_NAME", secret: false, schema: text("must be the lender's name") },
  anchorBatchSize: { env: "KEEPER_ANCHOR_BATCH_SIZE", secret: false, schema: integer(1, 10_000) },
  anchorMaxAgeSeconds: { env: "KEEPER_ANCHOR_MAX_AGE_SECONDS", secret: false, schema: integer(1, 30 * 86_400) },
  webOrigins: { env: "KEEPER_WEB_ORIGINS", secret: false, schema: webOrigins },
} as const;

type Field = keyof typeof fields;
const FIELD_NAMES = Object.keys(fields) as Field[];

/** Every field optional: the defaults and the rules between fields are applied after parsing. */
const configSchema = z
  .object(
    Object.fromEntries(FIELD_NAMES.map((name) => [name, fields[name].schema.optional()])) as {
      [F in Field]: z.ZodOptional<(typeof fields)[F]["schema"]>;
    },
  )
  .strict();

type ParsedConfig = z.infer<typeof configSchema>;

/** The environment variable naming the JSON config file. */
export const CONFIG_FILE_ENV = "KEEPER_CONFIG_FILE";

const DEFAULTS = {
  startBlock: 0n,
  dbPath: ".keeper/keeper.sqlite",
  httpHost: "127.0.0.1",
  httpPort: 8080,
  logLevel: "info",
  pollIntervalMs: 1_000,
  bumpAfterBlocks: 3,
  batchSize: 50,
  logRange: 2_000,
  chainPort: 8545,
  contactQuietHours: { start: "22:00", end: "08:00" },
  contactDailyLimit: 3,
  contactTimeZone: "Asia/Shanghai",
  contactLocale: "zh",
  contactLettersPath: ".keeper/letters.jsonl",
  tokenDecimals: 6,
  currency: "USD",
  lenderName: "the lender",
  anchorBatchSize: 64,
  anchorMaxAgeSeconds: 3_600,
} as const;
/** Confirmation depth by mode: a real chain reorganises, the embedded one does not. */
const DEFAULT_CONFIRMATIONS = { rpc: 2, embedded: 0 } as const;
/** JSON-RPC batching by mode: off for a provider (some cap or refuse batches), on for the embedded node. */
const DEFAULT_RPC_BATCH_SIZE = { rpc: 0, embedded: 100 } as const;

/*//////////////////////////////////////////////////////////////
                              BUILDING
//////////////////////////////////////////////////////////////*/

interface RawValue {
  value: unknown;
  source: ConfigSource;
}

/**
 * Reads, validates and freezes the keeper's configuration; throws a `ConfigError` listing every bad field.
 *
 * @example
 * const config = buildConfig({ env: process.env, argv: process.argv.slice(2) });
 * config.mode; // "embedded" without KEEPER_RPC_URL
 */
export function buildConfig({ env, argv = [], readFile = readUtf8 }: BuildConfigParameters): KeeperConfig {
  const issues: ConfigIssue[] = [];
  const flags = readArgv(argv, issues);

  const raw = new Map<Field, RawValue>();
  const configFile = flags.configFile ?? nonEmpty(env[CONFIG_FILE_ENV]);
  if (configFile !== undefined) {
    for (const [name, value] of Object.entries(readConfigFile(configFile, readFile, issues))) {
      if (value !== null) raw.set(name as Field, { value, source: "file" });
    }
  }
  for (const name of FIELD_NAMES) {
    const value = nonEmpty(env[fields[name].env]);
    if (value !== undefined) raw.set(name, { value, source: "env" });
  }
  for (const [name, value] of flags.values) raw.set(name, { value, source: "argv" });

  const parsed = configSchema.safeParse(Object.fromEntries([...raw].map(([name, { value }]) => [name, value])));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(...toConfigIssues(issue, raw));
  }
  const values: ParsedConfig = parsed.success ? parsed.data : {};

  // Rules between fields, judged on what was given (a bad RPC URL still means RPC mode was meant).
  const mode = raw.has("rpcUrl") ? "rpc" : "embedded";
  if (mode === "rpc") {
    for (const name of ["privateKey", "loanBookAddress"] as const) {
      if (!raw.has(name)) issues.push(issueFor(name, undefined, `is required when ${fields.rpcUrl.env} is set`));
    }
  } else {
    for (const name of ["loanBookAddress", "evidenceAnchorAddress"] as const) {
      if (!raw.has(name)) continue;
      const what = name === "loanBookAddress" ? "loan book" : "evidence anchor";
      issues.push(
        issueFor(
          name,
          raw.get(name)?.source,
          `is only used with ${fields.rpcUrl.env}: the embedded chain deploys its own ${what}`,
        ),
      );
    }
  }
  if (raw.has("contactWebhookUrl") !== raw.has("contactWebhookSecret")) {
    const missing = raw.has("contactWebhookUrl") ? "contactWebhookSecret" : "contactWebhookUrl";
    const given = missing === "contactWebhookUrl" ? "contactWebhookSecret" : "contactWebhookUrl";
    issues.push(issueFor(missing, undefined, `is required when ${fields[given].env} is set`));
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const privateKey = values.privateKey ?? EMBEDDED_KEEPER_PRIVATE_KEY;
  const base: KeeperConfigBase = {
    privateKey,
    bankSignerKey: values.bankSignerKey ?? privateKey,
    startBlock: values.startBlock ?? DEFAULTS.startBlock,
    dbPath: values.dbPath ?? DEFAULTS.dbPath,
    leaseTtlMs: values.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS,
    confirmations: values.confirmations ?? DEFAULT_CONFIRMATIONS[mode],
    httpHost: values.httpHost ?? DEFAULTS.httpHost,
    httpPort: values.httpPort ?? DEFAULTS.httpPort,
    logLevel: values.logLevel ?? DEFAULTS.logLevel,
    pollIntervalMs: values.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    bumpAfterBlocks: values.bumpAfterBlocks ?? DEFAULTS.bumpAfterBlocks,
    batchSize: values.batchSize ?? DEFAULTS.batchSize,
    logRange: values.logRange ?? DEFAULTS.logRange,
    rpcBatchSize: values.rpcBatchSize ?? DEFAULT_RPC_BATCH_SIZE[mode],
    chainPort: values.chainPort ?? DEFAULTS.chainPort,
    bankWebhookSecrets: Object.freeze({ ...values.bankWebhookSecrets }),
    operatorTokens: Object.freeze({ ...values.operatorTokens }),
    evidenceAnchorAddress: values.evidenceAnchorAddress ?? null,
    contact: Object.freeze({
      quietHours: values.contactQuietHours ?? DEFAULTS.contactQuietHours,
      dailyLimit: values.contactDailyLimit ?? DEFAULTS.contactDailyLimit,
      defaultTimeZone: values.contactTimeZone ?? DEFAULTS.contactTimeZone,
      defaultLocale: values.contactLocale ?? DEFAULTS.contactLocale,
      defaultChannel: values.contactWebhookUrl === undefined ? "letters" : "webhook",
      webhookUrl: values.contactWebhookUrl ?? null,
      webhookSecret: values.contactWebhookSecret ?? null,
      lettersPath: values.contactLettersPath ?? DEFAULTS.contactLettersPath,
      tokenDecimals: values.tokenDecimals ?? DEFAULTS.tokenDecimals,
      currency: values.currency ?? DEFAULTS.currency,
      lenderName: values.lenderName ?? DEFAULTS.lenderName,
      anchorBatchSize: values.anchorBatchSize ?? DEFAULTS.anchorBatchSize,
      anchorMaxAgeSeconds: values.anchorMaxAgeSeconds ?? DEFAULTS.anchorMaxAgeSeconds,
      recipientSalt: values.contactRecipientSalt ?? null,
    }),
    webOrigins: Object.freeze((values.webOrigins ?? []).map((origin) => new URL(origin).origin)),
  };
  // Both are present in RPC mode, or an issue was thrown above.
  const config: KeeperConfig =
    mode === "rpc"
      ? { mode, rpcUrl: values.rpcUrl as string, loanBookAddress: values.loanBookAddress as Address, ...base }
      : { mode, rpcUrl: null, loanBookAddress: null, ...base };
  return Object.freeze(config);
}

/**
 * The configuration with its keys and webhook secrets replaced by `"[redacted]"` (the webhook sources are kept) and
 * the start block as a string: safe to log.
 *
 * @example
 * logger.info({ config: redactConfig(config) }, "keeper configured");
 */
export function redactConfig(config: KeeperConfig): Record<string, unknown> {
  return {
    ...config,
    privateKey: "[redacted]",
    bankSignerKey: "[redacted]",
    startBlock: config.startBlock.toString(),
    bankWebhookSecrets: Object.fromEntries(
      Object.keys(config.bankWebhookSecrets).map((source) => [source, "[redacted]"]),
    ),
    operatorTokens: Object.fromEntries(Object.keys(config.operatorTokens).map((name) => [name, "[redacted]"])),
    contact: {
      ...config.contact,
      webhookSecret: config.contact.webhookSecret === null ? null : "[redacted]",
      recipientSalt: config.contact.recipientSalt === null ? null : "[redacted]",
    },
  };
}

/*//////////////////////////////////////////////////////////////
                              SOURCES
//////////////////////////////////////////////////////////////*/

const readUtf8 = (path: string) => readFileSync(path, "utf8");

const nonEmpty = (value: string | undefined) => (value === undefined || value.trim() === "" ? undefined : value.trim());

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

/** `--config <file>` and `--<field>` flags; every problem with them becomes an issue. */
function readArgv(
  argv: readonly string[],
  issues: ConfigIssue[],
): { configFile: string | undefined; values: Map<Field, string> } {
  const values = new Map<Field, string>();
  const options = Object.fromEntries([
    ["config", { type: "string" as const }],
    ...FIELD_NAMES.map((name) => [kebab(name), { type: "string" as const }]),
  ]);
  const argvIssue = (problem: string) => issues.push({ field: "argv", envVar: undefined, source: "argv", problem });
  let parsed: Record<string, string | undefined>;
  try {
    const result = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true });
    // parseArgs keeps the last of a repeated option; here a repeat is a mistake.
    const names = result.tokens.flatMap((token) => (token.kind === "option" ? [token.rawName] : []));
    const repeated = names.filter((name, i) => names.indexOf(name) !== i);
    if (repeated.length > 0) {
      argvIssue(`${[...new Set(repeated)].join(", ")} given more than once`);
      return { configFile: undefined, values };
    }
    // Every option is a string option.
    parsed = result.values as typeof parsed;
  } catch (error) {
    argvIssue(error instanceof Error ? error.message.split("\n")[0] : String(error));
    return { configFile: undefined, values };
  }
  for (const name of FIELD_NAMES) {
    const value = nonEmpty(parsed[kebab(name)]);
    if (value !== undefined) values.set(name, value);
  }
  return { configFile: nonEmpty(parsed.config), values };
}

/** The JSON file's fields; an unreadable file, bad JSON or an unknown key is an issue (and gives no fields). */
function readConfigFile(path: string, readFile: (path: string) => string, issues: ConfigIssue[]): object {
  const fileIssue = (problem: string) =>
    issues.push({ field: "configFile", envVar: CONFIG_FILE_ENV, source: undefined, problem: `${path}: ${problem}` });
  let content: unknown;
  try {
    content = JSON.parse(readFile(path));
  } catch (error) {
    fileIssue(error instanceof SyntaxError ? `is not valid JSON (${error.message})` : `cannot be read (${error})`);
    return {};
  }
  if (typeof content !== "object" || content === null || Array.isArray(content)) {
    fileIssue("must hold a JSON object of settings");
    return {};
  }
  const unknown = Object.keys(content).filter((key) => !(FIELD_NAMES as string[]).includes(key));
  if (unknown.length > 0) {
    fileIssue(
      `has unknown keys ${unknown.map((key) => JSON.stringify(key)).join(", ")}; the keys are ${FIELD_NAMES.join(", ")}`,
    );
    return {};
  }
  return content;
}

/*//////////////////////////////////////////////////////////////
                              MESSAGES
//////////////////////////////////////////////////////////////*/

function issueFor(field: Field, source: ConfigSource | undefined, problem: string): ConfigIssue {
  return { field, envVar: fields[field].env, source, problem };
}

function toConfigIssues(issue: z.ZodIssue, raw: Map<Field, RawValue>): ConfigIssue[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ field: key, envVar: undefined, source: undefined, problem: "is not a setting" }));
  }
  const field = issue.path[0] as Field;
  const given = raw.get(field);
  const got = given === undefined || fields[field].secret ? "" : `, got ${show(given.value)}`;
  return [issueFor(field, given?.source, `${issue.message}${got}`)];
}

/** A bad value as an error message shows it, a password in a URL masked (`postgres://keeper:***@db/keeper`). */
function show(value: unknown): string {
  if (typeof value === "string" && URL.canParse(value) && new URL(value).password !== "") {
    const url = new URL(value);
    url.password = "***";
    value = url.toString();
  }
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

const SOURCE_NAMES: Record<ConfigSource, string> = { argv: "command line", env: "environment", file: "config file" };

function describeIssue({ field, envVar, source, problem }: ConfigIssue): string {
  const names = [envVar, source === undefined ? undefined : `from the ${SOURCE_NAMES[source]}`].filter(Boolean);
  return `${field}${names.length > 0 ? ` (${names.join(", ")})` : ""}: ${problem}`;
}

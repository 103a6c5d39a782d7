import { describe, it } from "node:test";
import { expect } from "chai";
import {
  buildConfig,
  ConfigError,
  EMBEDDED_KEEPER_PRIVATE_KEY,
  MIN_WEBHOOK_SECRET_LENGTH,
  redactConfig,
  type BuildConfigParameters,
  type ConfigIssue,
} from "./config.ts";

const KEY_A = `0x${"a1".repeat(32)}`;
const KEY_B = `0x${"b2".repeat(32)}`;
const SECRET_A = "whsec-a-0123456789abcdef0123456789abcdef";
const SECRET_B = "whsec-b-0123456789abcdef0123456789abcdef";
const LOAN_BOOK = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const RPC = {
  KEEPER_RPC_URL: "https://rpc.example.org",
  KEEPER_PRIVATE_KEY: KEY_A,
  KEEPER_LOAN_BOOK_ADDRESS: LOAN_BOOK,
};

/** The ConfigError `buildConfig` throws for these parameters (fails the test when it does not throw). */
function configError(parameters: BuildConfigParameters): ConfigError {
  try {
    buildConfig(parameters);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  expect.fail("buildConfig accepted a bad configuration");
}

const issueOf = (error: ConfigError, field: string): ConfigIssue | undefined =>
  error.issues.find((issue) => issue.field === field);

/** A readFile that serves one in-memory file. */
const files =
  (content: Record<string, string>) =>
  (path: string): string => {
    if (!(path in content)) throw new Error(`ENOENT: no such file ${path}`);
    return content[path];
  };

describe("buildConfig", () => {
  it("embedded mode without an RPC URL: Hardhat's account #2, no confirmations, every default", () => {
    const config = buildConfig({ env: {} });
    expect(config).to.deep.equal({
      mode: "embedded",
      rpcUrl: null,
      loanBookAddress: null,
      privateKey: EMBEDDED_KEEPER_PRIVATE_KEY,
      bankSignerKey: EMBEDDED_KEEPER_PRIVATE_KEY,
      startBlock: 0n,
      dbPath: ".keeper/keeper.sqlite",
      leaseTtlMs: 15_000,
      confirmations: 0,
      httpHost: "127.0.0.1",
      httpPort: 8080,
      logLevel: "info",
      pollIntervalMs: 1000,
      bumpAfterBlocks: 3,
      batchSize: 50,
      logRange: 2000,
      rpcBatchSize: 100,
      chainPort: 8545,
      bankWebhookSecrets: {},
      operatorTokens: {},
      evidenceAnchorAddress: null,
      contact: {
        quietHours: { start: "22:00", end: "08:00" },
        dailyLimit: 3,
        defaultTimeZone: "Asia/Shanghai",
        defaultLocale: "zh",
        defaultChannel: "letters",
        webhookUrl: null,
        webhookSecret: null,
        lettersPath: ".keeper/letters.jsonl",
        tokenDecimals: 6,
        currency: "USD",
        lenderName: "the lender",
        anchorBatchSize: 64,
        anchorMaxAgeSeconds: 3600,
        recipientSalt: null,
      },
      webOrigins: [],
    });
    expect(Object.isFrozen(config)).to.equal(true);
    expect(Object.isFrozen(config.bankWebhookSecrets)).to.equal(true);
    expect(() => {
      (config as { httpPort: number }).httpPort = 1;
    }).to.throw(TypeError);
  });

  it("web origins: a comma-separated list or a JSON array of origins, anything more refused", () => {
    expect(
      buildConfig({ env: { KEEPER_WEB_ORIGINS: "https://loans.example.com, http://127.0.0.1:8080/" } }).webOrigins,
    ).to.deep.equal(["https://loans.example.com", "http://127.0.0.1:8080"]);
    expect(buildConfig({ env: {}, argv: ["--web-origins", '["https://a.example.org"]'] }).webOrigins).to.deep.equal([
      "https://a.example.org",
    ]);
    for (const bad of ["https://loans.example.com/app", "ftp://loans.example.com", "loans.example.com"]) {
      expect(() => buildConfig({ env: { KEEPER_WEB_ORIGINS: bad } }), bad)
        .to.throw(ConfigError)
        .with.property("message")
        .that.matches(/webOrigins \(KEEPER_WEB_ORIGINS/);
    }
  });

  it("the store: a SQLite path or a PostgreSQL URL without a password (PGPASSWORD holds it)", () => {
    const url = "postgres://keeper@db.internal:5432/keeper";
    expect(buildConfig({ env: { KEEPER_DB_PATH: url } }).dbPath).to.equal(url);
    expect(() => buildConfig({ env: { KEEPER_DB_PATH: "postgres://keeper:hunter2@db.internal/keeper" } }))
      .to.throw(ConfigError)
      .with.property("message")
      .that.matches(/dbPath \(KEEPER_DB_PATH.*must not hold a password: set PGPASSWORD instead/)
      .and.not.include("hunter2");
  });

  it("contact settings: quiet hours, zone and the webhook channel, each checked", () => {
    const config = buildConfig({
      env: {
        KEEPER_CONTACT_QUIET_HOURS: "21:30-07:45",
        KEEPER_CONTACT_TIME_ZONE: "America/New_York",
        KEEPER_CONTACT_WEBHOOK_URL: "https://sms.example.org/send",
        KEEPER_CONTACT_WEBHOOK_SECRET: "s".repeat(32),
        KEEPER_OPERATOR_TOKENS: JSON.stringify({ alice: "t".repeat(32) }),
        KEEPER_CONTACT_RECIPIENT_SALT: `0x${"AB".repeat(32)}`,
      },
    });
    expect(config.contact.recipientSalt).to.equal(`0x${"ab".repeat(32)}`);
    expect(redactConfig(config).contact).to.include({ recipientSalt: "[redacted]" });
    expect(config.contact.quietHours).to.deep.equal({ start: "21:30", end: "07:45" });
    expect(config.contact.defaultTimeZone).to.equal("America/New_York");
    expect(config.contact.defaultChannel).to.equal("webhook");
    expect(redactConfig(config).contact).to.include({ webhookSecret: "[redacted]" });
    expect(redactConfig(config).operatorTokens).to.deep.equal({ alice: "[redacted]" });
    const problems = (env: Record<string, string>) => {
      try {
        buildConfig({ env });
        return [];
      } catch (error) {
        return (error as ConfigError).issues.map((issue) => `${issue.field}: ${issue.problem}`);
      }
    };
    expect(problems({ KEEPER_CONTACT_QUIET_HOURS: "22:00-24:00" })).to.deep.equal([
      'contactQuietHours: must be HH:MM-HH:MM, e.g. 22:00-08:00, got "22:00-24:00"',
    ]);
    expect(problems({ KEEPER_CONTACT_TIME_ZONE: "Mars/Olympus" })).to.deep.equal([
      'contactTimeZone: must be an IANA time zone, e.g. Asia/Shanghai, got "Mars/Olympus"',
    ]);
    expect(problems({ KEEPER_CONTACT_WEBHOOK_URL: "https://sms.example.org" })).to.deep.equal([
      "contactWebhookSecret: is required when KEEPER_CONTACT_WEBHOOK_URL is set",
    ]);
    expect(problems({ KEEPER_OPERATOR_TOKENS: JSON.stringify({ alice: "short" }) })).to.deep.equal([
      'operatorTokens: the secret of operator "alice" must be at least 32 characters',
    ]);
  });

  it("RPC mode: the given URL, key and address, 2 confirmations by default, the bank signer defaulting to the key", () => {
    const config = buildConfig({ env: { ...RPC, KEEPER_LOAN_BOOK_ADDRESS: LOAN_BOOK.toLowerCase() } });
    expect(config.mode).to.equal("rpc");
    expect(config.rpcUrl).to.equal("https://rpc.example.org");
    expect(config.privateKey).to.equal(KEY_A);
    expect(config.bankSignerKey).to.equal(KEY_A);
    // Normalised to the checksummed form.
    expect(config.loanBookAddress).to.equal(LOAN_BOOK);
    expect(config.confirmations).to.equal(2);
    expect(config.rpcBatchSize).to.equal(0);
  });

  it("reads every field from the environment with its type", () => {
    const config = buildConfig({
      env: {
        ...RPC,
        KEEPER_RPC_URL: "http://10.0.0.5:8545",
        KEEPER_BANK_SIGNER_KEY: KEY_B,
        KEEPER_START_BLOCK: "123456789012345678901234567890",
        KEEPER_DB_PATH: "/var/lib/keeper/db.sqlite",
        KEEPER_CONFIRMATIONS: "0",
        KEEPER_HTTP_HOST: "0.0.0.0",
        KEEPER_HTTP_PORT: "0",
        KEEPER_LOG_LEVEL: "silent",
        KEEPER_POLL_INTERVAL_MS: "10",
        KEEPER_BUMP_AFTER_BLOCKS: "1000",
        KEEPER_BATCH_SIZE: "500",
        KEEPER_LOG_RANGE: "100000",
        KEEPER_RPC_BATCH_SIZE: "250",
        KEEPER_CHAIN_PORT: " 0 ",
        KEEPER_BANK_WEBHOOK_SECRETS: JSON.stringify({ "ICBC-SH": SECRET_A, bank_b: SECRET_B }),
      },
    });
    expect(config.bankWebhookSecrets).to.deep.equal({ "ICBC-SH": SECRET_A, bank_b: SECRET_B });
    expect(config).to.include({
      rpcUrl: "http://10.0.0.5:8545",
      bankSignerKey: KEY_B,
      startBlock: 123456789012345678901234567890n,
      dbPath: "/var/lib/keeper/db.sqlite",
      confirmations: 0,
      httpHost: "0.0.0.0",
      httpPort: 0,
      logLevel: "silent",
      pollIntervalMs: 10,
      bumpAfterBlocks: 1000,
      batchSize: 500,
      logRange: 100000,
      rpcBatchSize: 250,
      chainPort: 0,
    });
  });

  it("lists every bad field at once, with its env var, what is wrong and the value given", () => {
    const error = configError({
      env: {
        KEEPER_RPC_URL: "ftp://example.org",
        KEEPER_START_BLOCK: "-1",
        KEEPER_CONFIRMATIONS: "65",
        KEEPER_HTTP_PORT: "99999",
        KEEPER_LOG_LEVEL: "verbose",
        KEEPER_POLL_INTERVAL_MS: "9",
        KEEPER_BUMP_AFTER_BLOCKS: "1.5",
        KEEPER_BATCH_SIZE: "lots",
        KEEPER_LOG_RANGE: "100001",
        KEEPER_RPC_BATCH_SIZE: "1001",
        KEEPER_CHAIN_PORT: "-1",
        KEEPER_BANK_WEBHOOK_SECRETS: "[]",
      },
    });
    expect(error.issues.map((issue) => issue.field).sort()).to.deep.equal(
      [
        "rpcUrl",
        "startBlock",
        "confirmations",
        "httpPort",
        "logLevel",
        "pollIntervalMs",
        "bumpAfterBlocks",
        "batchSize",
        "logRange",
        "rpcBatchSize",
        "chainPort",
        "bankWebhookSecrets",
        // Required because an RPC URL was given, even a bad one.
        "privateKey",
        "loanBookAddress",
      ].sort(),
    );
    expect(error.message).to.match(/^Invalid keeper configuration \(14 problems\):/);
    expect(error.message).to.include(
      'httpPort (KEEPER_HTTP_PORT, from the environment): must be an integer from 0 to 65535, got "99999"',
    );
    expect(error.message).to.include('rpcUrl (KEEPER_RPC_URL, from the environment): must be an http(s) URL, got "ftp');
    expect(error.message).to.include("startBlock (KEEPER_START_BLOCK, from the environment): must be a block number");
    expect(error.message).to.include("logLevel (KEEPER_LOG_LEVEL, from the environment): must be one of fatal, error");
    expect(error.message).to.include('must be an integer from 1 to 500, got "lots"');
    expect(error.message).to.include("privateKey (KEEPER_PRIVATE_KEY): is required when KEEPER_RPC_URL is set");
    expect(error.message).to.include("loanBookAddress (KEEPER_LOAN_BOOK_ADDRESS): is required when KEEPER_RPC_URL");
  });

  it("accepts each range's bounds and refuses one past them", () => {
    const table = [
      ["KEEPER_CONFIRMATIONS", "confirmations", 0, 64],
      ["KEEPER_HTTP_PORT", "httpPort", 0, 65535],
      ["KEEPER_POLL_INTERVAL_MS", "pollIntervalMs", 10, 60000],
      ["KEEPER_BUMP_AFTER_BLOCKS", "bumpAfterBlocks", 1, 1000],
      ["KEEPER_BATCH_SIZE", "batchSize", 1, 500],
      ["KEEPER_LOG_RANGE", "logRange", 1, 100000],
      ["KEEPER_RPC_BATCH_SIZE", "rpcBatchSize", 0, 1000],
      ["KEEPER_CHAIN_PORT", "chainPort", 0, 65535],
    ] as const;
    for (const [envVar, field, min, max] of table) {
      for (const value of [min, max]) {
        expect(buildConfig({ env: { [envVar]: String(value) } })[field], `${envVar}=${value}`).to.equal(value);
      }
      for (const value of [min - 1, max + 1]) {
        const error = configError({ env: { [envVar]: String(value) } });
        expect(error.issues, `${envVar}=${value}`).to.have.length(1);
        expect(issueOf(error, field)?.envVar).to.equal(envVar);
      }
    }
  });

  it("never prints a private key, even a malformed one", () => {
    const leaked = `0x${"c3".repeat(31)}`;
    const error = configError({ env: { ...RPC, KEEPER_PRIVATE_KEY: leaked, KEEPER_BANK_SIGNER_KEY: "0xnothex" } });
    expect(error.issues.map((issue) => issue.field)).to.deep.equal(["privateKey", "bankSignerKey"]);
    expect(error.message).to.include("KEEPER_PRIVATE_KEY, from the environment): must be 0x followed by 64 hex digits");
    expect(error.message).not.to.include(leaked);
    expect(error.message).not.to.include("0xnothex");
  });

  it("reads webhook secrets from the file as an object, refusing short secrets and bad source names without printing them", () => {
    const config = buildConfig({
      env: { KEEPER_CONFIG_FILE: "/k.json" },
      readFile: files({ "/k.json": JSON.stringify({ bankWebhookSecrets: { "bank.a": SECRET_A } }) }),
    });
    expect(config.bankWebhookSecrets).to.deep.equal({ "bank.a": SECRET_A });

    const short = "s".repeat(MIN_WEBHOOK_SECRET_LENGTH - 1);
    const error = configError({
      env: { KEEPER_BANK_WEBHOOK_SECRETS: JSON.stringify({ good: SECRET_A, short, "bad source": SECRET_B }) },
    });
    expect(error.issues.map((issue) => issue.field)).to.deep.equal(["bankWebhookSecrets", "bankWebhookSecrets"]);
    expect(error.message).to.include(
      `bankWebhookSecrets (KEEPER_BANK_WEBHOOK_SECRETS, from the environment): the secret of source "short" must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`,
    );
    expect(error.message).to.include('source "bad source" must be 1 to 64 letters');
    expect(error.message).not.to.include(short).and.not.to.include(SECRET_A).and.not.to.include(SECRET_B);

    for (const bad of ["not json", "[]", '{"a": 1}']) {
      expect(issueOf(configError({ env: { KEEPER_BANK_WEBHOOK_SECRETS: bad } }), "bankWebhookSecrets"), bad)
        .property("problem")
        .to.include("must be a JSON object");
    }
  });

  it("refuses a mixed-case address with a wrong checksum, and a loan book address without an RPC URL", () => {
    const badChecksum = LOAN_BOOK.replace("F", "f");
    expect(issueOf(configError({ env: { ...RPC, KEEPER_LOAN_BOOK_ADDRESS: badChecksum } }), "loanBookAddress"))
      .property("problem")
      .to.include("checksum");
    expect(issueOf(configError({ env: { KEEPER_LOAN_BOOK_ADDRESS: LOAN_BOOK } }), "loanBookAddress"))
      .property("problem")
      .to.include("embedded chain deploys its own");
  });

  it("treats empty environment variables as unset", () => {
    const config = buildConfig({ env: { KEEPER_RPC_URL: "", KEEPER_HTTP_PORT: "  ", KEEPER_CONFIG_FILE: "" } });
    expect(config.mode).to.equal("embedded");
    expect(config.httpPort).to.equal(8080);
  });

  describe("the JSON file", () => {
    const file = JSON.stringify({
      rpcUrl: "https://file.example.org",
      privateKey: KEY_A,
      loanBookAddress: LOAN_BOOK,
      httpPort: 9000,
      startBlock: 77,
      batchSize: "20",
      logRange: null,
    });

    it("is read from KEEPER_CONFIG_FILE, and the environment wins over it", () => {
      const config = buildConfig({
        env: { KEEPER_CONFIG_FILE: "/etc/keeper.json", KEEPER_HTTP_PORT: "9001" },
        readFile: files({ "/etc/keeper.json": file }),
      });
      expect(config).to.include({
        mode: "rpc",
        rpcUrl: "https://file.example.org",
        httpPort: 9001,
        startBlock: 77n,
        batchSize: 20,
        logRange: 2000,
      });
    });

    it("reports its bad values as coming from the file", () => {
      const error = configError({
        env: { KEEPER_CONFIG_FILE: "/k.json" },
        readFile: files({ "/k.json": JSON.stringify({ httpPort: "eighty", confirmations: 2.5, dbPath: "" }) }),
      });
      expect(error.message).to.include(
        'httpPort (KEEPER_HTTP_PORT, from the config file): must be an integer from 0 to 65535, got "eighty"',
      );
      expect(issueOf(error, "confirmations")?.problem).to.equal("must be an integer from 0 to 64, got 2.5");
      expect(issueOf(error, "dbPath")?.source).to.equal("file");
    });

    it("fails on an unreadable file, bad JSON, a non-object and unknown keys, naming KEEPER_CONFIG_FILE", () => {
      const cases: [string, string][] = [
        ["/missing.json", "cannot be read"],
        ["/bad.json", "is not valid JSON"],
        ["/array.json", "must hold a JSON object"],
        ["/typo.json", 'has unknown keys "httpPrt", "KEEPER_RPC_URL"'],
      ];
      const readFile = files({
        "/bad.json": "{ httpPort: 1 }",
        "/array.json": "[]",
        "/typo.json": JSON.stringify({ httpPrt: 1, KEEPER_RPC_URL: "http://x" }),
      });
      for (const [path, problem] of cases) {
        const error = configError({ env: { KEEPER_CONFIG_FILE: path }, readFile });
        expect(error.issues, path).to.have.length(1);
        expect(error.issues[0]).to.include({ field: "configFile", envVar: "KEEPER_CONFIG_FILE" });
        expect(error.issues[0].problem).to.include(path).and.include(problem);
      }
    });
  });

  describe("argv", () => {
    it("overrides the environment and names the file with --config", () => {
      const config = buildConfig({
        env: { KEEPER_HTTP_PORT: "9001" },
        argv: ["--config", "/a.json", "--http-port", "9002", "--log-level=debug"],
        readFile: files({ "/a.json": JSON.stringify({ batchSize: 7, httpPort: 9000 }) }),
      });
      expect(config).to.include({ httpPort: 9002, logLevel: "debug", batchSize: 7 });
    });

    it("refuses unknown flags and reports bad values as from the command line", () => {
      expect(configError({ env: {}, argv: ["--http-prot", "1"] }).issues[0]).to.include({ field: "argv" });
      expect(configError({ env: {}, argv: ["--http-port", "1", "--http-port=2"] }).message).to.include(
        "argv (from the command line): --http-port given more than once",
      );
      expect(configError({ env: {}, argv: ["--batch-size", "0"] }).message).to.include(
        "batchSize (KEEPER_BATCH_SIZE, from the command line): must be an integer from 1 to 500",
      );
    });
  });
});

describe("redactConfig", () => {
  it("hides both keys and keeps the rest", () => {
    const config = buildConfig({
      env: {
        ...RPC,
        KEEPER_BANK_SIGNER_KEY: KEY_B,
        KEEPER_START_BLOCK: "5",
        KEEPER_BANK_WEBHOOK_SECRETS: JSON.stringify({ bank_a: SECRET_A }),
      },
    });
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.to.include(KEY_A.slice(2)).and.not.to.include(KEY_B.slice(2));
    expect(JSON.stringify(redacted)).not.to.include(SECRET_A);
    expect(redacted.bankWebhookSecrets).to.deep.equal({ bank_a: "[redacted]" });
    expect(redacted).to.include({ privateKey: "[redacted]", startBlock: "5", rpcUrl: "https://rpc.example.org" });
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { tempStore, type TempStore } from "../../adapters/bank/testBankStore.ts";
import { FIXTURES } from "../../core/statements/testStatements.ts";
import type { CliIo } from "../command.ts";
import { runCli } from "../runCli.ts";
import { createBankCommand, parseBankArgs } from "./bank.ts";

/** Runs `loanbook <argv>` in-process and returns what it wrote and its exit code. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const ICBC = FIXTURES + "icbc-camt053-001.08.xml";

describe("loanbook bank import", () => {
  let temp: TempStore;
  let database: string[];
  before(() => {
    temp = tempStore();
    database = ["--database", temp.path];
  });
  after(() => temp.close());

  it("imports a camt.053 statement and prints the summary", async () => {
    const { code, stdout, stderr } = await cli("bank", "import", ICBC, "--source", "icbc", ...database);
    expect(stderr).to.equal("");
    expect(code).to.equal(0);
    expect(stdout).to.equal(
      [
        `imported ${ICBC} from source icbc into ${temp.path}`,
        "format       camt.053.001.08",
        "statement    ICBC-SH-1001-20261125",
        "account      1001234509000012345",
        "entries      7",
        "stored       6 (matched 4, suspense 2)",
        "duplicates   0",
        "conflicts    0",
        "quarantined  1",
        "ignored      3",
        "",
      ].join("\n"),
    );
    expect(temp.counts()).to.deep.equal({ records: 6, statements: 1, quarantine: 1 });
  });

  it("reports a second import as already imported, exit 0, nothing stored", async () => {
    const before = temp.counts();
    const { code, stdout, stderr } = await cli("bank", "import", ICBC, "--source", "icbc", ...database);
    expect(code).to.equal(0);
    expect(stderr).to.equal("");
    expect(stdout).to.match(
      /^already imported: statement ICBC-SH-1001-20261125 from source icbc on \d{4}-\d\d-\d\dT[\d:.]+Z .*nothing stored\n$/,
    );
    expect(temp.counts()).to.deep.equal(before);
  });

  it("imports a CSV, with duplicates and quarantined rows counted", async () => {
    const { code, stdout } = await cli("bank", "import", FIXTURES + "statement.csv", "--source", "icbc", ...database);
    expect(code).to.equal(0);
    expect(stdout).to.include("format       csv").and.include("duplicates   1").and.include("quarantined  4");
  });

  it("exits 2 with one error line for a file refused whole, and writes nothing", async () => {
    const before = temp.counts();
    const table: [string, RegExp][] = [
      ["malformed.xml", /malformed XML at line 9, column 7/],
      ["truncated.xml", /truncated\?\)$/],
      ["wrong-namespace.xml", /unsupported XML namespace/],
      ["wrong-columns.csv", /wrong CSV header: expected columns bank_reference,booked_at/],
      ["missing.xml", /cannot read the file \(ENOENT\)/],
    ];
    for (const [name, message] of table) {
      const { code, stdout, stderr } = await cli("bank", "import", FIXTURES + name, "--source", "icbc", ...database);
      expect(code, name).to.equal(2);
      expect(stdout, name).to.equal("");
      const lines = stderr.trimEnd().split("\n");
      expect(lines, name).to.have.length(1);
      expect(lines[0], name)
        .to.match(/^error: /)
        .and.match(message);
      expect(temp.counts(), name).to.deep.equal(before);
    }
  });

  it("exits 2 on a bad command line", async () => {
    const table: [string[], RegExp][] = [
      [["import", ICBC], /--source is required/],
      [["import", "--source", "icbc"], /needs the statement FILE/],
      [["import", ICBC, "other.xml", "--source", "icbc"], /takes one FILE, got 2/],
      [["export", ICBC], /unknown bank subcommand "export"/],
      [["import", ICBC, "--source", "icbc", "--decimals", "-1"], /--decimals must not be negative/],
      [["import", ICBC, "--source", "icbc", "--decimals", "37"], /--decimals is out of range/],
      [["import", ICBC, "--source", "has space"], /--source must be 1 to 64 printable/],
      [["import", ICBC, "--source", "icbc", "--bogus"], /unknown option --bogus/],
    ];
    for (const [argv, message] of table) {
      const { code, stderr } = await cli("bank", ...argv);
      expect(code, argv.join(" ")).to.equal(2);
      expect(stderr, argv.join(" "))
        .to.match(/^error: /)
        .and.match(message);
    }
  });

  it("prints its help", async () => {
    for (const argv of [["bank", "--help"], ["help", "bank"], ["bank"]]) {
      const { code, stdout } = await cli(...argv);
      expect(code).to.equal(0);
      expect(stdout).to.match(/^Usage: loanbook bank import FILE --source NAME/);
    }
  });
});

describe("createBankCommand: the default database", () => {
  it("uses KEEPER_DB_PATH as the keeper does", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bank-cli-"));
    try {
      const path = join(dir, "nested", "keeper.sqlite");
      let stdout = "";
      const io: CliIo = { stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: () => true } };
      const command = createBankCommand({ env: { KEEPER_DB_PATH: path } });
      expect(await runCli(["bank", "import", ICBC, "--source", "icbc"], io, [command])).to.equal(0);
      expect(stdout).to.include(`into ${path}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parses the request, --decimals defaulting to 6", () => {
    expect(parseBankArgs(["import", "s.xml", "--source", "icbc"])).to.deep.equal({
      file: "s.xml",
      source: "icbc",
      decimals: 6,
      database: undefined,
    });
    expect(
      parseBankArgs(["import", "--source", "icbc", "--decimals", "2", "s.csv", "--database", "k.db"]),
    ).to.deep.equal({ file: "s.csv", source: "icbc", decimals: 2, database: "k.db" });
  });
});
